#!/usr/bin/env bash
# Model size against memory and step time: a Llama-shaped decoder reward model with random weights, trained by
# train-rm in one of three modes (README, "Model size: full fine-tuning, LoRA, LoRA + recompute (measured)").
#
# Usage: bench/model-size.sh MODE LAYERS DIM HEADS FFN PAIRS TOKENS STEPS
#   MODE    full     train-rm --init scratch: every weight trains (embeddings, all layers, norms, head)
#           lora     train-rm --backbone DIR --lora-r 16 (default targets: every projection of every block; head in full);
#                    DIR is a random-weight LlamaForCausalLM of the same shape written by bench/python/random_llama.py,
#                    because --lora-r refuses --init scratch
#           lora-rc  as lora, plus --recompute
#   FFN     SwiGLU width (0 = llama2.c's rule, train-rm's default)
#   PAIRS   pairs per step (each step runs 2·PAIRS rows of exactly TOKENS tokens); STEPS optimizer steps
# Vocabulary: ../shared/models/tokenizers/llama2/tokenizer.json (32,000 tokens). Data: synth pairs whose chosen and
# rejected responses are repeated 60 times, so every row is longer than TOKENS and is cut to exactly TOKENS.
# Threads: two libtorch intra-op threads, one inter-op (THREADS=N to change); Java heap limit RLHF4J_HEAP (20g here,
# as the LoRA runs hold the whole checkpoint on the heap while loading it); nice -n ${NICE:-15}.
# PREPARE=1 writes the data (and the LoRA backbone) and stops, so that a measurement slot only trains.
# Writes runs/model-size/NAME/ (the train-rm output) and NAME.{log,err,time,rss,load,json}; NAME.json is the summary:
# parameters, trained parameters (counted in the saved optimizer state), step times, median of the steps after the
# first two, peak RSS from /usr/bin/time -v, and the RSS sampled every 0.5 s split into phases (load: before the
# first metrics line; train: until the last step's line; after: validation and saving).
set -euo pipefail
base="" mode=$1 layers=$2 dim=$3 heads=$4 ffn=$5 pairs=$6 tokens=$7 steps=$8
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
d="$here/runs/model-size"
tok="$here/../shared/models/tokenizers/llama2/tokenizer.json"
mkdir -p "$d"
name="$mode-L${layers}-D${dim}-H${heads}-F${ffn}-P${pairs}-T${tokens}"
out="$d/$name"
rm -rf "$out"

# Data: PAIRS·STEPS training pairs and one validation pair, long enough to fill TOKENS.
n=$((pairs * steps))
data="$d/data-$n.jsonl" valid="$d/valid-1.jsonl"
if [ ! -f "$data" ] || [ ! -f "$valid" ]; then
  nice -n "${NICE:-15}" "$here/rlhf4j" synth --pairs $((n + 1)) --seed 7 --out "$d/synth-$n.jsonl" >/dev/null
  python3 - "$d/synth-$n.jsonl" "$data" "$valid" "$n" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    r["chosen"] = " ".join([r["chosen"]] * 60)
    r["rejected"] = " ".join([r["rejected"]] * 60)
n = int(sys.argv[4])
with open(sys.argv[2], "w") as f:
    f.writelines(json.dumps(r) + "\n" for r in rows[:n])
with open(sys.argv[3], "w") as f:
    f.write(json.dumps(rows[n]) + "\n")
EOF
fi

common=(--data "$data" --valid "$valid" --max-length "$tokens" --batch-size "$pairs" --max-steps "$steps"
        --eval-every 0 --lr 1e-4 --seed 42 --out "$out")
case "$mode" in
  full) args=(train-rm --init scratch --vocab-from "$tok" --layers "$layers" --dim "$dim" --heads "$heads" --ffn "$ffn") ;;
  lora|lora-rc)
    base="$d/base-L${layers}-D${dim}-H${heads}-F${ffn}"
    [ -f "$base/model.safetensors" ] || nice -n "${NICE:-15}" python3 "$here/bench/python/random_llama.py" "$base" \
        --layers "$layers" --dim "$dim" --heads "$heads" --ffn "$ffn" --vocab-from "$tok" >"$base.json"
    args=(train-rm --backbone "$base" --lora-r 16)
    [ "$mode" = lora-rc ] && args+=(--recompute) ;;
  *) echo "MODE must be full, lora or lora-rc" >&2; exit 2 ;;
esac

[ -n "${PREPARE:-}" ] && { echo "prepared $data${base:+ and $base}"; exit 0; }   # PREPARE=1: data and backbone only
threads=${THREADS:-2}
export OMP_NUM_THREADS=$threads RLHF4J_HEAP=${RLHF4J_HEAP:-20g} \
       RLHF4J_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$threads -Dai.djl.pytorch.num_interop_threads=1"
cat /proc/loadavg >"$out.load"
/usr/bin/time -v -o "$out.time" nice -n "${NICE:-15}" "$here/rlhf4j" "${args[@]}" "${common[@]}" >"$out.log" 2>"$out.err" &
tpid=$!
jpid=""
for _ in $(seq 1 100); do jpid=$(pgrep -P "$tpid" || true); [ -n "$jpid" ] && break; sleep 0.1; done
: >"$out.rss"
while kill -0 "$tpid" 2>/dev/null; do   # seconds, RSS kB, lines in metrics.jsonl
  r=$(awk '/^VmRSS/ {print $2}' "/proc/$jpid/status" 2>/dev/null || true)
  m=$( [ -f "$out/metrics.jsonl" ] && wc -l <"$out/metrics.jsonl" || echo 0)
  [ -n "$r" ] && echo "$(date +%s.%N) $r $m" >>"$out.rss"
  sleep 0.5
done
rc=0; wait "$tpid" || rc=$?
cat /proc/loadavg >>"$out.load"
python3 "$here/bench/python/model_size_summary.py" "$out" "$mode" "$layers" "$dim" "$heads" "$ffn" "$pairs" "$tokens" \
  "$threads" "$rc" | tee "$out.json"
exit "$rc"
