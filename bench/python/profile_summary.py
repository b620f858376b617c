#!/usr/bin/env python3
"""Sums a libtorch/PyTorch Chrome trace by op: self time (time not spent in nested ops) and calls.

Reads the file of `rlhf4j bench --profile FILE` or of `encoder_reference.py --profile FILE`
and prints the ops with the most self time. Stdlib only.

Usage:  python3 profile_summary.py TRACE.json [--top 30] [--steps N]
"""

import argparse
import collections
import json


def self_times(events):
    """Self time per op name, from complete ('X') events nested by time on each thread."""
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[(e.get("pid"), e.get("tid"))].append(e)
    total = collections.Counter()
    selft = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= ts:
                end, name, child = stack.pop()
            if stack:
                stack[-1][2] += dur
            stack.append([ts + dur, e["name"], 0.0])
            total[e["name"]] += dur
            calls[e["name"]] += 1
            e["_entry"] = stack[-1]
        for e in evs:
            selft[e["name"]] += float(e["dur"]) - e["_entry"][2]
    return selft, total, calls


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=30, help="ops to list (default: 30)")
    ap.add_argument("--steps", type=int, default=1, help="divide times by this many profiled steps (default: 1)")
    args = ap.parse_args()
    with open(args.trace) as fh:
        data = json.load(fh)
    events = data["traceEvents"] if isinstance(data, dict) else data
    selft, total, calls = self_times(events)
    all_self = sum(selft.values())
    print(f"{'op':45s} {'self ms':>10s} {'share':>7s} {'total ms':>10s} {'calls':>7s}   (per step)")
    for name, t in selft.most_common(args.top):
        print(f"{name[:45]:45s} {t / 1e3 / args.steps:10.1f} {t / all_self:7.1%} {total[name] / 1e3 / args.steps:10.1f} "
              f"{calls[name] / args.steps:7.0f}")
    print(f"{'all ops, self':45s} {all_self / 1e3 / args.steps:10.1f}")


if __name__ == "__main__":
    main()
