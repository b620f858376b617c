#!/usr/bin/env bash
# Calibration of the baseline and the four denoised reward models on HH-RLHF harmless-base (issue 15).
#
#   split by prompt hash (train-rm's 0.2) -> 5-member strength on the train side -> denoise
#   -> train-rm of baseline, flip, soft-label+margin, margin, flip+margin (MiniLM, top 2 layers, 128 tokens),
#      best checkpoint on the validation side, --calibrate-on-valid
#   -> eval-rm on the validation side (T fitted there: in-sample), and an honest check: T refitted on one half of
#      the validation side (prompt hash < 0.1) and evaluated on the other half.
#
# CPU-heavy (about an hour on 2 idle cores); a rerun skips the steps already done and resumes an interrupted training. Wall times go to $OUT/times.txt, the table to $OUT/table.txt.
# Usage: bench/calibration_hh.sh [OUT]   (DATA=... overrides the data file)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
R=${RLHF4J:-$here/rlhf4j}   # RLHF4J=path runs a frozen copy while the sources change
DATA=${DATA:-$here/../shared/data/hh-rlhf/harmless-base/test.jsonl.gz}
OUT=${1:-$here/runs/calibration-hh}
MODEL=(--backbone minilm --train-top-layers 2 --max-length 128)
mkdir -p "$OUT"
touch "$OUT/times.txt"
timed() { # name done-file command...: unless done-file exists (a rerun resumes), runs the command, logs to
          # $OUT/name.log and appends its wall seconds to times.txt
  local name=$1 done=$2; shift 2
  if [ -e "$done" ]; then echo "$name: done before, skipped"; return; fi
  local s; s=$(date +%s)
  "$@" > "$OUT/$name.log" 2>&1
  echo "$name $(( $(date +%s) - s ))" | tee -a "$OUT/times.txt"
}

timed split "$OUT/split/valid.jsonl" "$R" data split --data "$DATA" --valid-fraction 0.2 --out "$OUT/split"
timed halves "$OUT/halves/valid.jsonl" "$R" data split --data "$OUT/split/valid.jsonl" --valid-fraction 0.1 --out "$OUT/halves"
timed strength "$OUT/strength/strength.json" "$R" strength --data "$OUT/split/train.jsonl" --members 5 "${MODEL[@]}" --out "$OUT/strength"
timed denoise-flip "$OUT/flip.jsonl" "$R" denoise --strength "$OUT/strength/strength.jsonl" --flip-below 0 --out "$OUT/flip.jsonl"
timed denoise-margin "$OUT/margins.jsonl" "$R" denoise --strength "$OUT/strength/strength.jsonl" --out "$OUT/margins.jsonl"

# name data loss, as the demo's variants
variants=(
  "baseline $OUT/split/train.jsonl bt"
  "flip $OUT/flip.jsonl bt"
  "soft-label+margin $OUT/margins.jsonl smooth+margin"
  "margin $OUT/margins.jsonl margin"
  "flip+margin $OUT/flip.jsonl margin"
)
for v in "${variants[@]}"; do
  read -r name data loss <<< "$v"
  rm_dir="$OUT/rm-$name"
  # an interrupted training continues from its resume state
  if [ -d "$rm_dir/resume" ]; then target=(--resume "$rm_dir"); else target=(--out "$rm_dir"); fi
  timed "train-$name" "$rm_dir/train_summary.json" "$R" train-rm --data "$data" --valid "$OUT/split/valid.jsonl" \
      --loss "$loss" "${MODEL[@]}" --calibrate-on-valid "${target[@]}"
  timed "eval-$name" "$OUT/eval-$name.json" "$R" eval-rm --model "$rm_dir" --data "$OUT/split/valid.jsonl" --out "$OUT/eval-$name.json"
  # Fit on half A of the validation side, evaluate on half B: a copy of the checkpoint sharing its weights.
  half="$OUT/rm-$name-halfA"
  if [ ! -e "$OUT/calibrate-halfA-$name.json" ]; then
    mkdir -p "$half"
    cp "$rm_dir/config.json" "$rm_dir/tokenizer.json" "$rm_dir/provenance.json" "$half/"
    ln -sf "$rm_dir/model.safetensors" "$half/model.safetensors"
  fi
  timed "calibrate-half-$name" "$OUT/calibrate-halfA-$name.json" "$R" calibrate --model "$half" --data "$OUT/halves/valid.jsonl" --out "$OUT/calibrate-halfA-$name.json"
  timed "eval-half-$name" "$OUT/eval-halfB-$name.json" "$R" eval-rm --model "$half" --data "$OUT/halves/train.jsonl" --out "$OUT/eval-halfB-$name.json"
done

python3 - "$OUT" <<'EOF' | tee "$OUT/table.txt"
import json, sys, os
out = sys.argv[1]
names = ["baseline", "flip", "soft-label+margin", "margin", "flip+margin"]
print("%-18s %6s %6s %8s %15s %15s %8s %22s" % ("variant", "n", "acc", "T", "ECE before", "ECE after",
      "T(A)", "ECE on B before->after"))
for n in names:
    e = json.load(open(os.path.join(out, "eval-%s.json" % n)))
    c = e["calibration"]
    h = json.load(open(os.path.join(out, "eval-halfB-%s.json" % n)))["calibration"]
    print("%-18s %6d %6.4f %8.3f %15.4f %15.4f %8.3f %10.4f -> %.4f" % (n, e["n"], e["accuracy"], c["temperature"],
          c["before"]["ece"], c["after"]["ece"], h["temperature"], h["before"]["ece"], h["after"]["ece"]))
print("(ECE before/after and Brier on the %d validation pairs T was fitted on; T(A): fitted on half A, "
      "ECE on the other half B)" % e["n"])
for n in names:
    c = json.load(open(os.path.join(out, "eval-%s.json" % n)))["calibration"]
    print("%-18s brier %.4f -> %.4f  log-loss %.4f -> %.4f" % (n, c["before"]["brier"], c["after"]["brier"],
          c["before"]["loss"], c["after"]["loss"]))
EOF
