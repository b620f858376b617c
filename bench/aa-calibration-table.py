#!/usr/bin/env python3
"""The A/A calibration's tables (bench/aa-calibration.sh): per run, per pair and per setting.

Usage: aa-calibration-table.py OUT EXP   -> OUT/summary.json, OUT/summary.md (also printed)
Per run: the last iteration's gold_reward, kl, response_length, entropy (ppo.json "last") and its CPU seconds.
Per pair: win - lose points and the mean gold difference A - B with their 95% bootstrap intervals over distinct
prompts, and the share of identical answers (judge.json). Per setting: mean, SD and 95% Student t interval over the
seeds of win - lose and of the mean gold difference, and how many seeds have |win - lose| > 10 points.
Standard library only.
"""
import json
import math
import os
import sys

SETTINGS = [("default", "defaults (the experiment's own policies)"),
            ("lr-half", "actor lr 5e-5, critic lr 1e-4"),
            ("batch-32", "32 prompts x 4 per iteration, minibatch 64"),
            ("beta-0.1", "beta 0.1")]
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201,
        12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131}


def read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def stats(xs):
    n = len(xs)
    if n == 0:
        return None
    m = sum(xs) / n
    if n < 2:
        return {"n": n, "mean": m}
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = T975.get(n - 1, 1.96) * sd / math.sqrt(n)
    return {"n": n, "mean": m, "sd": sd, "ci_low": m - h, "ci_high": m + h, "half_width": h}


def run_row(ppo_json, cpu_s):
    p = read(ppo_json)
    if p is None:
        return None
    last = p["last"]
    r = {k: last.get(k) for k in ("gold_reward", "rm_reward", "kl", "response_length", "entropy")}
    r["cpu_s"] = cpu_s
    return r


def cpu(time_json):
    """User + system CPU seconds from /usr/bin/time's JSON line (its last line; None while the run is going)."""
    try:
        with open(time_json) as fh:
            lines = [l for l in fh.read().splitlines() if l.strip()]
        t = json.loads(lines[-1])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return round(t["user_s"] + t["sys_s"], 1)


def setting_rows(out, exp, name, seeds):
    """Every seed the setting was run with (its seed-S directories); `default` judges the experiment's SEEDS."""
    rows = []
    here = os.path.join(out, name)
    if name != "default" and os.path.isdir(here):
        seeds = sorted(int(d[5:]) for d in os.listdir(here) if d.startswith("seed-") and d[5:].isdigit())
    for s in seeds:
        d = os.path.join(out, name, f"seed-{s}")
        if not os.path.isdir(d):
            continue  # a seed this setting was not run with
        if name == "default" and not out.rstrip("/").endswith("tiny"):
            sj = read(os.path.join(exp, f"seed-{s}", "seed.json")) or {}
            st = sj.get("stage_seconds", {})
            a = run_row(os.path.join(exp, f"seed-{s}", "ppo-baseline", "ppo.json"), st.get("ppo_baseline_cpu"))
            b = run_row(os.path.join(exp, f"seed-{s}", "ppo-aa", "ppo.json"), st.get("ppo_aa_cpu"))
        else:
            a = run_row(os.path.join(d, "ppo-s", "ppo.json"), cpu(os.path.join(d, "ppo-s.time.json")))
            b = run_row(os.path.join(d, "ppo-aa", "ppo.json"), cpu(os.path.join(d, "ppo-aa.time.json")))
        j = read(os.path.join(d, "judge", "judge.json"))
        row = {"seed": s, "aa_seed": s + 1000, "run_s": a, "run_aa": b}
        if j is not None:
            wl, md = j["win_minus_lose"], j["mean_difference"]
            row["win_minus_lose_points"] = {k: 100 * wl[k] for k in ("estimate", "ci_low", "ci_high")}
            row["mean_gold_difference"] = {k: md[k] for k in ("estimate", "ci_low", "ci_high")}
            row["identical_answers"] = j["identical_answers"]
            row["judged_rows"] = j["n"]
            row["distinct_prompts"] = j["distinct_prompts"]
        rows.append(row)
    return rows


def summarise(rows):
    judged = [r for r in rows if "win_minus_lose_points" in r]
    wl = [r["win_minus_lose_points"]["estimate"] for r in judged]
    md = [r["mean_gold_difference"]["estimate"] for r in judged]
    runs = [x for r in rows for x in (r["run_s"], r["run_aa"]) if x is not None]
    cpus = [x["cpu_s"] for x in runs if x.get("cpu_s") is not None]
    return {"seeds_judged": len(judged),
            "win_minus_lose_points": stats(wl),
            "mean_gold_difference": stats(md),
            "seeds_abs_win_minus_lose_over_10": sum(1 for x in wl if abs(x) > 10),
            "identical_answers_mean": sum(r["identical_answers"] for r in judged) / len(judged) if judged else None,
            "final_gold_reward": stats([x["gold_reward"] for x in runs]),
            "final_kl": stats([x["kl"] for x in runs]),
            "cpu_s_per_run": stats(cpus)}


