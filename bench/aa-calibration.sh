#!/usr/bin/env bash
# A/A calibration of PPO's run-to-run spread (README, "A/A calibration of PPO's run-to-run spread (measured)").
#
# Per setting and seed s: PPO(baseline RM, seed s) and PPO(baseline RM, seed s + 1000), the pair the experiment's A/A
# arm trains (Experiment.AA_OFFSET), from the experiment's own SFT policy and baseline RM, one libtorch thread each, at
# the base settings the calibration started from (ppo's defaults with 35 iterations: the experiment's until it adopted
# the calibrated iter-20+lr-half+beta-0.1) plus the setting's changes; then the pair judged head to head by gold with
# k = 4 samples per prompt and sampling seed s + 7 (as the experiment judges) on CALIBRATION prompts: the first 400
# rows of the experiment's PPO training prompts, disjoint by text from the held-out prompts every reported figure is
# judged on (the task splits its prompt space by a hash of the text; this script checks it). Nothing here reads or judges on the held-out prompts.
#
# Usage: bench/aa-calibration.sh SETTING [SETTING...]     SETTING: default | summary | PART[+PART...]
#   default   the experiment's own seed-S/ppo-baseline and seed-S/ppo-aa policies, only judged here (no PPO run)
#   PART:
#   lr-half   --actor-lr 5e-5 --critic-lr 1e-4
#   batch-32  --prompts-per-iter 32 --minibatch 64 (the same optimizer updates per iteration on twice the samples)
#   beta-0.1  --kl-beta 0.1
#   iter-N    --iterations N (instead of the experiment's 35)
#   e.g. iter-20+batch-32: both changes
#   summary   only the table (bench/aa-calibration-table.py -> OUT/summary.json, OUT/summary.md)
# Environment (defaults in brackets):
#   EXP [runs/experiment]  the experiment directory (read only: sft/, rms/baseline-rm/, task/, ppl_set.jsonl)
#   OUT [runs/aa]          where everything is written: OUT/SETTING/seed-S/{ppo-s,ppo-aa,judge}/
#   SEEDS ["1 2 3 4 5 6"] seeds to run (the tables hold every seed a setting has)  PARALLEL [2] processes at a time  NICE [0]
#   SLOT [none]  a file: when set, a job (one PPO run or one judgement) starts only while it exists (to share a machine
#                with timed work); REQUIRE_SLOT=0 ignores it. A job that finds no slot is skipped; rerunning resumes (done
#                jobs are kept).
#   STOP_AT [none]  a time (e.g. 11:15, UTC) after which no PPO run starts (those running finish); JUDGE_STOP_AT [STOP_AT]
#                   the same for judgements
# Seeds run PARALLEL at a time (one process each: the pair's two PPO runs one after the other, then its judgement).
#   TINY=1  a smoke test: 2 iterations of 2 prompts, minibatch 4, 8 judged prompts with k = 2, under OUT/tiny/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXP=${EXP:-runs/experiment}
OUT=${OUT:-runs/aa}
SEEDS=${SEEDS:-"1 2 3 4 5 6"}
PARALLEL=${PARALLEL:-2}
NICE=${NICE:-0}
SLOT=${SLOT:-}
REQUIRE_SLOT=${REQUIRE_SLOT:-$([ -n "$SLOT" ] && echo 1 || echo 0)}
TINY=${TINY:-0}
STOP_AT=${STOP_AT:-}
JUDGE_STOP_AT=${JUDGE_STOP_AT:-$STOP_AT}
AA_OFFSET=1000   # Experiment.AA_OFFSET
ITER=35 JUDGE_K=4 JUDGE_PROMPTS=400
[ "$TINY" = 1 ] && { OUT="$OUT/tiny"; ITER=2 JUDGE_K=2 JUDGE_PROMPTS=8; }
export EXP OUT SEEDS PARALLEL NICE SLOT REQUIRE_SLOT TINY STOP_AT JUDGE_STOP_AT
export OMP_NUM_THREADS=1 RLHF4J_JAVA_OPTS="-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1"  # one libtorch thread per process

flags() { # the setting's PPO options beyond the experiment's (everything else at the experiment's values)
  # A setting is one part or several joined by "+" (e.g. iter-20+batch-32); each part changes one option.
  local iter=$ITER part batch="--prompts-per-iter 2 --minibatch 4" f=""
  [ "$1" = default ] && { echo "--iterations $ITER"; return 0; }
  case "+$1+" in *+batch-32+*) batch="--prompts-per-iter 4 --minibatch 8" ;; esac
  for part in ${1//+/ }; do
    case "$part" in
      lr-half) f="$f --actor-lr 5e-5 --critic-lr 1e-4" ;;
      batch-32) [ "$TINY" = 1 ] || f="$f --prompts-per-iter 32 --minibatch 64" ;;
      beta-0.1) f="$f --kl-beta 0.1" ;;
      iter-[0-9]*) [ "$TINY" = 1 ] || iter=${part#iter-} ;;
      *) echo "unknown setting part: $part (of $1)" >&2; exit 2 ;;
    esac
  done
  [ "$TINY" = 1 ] && f="$f $batch"
  echo "--iterations $iter$f"
}

