#!/usr/bin/env bash
# What LoRA costs in quality on the controlled task (README, "What LoRA costs in quality here").
# Usage: bench/lora-quality.sh NAME SEED LR [extra train-rm options...]   (data from the three synth commands below)
# Writes runs/lg/NAME-sSEED/ (the model), .train.log (its final validation line), .wall.json, .test.json (eval-rm --gold).
#   ./rlhf4j synth --pairs 4000 --flip-rate 0.2 --seed 42   --out runs/lg/train.jsonl   # demo's noisy training pairs
#   ./rlhf4j synth --pairs 300  --flip-rate 0.2 --seed 2042 --out runs/lg/valid.jsonl   # demo's noisy validation pairs
#   ./rlhf4j synth --pairs 2000 --clean        --seed 1042 --out runs/lg/test.jsonl    # demo's clean test pairs
set -euo pipefail
name=$1 seed=$2 lr=$3; shift 3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
d="$here/runs/lg"
out="$d/$name-s$seed"
export OMP_NUM_THREADS=1 RLHF4J_JAVA_OPTS="-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1"  # one libtorch thread per run
start=$(date +%s)
nice -n 10 "$here/rlhf4j" train-rm --data "$d/train.jsonl" --valid "$d/valid.jsonl" \
  --batch-size 8 --epochs 1 --eval-every 0 --lr "$lr" --seed "$seed" --out "$out" "$@" \
  >"$out.train.log" 2>&1
end=$(date +%s)
echo "{\"name\":\"$name\",\"seed\":$seed,\"lr\":\"$lr\",\"wall_s\":$((end-start))}" >"$out.wall.json"
nice -n 10 "$here/rlhf4j" eval-rm --model "$out" --data "$d/test.jsonl" --gold --json >"$out.test.json" 2>"$out.eval.log"
