#!/usr/bin/env python3
"""One bench/model-size.sh run as JSON (see that script). Arguments: OUT MODE LAYERS DIM HEADS FFN PAIRS TOKENS THREADS RC."""
import json
import math
import os
import re
import statistics
import struct
import sys


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
    h.pop("__metadata__", None)
    return h


def numel(h, prefix=""):
    return sum(math.prod(v["shape"]) for k, v in h.items() if k.startswith(prefix))


out, mode = sys.argv[1], sys.argv[2]
layers, dim, heads, ffn, pairs, tokens, threads, rc = map(int, sys.argv[3:11])
ffn = ffn or ((2 * 4 * dim // 3 + 31) // 32) * 32
vocab = 32000
per_layer = 4 * dim * dim + 3 * dim * ffn + 2 * dim      # q, k, v, o (kv heads = heads); gate, up, down; two norms
params = vocab * dim + layers * per_layer + dim + dim     # embeddings, layers, final norm, score head (no bias)

s = {"mode": mode, "layers": layers, "dim": dim, "heads": heads, "ffn": ffn, "vocab": vocab, "parameters": params,
     "pairs": pairs, "rows": 2 * pairs, "tokens": tokens, "threads": threads, "exit": rc}

opt = os.path.join(out, "resume", "optimizer_model.safetensors")
if os.path.exists(opt):
    s["trained_parameters"] = numel(header(opt), "exp_avg.")   # one first moment per trained element
ad = os.path.join(out, "adapter_model.safetensors")
if os.path.exists(ad):
    h = header(ad)
    s["adapter_tensors"] = {"lora_A": sum(1 for k in h if "lora_A" in k), "lora_B": sum(1 for k in h if "lora_B" in k),
                            "other": sorted(k for k in h if "lora_" not in k)}

steps, tok = [], []
mpath = os.path.join(out, "metrics.jsonl")
if os.path.exists(mpath):
    for line in open(mpath):
        r = json.loads(line)
        if r.get("type") == "train":
            steps.append(round(r["step_seconds"], 3))
            tok.append(r["tokens"])
s["step_seconds"] = steps
s["tokens_per_step"] = sorted(set(tok))
if len(steps) > 2:
    s["median_step_seconds_after_2"] = statistics.median(steps[2:])

with open(out + ".time") as f:
    t = f.read()
m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
if m:
    s["peak_rss_kb"] = int(m.group(1))
    s["peak_rss_mib"] = round(int(m.group(1)) / 1024)
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
if m:
    s["wall"] = m.group(1)

phases = {"load": 0, "train": 0, "after": 0}
n = len(steps)
with open(out + ".rss") as f:
    for line in f:
        _, rss, lines = line.split()
        rss, lines = int(rss), int(lines)
        ph = "load" if lines == 0 else "train" if lines <= n else "after"
        phases[ph] = max(phases[ph], rss)
s["sampled_peak_rss_mib"] = {k: round(v / 1024) for k, v in phases.items()}
with open(out + ".load") as f:
    s["loadavg_start_end"] = [" ".join(l.split()[:3]) for l in f.read().splitlines()]
print(json.dumps(s))
