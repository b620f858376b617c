#!/usr/bin/env python3
"""The table of bench/lora-quality.sh runs: per seed the gold accuracy on the clean test pairs (95% interval from
eval-rm), the accuracy on the noisy validation pairs (train-rm's final validation), wall time and trained-parameter
count; per mode the mean; per mode after the first the paired difference from the first mode, seed by seed, with a
t interval over seeds.
Usage: bench/lora-quality-table.py RUNS_DIR REF_MODE MODE...   (e.g. runs/lg mini-top2 mini-lora-lr1e-3)"""
import json, math, re, struct, sys
from pathlib import Path
from scipy import stats

LAYER = re.compile(r"layers?\.(\d+)\.")

def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
    return {k: math.prod(v["shape"]) for k, v in h.items() if k != "__metadata__"}

def trained(run):
    adapter = run / "adapter_model.safetensors"
    if adapter.exists():  # LoRA: A, B and the head (modules_to_save) are exactly what trained
        return sum(tensors(adapter).values())
    args = json.loads((run / "provenance.json").read_text())["args"]
    t = tensors(run / "model.safetensors")
    if "--train-top-layers" not in args:
        return sum(t.values())
    k = int(args[args.index("--train-top-layers") + 1])
    top = set(sorted({int(m.group(1)) for n in t if (m := LAYER.search(n))})[-k:])
    # the top k layers, the head and whatever follows the layers (nothing for BERT with CLS pooling but the head)
    return sum(v for n, v in t.items()
               if ((m := LAYER.search(n)) and int(m.group(1)) in top) or (not m and "embeddings" not in n))

def final_valid(log):
    m = re.findall(r"final validation: n=\d+ accuracy=([0-9.]+)", log.read_text())
    return float(m[-1]) if m else float("nan")

def load(d, mode):
    rows = {}
    for w in sorted(d.glob(f"{mode}-s*.wall.json")):
        wall = json.loads(w.read_text())
        seed = wall["seed"]
        test = d / f"{mode}-s{seed}.test.json"
        if not test.exists() or test.stat().st_size == 0:
            continue
        g = json.loads(test.read_text())["gold"]["against_gold"]
        rows[seed] = dict(acc=g["accuracy"], ci=g["accuracy_ci95"], wall=wall["wall_s"], lr=wall["lr"],
                          params=trained(d / f"{mode}-s{seed}"), valid=final_valid(d / f"{mode}-s{seed}.train.log"))
    return rows

def tint(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, float("nan")
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)

d = Path(sys.argv[1]); modes = sys.argv[2:]
data = {m: load(d, m) for m in modes}
print("| mode | lr | seed | gold accuracy (±95%) | noisy valid accuracy | wall s | trained parameters |")
print("|---|---|---|---|---|---|---|")
for m in modes:
    for s, r in sorted(data[m].items()):
        print(f"| {m} | {r['lr']} | {s} | {r['acc']:.4f} (±{r['ci']:.4f}) | {r['valid']:.4f} | {r['wall']} | {r['params']:,} |")
print()
for m in modes:
    if data[m]:
        mean, half = tint([r["acc"] for r in data[m].values()])
        print(f"{m}: mean gold accuracy {mean:.4f} ±{half:.4f} (t, n={len(data[m])})")
ref = modes[0]
for m in modes[1:]:
    seeds = sorted(set(data[m]) & set(data[ref]))
    if seeds:
        diffs = [data[m][s]["acc"] - data[ref][s]["acc"] for s in seeds]
        mean, half = tint(diffs)
        print(f"{m} minus {ref}, paired by seed {seeds}: " + ", ".join(f"{x:+.4f}" for x in diffs)
              + f"; mean {mean:+.4f} ±{half:.4f} (95% t interval, {len(seeds) - 1} df)")
