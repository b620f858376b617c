#!/usr/bin/env python3
"""Interleaved comparison of `rlhf4j bench` with the transformers reference (MiniLM reward model, CPU).

Runs Java, Python, Java, Python, ... for --rounds rounds (each side in its own process, the
same shapes, the same token ids and, after round 1, the same weights), then prints the
median of each figure over the rounds, the Python/Java ratios and the done-when checks
of issue 13, and writes everything to OUT/compare.json (per-run JSON files beside it).

Round 1's Java run saves its model (`--save-model OUT/model`); every Python run loads it,
so the first-step losses of the two sides must agree (printed as a correctness check).

Setup:  pip install torch transformers   (or point PYTHON at an interpreter that has them)
Usage:  PYTHON=/tmp/refvenv/bin/python python3 bench/compare.py [--rounds 3] [--out runs/compare]
        extra arguments after -- go to both sides, e.g. -- --steps 5
Stdlib only; the interpreter running this script needs neither torch nor Java.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, log):
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.time()
    with open(log, "w") as fh:
        p = subprocess.run(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}; see {log}")
    return time.time() - t0


def figures(d):
    f = dict(step_s=d["train"]["step_seconds_median"], step_cpu_s=d["train"].get("step_cpu_seconds_median"),
             tokens_per_s=d["train"]["tokens_per_s"],
             gemm_peak_gflops=d.get("gemm_peak_gflops"), achieved_gflops=d["train"].get("achieved_gflops"),
             mfu=d["train"].get("mfu"), peak_rss_mib=d["peak_rss_mib"])
    for s in d["scoring"]:
        f[f"score{s['seq_len']}_pairs_per_s"] = s["pairs_per_s"]
    for p in d.get("memory", []):  # peak RSS per phase (load, training, scoring_<len>)
        f[f"rss_{p['name']}_mib"] = p["peakRssMib"]
    return f


def heap_shares(d):
    """The Java side's JVM heap per phase: peak use and committed size as shares of the phase's peak RSS."""
    return {p["name"]: dict(heap_peak_used_mib=p["heapPeakUsedMib"], heap_committed_mib=p["heapCommittedMib"],
                            heap_share_of_peak=p["heapShareOfPeak"], committed_share_of_peak=p["committedShareOfPeak"])
            for p in d.get("memory", [])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="Java+Python rounds (default: 3)")
    ap.add_argument("--out", default="runs/compare", help="output directory (default: runs/compare)")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads on both sides (default: 2)")
    ap.add_argument("--nice", type=int, default=None, help="run both sides under nice -n N (default: as is)")
    ap.add_argument("extra", nargs="*", help="arguments for both sides after --, e.g. --steps 5")
    args = ap.parse_args()
    python = os.environ.get("PYTHON", "python3")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    model = os.path.join(out, "model")
    prefix = ["nice", "-n", str(args.nice)] if args.nice is not None else []
    runs = {"java": [], "python": []}
    for r in range(1, args.rounds + 1):
        jout = os.path.join(out, f"java-{r}.json")
        jcmd = prefix + ["./rlhf4j", "bench", "--threads", str(args.threads), "--out", jout] + args.extra
        if r == 1:
            jcmd += ["--save-model", model]
        wall = run(jcmd, jout + ".log")
        runs["java"].append(json.load(open(jout)) | {"wall_s": wall})
        pout = os.path.join(out, f"python-{r}.json")
        pcmd = prefix + [python, os.path.join(HERE, "python", "encoder_reference.py"), "--model", model,
                         "--threads", str(args.threads), "--out", pout] + args.extra
        wall = run(pcmd, pout + ".log")
        runs["python"].append(json.load(open(pout)) | {"wall_s": wall})
        j, p = figures(runs["java"][-1]), figures(runs["python"][-1])
        print(f"round {r}: step java {j['step_s']:.3f} s, python {p['step_s']:.3f} s; "
              f"MFU java {j['mfu']:.3f}, python {p['mfu']:.3f}", flush=True)

    keys = [k for k in figures(runs["java"][0]) if k in figures(runs["python"][0])]
    med = {side: {k: statistics.median(figures(d)[k] for d in runs[side]) for k in keys} for side in runs}
    loss_j, loss_p = runs["java"][0]["train"]["first_loss"], runs["python"][0]["train"]["first_loss"]
    print()
    print(f"first-step loss on the same weights and ids: java {loss_j:.7f}, python {loss_p:.7f} "
          f"(difference {abs(loss_j - loss_p):.2e})")
    print(f"medians over {args.rounds} interleaved rounds ({args.threads} threads each side):")
    print(f"  {'figure':28s} {'java':>12s} {'python':>12s} {'java/python':>12s}")
    for k in keys:
        print(f"  {k:28s} {med['java'][k]:12.4g} {med['python'][k]:12.4g} {med['java'][k] / med['python'][k]:12.3f}")
    shares = heap_shares(runs["java"][-1])
    if shares:
        print(f"JVM heap of the last java run, per phase (peak use / committed, as shares of the phase's peak RSS):")
        for name, h in shares.items():
            print(f"  {name:28s} {h['heap_peak_used_mib']:8.0f} MiB ({100 * h['heap_share_of_peak']:.0f}%) / "
                  f"{h['heap_committed_mib']:8.0f} MiB ({100 * h['committed_share_of_peak']:.0f}%)")
    rss_ratios = {k: med["java"][k] / med["python"][k] for k in keys if k.startswith("rss_") or k == "peak_rss_mib"}
    step_ratio = med["java"]["step_s"] / med["python"]["step_s"]
    checks = {
        "java step <= 0.75x transformers step": step_ratio <= 0.75,
        "java MFU >= 0.80 of its measured GEMM peak": med["java"]["mfu"] >= 0.80,
    }
    for k in keys:
        if k.startswith("score"):
            checks[f"java {k} ahead of transformers"] = med["java"][k] > med["python"][k]
    for k in ("rss_training_mib", "rss_scoring_256_mib"):  # issue 21
        if k in rss_ratios:
            checks[f"java {k} <= 1.5x transformers"] = rss_ratios[k] <= 1.5
    print("done-when checks (issue 13: speed; issue 21: memory):")
    for k, v in checks.items():
        print(f"  {'PASS' if v else 'FAIL'}  {k}")
    loads = [d["provenance"]["loadavg_start"][0] for side in runs for d in runs[side]]
    print(f"1-minute load average at the start of each run: {min(loads):.2f} to {max(loads):.2f} "
          f"on {os.cpu_count()} cores")
    summary = dict(kind="compare", created=datetime.now(timezone.utc).isoformat(), argv=sys.argv[1:], python=python,
                   rounds=args.rounds, threads=args.threads, first_loss=dict(java=loss_j, python=loss_p),
                   medians=med, step_ratio_java_over_python=step_ratio, rss_ratio_java_over_python=rss_ratios,
                   java_heap_last_run=shares, checks=checks,
                   per_round={side: [figures(d) for d in runs[side]] for side in runs},
                   loadavg_starts=loads, java_provenance=runs["java"][0]["provenance"],
                   python_provenance=runs["python"][0]["provenance"])
    with open(os.path.join(out, "compare.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    print("wrote " + os.path.join(out, "compare.json"))


if __name__ == "__main__":
    main()