def get(st, k):
    return st.get(k) if st else None


def f(x, fmt):
    return "-" if x is None else format(x, fmt)


def interval(st, fmt):
    if st is None:
        return "-"
    if "ci_low" not in st:
        return f(st["mean"], fmt)
    return f"{format(st['mean'], fmt)} [{format(st['ci_low'], fmt)}, {format(st['ci_high'], fmt)}]"


def markdown(summary):
    b = ["| setting | seeds | A/A win − lose points, mean [95% t] | SD | seeds with \\|w − l\\| > 10 "
         "| A/A mean gold difference, mean [95% t] | SD | identical answers | final gold, mean (SD) over runs | final KL, mean (SD) | CPU s per run |",
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in summary["settings"].values():
        label = s["label"]
        if s["summary"]["seeds_judged"] == 0:
            continue
        m = s["summary"]
        wl, md, g, kl, c = m["win_minus_lose_points"], m["mean_gold_difference"], m["final_gold_reward"], m["final_kl"], m["cpu_s_per_run"]
        b.append(f"| {label} | {m['seeds_judged']} | {interval(wl, '+.1f')} | {f(get(wl, 'sd'), '.1f')} "
                 f"| {m['seeds_abs_win_minus_lose_over_10']} | {interval(md, '+.3f')} | {f(get(md, 'sd'), '.3f')} "
                 f"| {f(m['identical_answers_mean'], '.2f')} | {f(get(g, 'mean'), '+.3f')} ({f(get(g, 'sd'), '.3f')}) "
                 f"| {f(get(kl, 'mean'), '.2f')} ({f(get(kl, 'sd'), '.2f')}) | {f(get(c, 'mean'), '.0f')} |")
    b.append("")
    b.append("| setting | seed | win − lose points [95% bootstrap] | mean gold diff [95% bootstrap] | identical | "
             "gold s / s+1000 | KL s / s+1000 | length s / s+1000 | entropy s / s+1000 | CPU s s / s+1000 |")
    b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in summary["settings"].values():
        label = s["label"]
        for r in s["rows"]:
            a, aa = r["run_s"] or {}, r["run_aa"] or {}
            pair = lambda k, fmt: f"{f(a.get(k), fmt)} / {f(aa.get(k), fmt)}"
            if "win_minus_lose_points" in r:
                w, d = r["win_minus_lose_points"], r["mean_gold_difference"]
                wt = f"{w['estimate']:+.1f} [{w['ci_low']:+.1f}, {w['ci_high']:+.1f}]"
                dt = f"{d['estimate']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
                it = f"{r['identical_answers']:.2f}"
            else:
                wt = dt = it = "-"
            b.append(f"| {s['key']} | {r['seed']} | {wt} | {dt} | {it} | {pair('gold_reward', '+.3f')} | {pair('kl', '.2f')} "
                     f"| {pair('response_length', '.1f')} | {pair('entropy', '.2f')} | {pair('cpu_s', '.0f')} |")
    return "\n".join(b) + "\n"


def main():
    out, exp = sys.argv[1], sys.argv[2]
    seeds = [int(x) for x in os.environ.get("SEEDS", "1 2 3 4 5 6").split()]
    summary = {"calibration_prompts": os.path.join(out, "calibration_prompts.jsonl"), "aa_offset": 1000,
               "interval": "per pair: 95% bootstrap over distinct prompts (judge); per setting: 95% Student t over seeds",
               "settings": {}}
    known = {name for name, _ in SETTINGS}
    others = sorted(d for d in os.listdir(out) if d not in known and d != "tiny" and os.path.isdir(os.path.join(out, d)))
    for name, label in SETTINGS + [(d, d.replace("+", " + ")) for d in others]:
        if not os.path.isdir(os.path.join(out, name)):
            continue
        rows = setting_rows(out, exp, name, seeds)
        summary["settings"][name] = {"key": name, "label": label, "rows": rows, "summary": summarise(rows)}
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    md = markdown(summary)
    with open(os.path.join(out, "summary.md"), "w") as fh:
        fh.write(md)
    print(md, end="")


if __name__ == "__main__":
    main()