slot_ok() {
  [ "$REQUIRE_SLOT" = 0 ] || [ -e "$SLOT" ] || { echo "aa-calibration: no $SLOT: not starting $1" >&2; return 1; }
  [ -z "$STOP_AT" ] || [ "$(date -u +%s)" -lt "$(date -u -d "$STOP_AT" +%s)" ] || { echo "aa-calibration: past $STOP_AT: not starting $1" >&2; return 1; }
}

timed() { # timed FILE.time.json CMD...: CPU, wall and peak RSS of one process
  local t=$1; shift
  /usr/bin/time -f '{"user_s":%U,"sys_s":%S,"wall_s":%e,"max_rss_kb":%M}' -o "$t" nice -n "$NICE" "$@"
}

ppo_one() { # SETTING SEED PPO_SEED DIR
  local setting=$1 s=$2 ps=$3 d=$4
  [ -f "$d/ppo.json" ] && return 0
  slot_ok "PPO $setting seed $ps" || return 0
  rm -rf "$d"; mkdir -p "$(dirname "$d")"
  echo "aa-calibration: $(date -u +%T) PPO $setting seed $ps -> $d" >&2
  # shellcheck disable=SC2046
  timed "$d.time.json" "$here/rlhf4j" ppo --policy "$EXP/sft" --reward-model "$EXP/rms/baseline-rm" \
    --prompts "$EXP/task/prompts_train.jsonl" --ppl-data "$EXP/ppl_set.jsonl" --threads 1 --seed "$ps" \
    $(flags "$setting") --out "$d" >"$d.log" 2>&1 || { echo "aa-calibration: PPO failed, see $d.log" >&2; return 1; }
}

judge_one() { # SETTING SEED
  local setting=$1 s=$2 a b j
  j="$OUT/$setting/seed-$s/judge"
  if [ "$setting" = default ] && [ "$TINY" != 1 ]; then a="$EXP/seed-$s/ppo-baseline" b="$EXP/seed-$s/ppo-aa"
  else a="$OUT/$setting/seed-$s/ppo-s" b="$OUT/$setting/seed-$s/ppo-aa"; fi
  [ -f "$j/judge.json" ] && return 0
  { [ -f "$a/ppo.json" ] && [ -f "$b/ppo.json" ]; } || { echo "aa-calibration: $setting seed $s: pair not trained, not judged" >&2; return 0; }
  STOP_AT=$JUDGE_STOP_AT slot_ok "judge $setting seed $s" || return 0
  mkdir -p "$j"
  echo "aa-calibration: $(date -u +%T) judge $setting seed $s" >&2
  timed "$j.time.json" "$here/rlhf4j" judge --a "$a" --b "$b" --prompts "$OUT/calibration_prompts.jsonl" --judge gold \
    --samples-per-prompt "$JUDGE_K" --seed $((s + 7)) --limit "$JUDGE_PROMPTS" --threads 1 --out "$j" >"$j.log" 2>&1 \
    || { echo "aa-calibration: judge failed, see $j.log" >&2; return 1; }
}
export -f flags slot_ok timed ppo_one judge_one
export here ITER JUDGE_K JUDGE_PROMPTS

prompts() { # the calibration prompts: first 400 PPO training rows, checked disjoint by text from the held-out prompts
  mkdir -p "$OUT"
  [ -f "$OUT/calibration_prompts.jsonl" ] && return 0
  head -n 400 "$EXP/task/prompts_train.jsonl" >"$OUT/calibration_prompts.jsonl.tmp"
  python3 - "$OUT/calibration_prompts.jsonl.tmp" "$EXP/task/prompts_heldout.jsonl" <<'PY'
import json, sys
cal = [json.loads(l)["prompt"] for l in open(sys.argv[1]) if l.strip()]
held = {json.loads(l)["prompt"] for l in open(sys.argv[2]) if l.strip()}
common = set(cal) & held
if common: sys.exit(f"calibration prompts share {len(common)} texts with the judging (held-out) prompts")
print(f"aa-calibration: {len(cal)} calibration prompts ({len(set(cal))} distinct), none among the {len(held)} held-out texts", file=sys.stderr)
PY
  mv "$OUT/calibration_prompts.jsonl.tmp" "$OUT/calibration_prompts.jsonl"
}

seed_one() { # SETTING SEED: the pair's two PPO runs one after the other, then its judgement
  local setting=$1 s=$2
  if [ "$setting" != default ] || [ "$TINY" = 1 ]; then
    ppo_one "$setting" "$s" "$s" "$OUT/$setting/seed-$s/ppo-s"
    ppo_one "$setting" "$s" $((s + AA_OFFSET)) "$OUT/$setting/seed-$s/ppo-aa"
  fi
  judge_one "$setting" "$s"
}
export -f seed_one
export AA_OFFSET

run_setting() { # PARALLEL seeds at a time
  local setting=$1 s
  flags "$setting" >/dev/null
  for s in $SEEDS; do echo "$setting $s"; done | xargs -P "$PARALLEL" -L 1 bash -c 'seed_one "$@"' _
}

[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2; }
prompts
for setting in "$@"; do
  [ "$setting" = summary ] || run_setting "$setting"
done
python3 "$here/bench/aa-calibration-table.py" "$OUT" "$EXP"
