#!/usr/bin/env python3
"""PyTorch + transformers reference for `rlhf4j bench` (encoder reward model, CPU, fp32).

The same work as the Java benchmark, done the usual Python way:

  * a GEMM peak: fp32 matmuls of the model's shapes and a large square one, timed in
    this process just before the model (the denominator of MFU);
  * one reward-model training step: BertModel in MiniLM's shape (SDPA attention,
    dropout off as TRL's RewardConfig sets it), a bias-free linear head on the [CLS]
    state, pairwise loss -log sigmoid(r_c - r_r), backward, clip_grad_norm_(1.0),
    torch.optim.AdamW; warm-up steps, then the median of the timed steps;
  * scoring throughput: rewards of both responses of every pair under
    torch.inference_mode(), in batches of --score-batch sequences;
  * peak resident memory (VmHWM).

Token ids are drawn by a port of java.util.Random with the seeds the Java benchmark
uses, so both sides see the same ids. With --model DIR (a checkpoint written by
`rlhf4j bench --save-model DIR`: model.safetensors under Hugging Face BERT names plus
score.weight) the weights are the Java run's too, and the loss of the first step is
directly comparable; without it the model is randomly initialised (same shapes, same
FLOPs, same timing).

Writes one JSON object (provenance included) to --out and prints it.

Setup:  pip install torch transformers      (measured with torch 2.13 CPU, transformers 5.18)
Usage:  python encoder_reference.py [--model DIR] [--out FILE] [--threads 2]
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import torch
import torch.nn.functional as F
import transformers
from transformers import BertConfig, BertModel

# all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2, config.json)
MINILM = dict(
    vocab_size=30522,
    hidden_size=384,
    num_hidden_layers=6,
    num_attention_heads=12,
    intermediate_size=1536,
    max_position_embeddings=512,
    type_vocab_size=2,
    layer_norm_eps=1e-12,
    hidden_act="gelu",
)


class JavaRandom:
    """java.util.Random (48-bit LCG): the same ids the Java benchmark draws."""

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)

    def next(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        v = self.seed >> (48 - bits)
        return v - (1 << 32) if v >= 1 << 31 else v  # Java's int cast (only bits == 32 can reach it)

    def next_int(self, bound):
        if bound & -bound == bound:
            return (bound * self.next(31)) >> 31
        while True:
            bits = self.next(31)
            val = bits % bound
            if bits - val + (bound - 1) < (1 << 31):  # no int overflow in Java
                return val


def token_rows(seed, rows, seq_len, vocab):
    """Rows of ids as BenchCommand draws them: low + nextInt(span), every row seq_len long."""
    rnd = JavaRandom(seed)
    low = min(vocab // 2, 1000)
    span = max(1, min(20000, vocab - low))
    return [[low + rnd.next_int(span) for _ in range(seq_len)] for _ in range(rows)]


class RewardModel(torch.nn.Module):
    def __init__(self, config):
        super().__init__()
        self.bert = BertModel(config, add_pooling_layer=False)
        self.score = torch.nn.Linear(config.hidden_size, 1, bias=False)

    def forward(self, ids, mask):
        hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.score(hidden[:, 0]).squeeze(-1)  # [CLS]


def make_model(model_dir, attn):
    config = BertConfig(**MINILM, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        attn_implementation=attn)
    torch.manual_seed(0)
    model = RewardModel(config)
    source = "random init of all-MiniLM-L6-v2's config"
    if model_dir:
        from safetensors.torch import load_file
        tensors = load_file(os.path.join(model_dir, "model.safetensors"))
        head = tensors.pop("score.weight")
        tensors = {k: v for k, v in tensors.items() if not k.startswith("swav.")}
        missing, unexpected = model.bert.load_state_dict(tensors, strict=False)
        missing = [m for m in missing if not m.endswith("position_ids")]
        if missing or unexpected:
            raise SystemExit(f"{model_dir}: missing {missing}, unexpected {unexpected}")
        with torch.no_grad():
            model.score.weight.copy_(head)
        source = "weights of " + os.path.abspath(model_dir)
    return model, source


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def vm_hwm_kib():
    return status_kib("VmHWM")


PEAK_KIB = [-1]


def phase_start():
    """Resets the resident high-water mark (as `rlhf4j bench` does), keeping the run's peak; False where it cannot."""
    PEAK_KIB[0] = max(PEAK_KIB[0], vm_hwm_kib())
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def phase_end(name, reset):
    """One phase's peak RSS and final RSS split into anonymous memory and mapped files (MiB), as the Java side names them."""
    hwm = vm_hwm_kib()
    PEAK_KIB[0] = max(PEAK_KIB[0], hwm)
    p = dict(name=name, peakRssMib=hwm / 1024, rssEndMib=status_kib("VmRSS") / 1024,
             rssAnonEndMib=status_kib("RssAnon") / 1024, rssFileEndMib=status_kib("RssFile") / 1024, reset=reset)
    print(f"memory {name}: peak RSS {p['peakRssMib']:.0f} MiB (at end {p['rssEndMib']:.0f}: anonymous "
          f"{p['rssAnonEndMib']:.0f}, files {p['rssFileEndMib']:.0f})", file=sys.stderr, flush=True)
    return p


def timed(fn, warmup, repeats, cpu=None):
    """Wall seconds of each timed call; appends process CPU seconds to `cpu` when given."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return times


def gemm_peak(shapes, repeats):
    out = []
    for m, k, n in shapes:
        a, b = torch.randn(m, k), torch.randn(k, n)
        # enough calls per timing to last ~50 ms at a plausible 100 GFLOP/s
        inner = min(100, max(1, int(5e9 / (2 * m * k * n))))

        def run():
            for _ in range(inner):
                torch.mm(a, b)

        med = statistics.median(timed(run, 1, repeats)) / inner
        out.append(dict(m=m, k=k, n=n, seconds=med, gflops=2 * m * k * n / med / 1e9))
    return out


def step_flops(cfg, sequences, seq_len, first_token_only):
    """Model FLOPs of one training step; the same formula as BertConfig.trainingFlops in Java.

    Multiply-add = 2 FLOPs: dense layers 2(4H^2 + 2HF) per token and layer, attention 4 T^2 H per
    sequence and layer, head 2H per sequence; training = 3x forward. first_token_only counts what
    a reward read at [CLS] needs: the last layer's K and V for every token, its query, attention,
    output and feed-forward at position 0 only.
    """
    h, f, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    tokens = sequences * seq_len
    per_token_layer, attention = 2 * (4 * h * h + 2 * h * f), 4 * seq_len * seq_len * h
    full = layers - 1 if first_token_only else layers
    forward = full * (per_token_layer * tokens + attention * sequences) + 2 * h * sequences
    if first_token_only:
        forward += 2 * 2 * h * h * tokens + sequences * (2 * (2 * h * h + 2 * h * f) + 4 * seq_len * h)
    return 3 * forward


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="checkpoint from `rlhf4j bench --save-model DIR` (default: random init)")
    # option names as `rlhf4j bench` spells them, so bench/compare.py passes the same extras to both
    ap.add_argument("--batch-size", dest="pairs", type=int, default=8, help="pairs per training step (default: 8)")
    ap.add_argument("--seq-len", type=int, default=128, help="tokens per sequence (default: 128)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps (default: 2)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps (default: 10)")
    ap.add_argument("--score-lengths", default="128,256", help="scoring sequence lengths (default: 128,256; 0 = none)")
    ap.add_argument("--score-pairs", type=int, default=32, help="pairs scored per run (default: 32)")
    ap.add_argument("--score-batch", type=int, default=32, help="sequences per scoring forward pass (default: 32)")
    ap.add_argument("--repeats", dest="score_repeats", type=int, default=3,
                    help="timed scoring runs after one warm-up (default: 3)")
    ap.add_argument("--gemm-repeats", type=int, default=5, help="timings per GEMM shape (default: 5; 0 = skip)")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default: 0 = torch's own choice)")
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"], help="attention (default: sdpa)")
    ap.add_argument("--out", default=None, help="JSON file (default: none, screen only)")
    ap.add_argument("--profile", default=None,
                    help="Chrome trace of the timed training steps (profile_summary.py sums it) (default: none)")
    args = ap.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    result = dict(
        kind="bench",
        side="python",
        provenance=dict(
            tool="bench/python/encoder_reference.py",
            args=sys.argv[1:],
            created=datetime.now(timezone.utc).isoformat(),
            python=platform.python_version(),
            torch=torch.__version__,
            transformers=transformers.__version__,
            threads=torch.get_num_threads(),
            cores=os.cpu_count(),
            loadavg_start=list(os.getloadavg()),
            omp_env={k: v for k, v in os.environ.items() if k.startswith(("OMP_", "MKL_", "KMP_"))},
        ),
    )

    sequences, t = 2 * args.pairs, args.seq_len
    mm_tokens = sequences * t
    h, f = MINILM["hidden_size"], MINILM["intermediate_size"]
    if args.gemm_repeats > 0:
        shapes = [(mm_tokens, h, f), (mm_tokens, f, h), (mm_tokens, h, h), (2048, 2048, 2048)]
        gemms = gemm_peak(shapes, args.gemm_repeats)
        result["gemm"] = gemms
        result["gemm_peak_gflops"] = max(g["gflops"] for g in gemms)

    memory = []
    reset = phase_start()
    model, source = make_model(args.model, args.attn)
    memory.append(phase_end("load", reset))
    result["model"] = dict(source=source, attn_implementation=args.attn,
                           parameters=sum(p.numel() for p in model.parameters()))
    model.train()  # dropout probabilities are 0, so train mode only means autograd
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, betas=(0.9, 0.95), eps=1e-6, weight_decay=0.0)
    ids = torch.tensor(token_rows(0, sequences, t, MINILM["vocab_size"]), dtype=torch.long)
    mask = torch.ones_like(ids)
    losses = []

    def step():
        r = model(ids, mask)
        loss = -F.logsigmoid(r[: args.pairs] - r[args.pairs:]).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())

    cpu = []
    reset = phase_start()
    if args.profile:
        for _ in range(args.warmup):
            step()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
            times = timed(step, 0, args.steps, cpu)
        prof.export_chrome_trace(args.profile)
    else:
        times = timed(step, args.warmup, args.steps, cpu)
    memory.append(phase_end("training", reset))
    med = statistics.median(times)
    # MFU counts the FLOPs a [CLS] reward needs, as the Java side does; transformers computes every position
    # of the last layer too (dense_flops_per_step), which MFU does not credit
    flops = step_flops(MINILM, sequences, t, True)
    train = dict(pairs=args.pairs, seq_len=t, sequences=sequences, tokens=mm_tokens, warmup=args.warmup,
                 steps=args.steps, step_seconds=times, step_seconds_median=med,
                 step_cpu_seconds_median=statistics.median(cpu), tokens_per_s=mm_tokens / med,
                 first_loss=losses[0], model_flops_per_step=flops,
                 dense_flops_per_step=step_flops(MINILM, sequences, t, False), achieved_gflops=flops / med / 1e9)
    if "gemm_peak_gflops" in result:
        train["mfu"] = train["achieved_gflops"] / result["gemm_peak_gflops"]
    result["train"] = train

    model.eval()
    scoring = []
    for length in [int(x) for x in args.score_lengths.split(",") if x.strip() and int(x) > 0]:
        rows = torch.tensor(token_rows(length, 2 * args.score_pairs, length, MINILM["vocab_size"]), dtype=torch.long)
        rmask = torch.ones_like(rows)

        def score():
            with torch.inference_mode():
                return torch.cat([model(rows[i:i + args.score_batch], rmask[i:i + args.score_batch])
                                  for i in range(0, rows.shape[0], args.score_batch)])

        reset = phase_start()
        st = timed(score, 1, args.score_repeats)
        memory.append(phase_end(f"scoring_{length}", reset))
        sm = statistics.median(st)
        scoring.append(dict(seq_len=length, pairs=args.score_pairs, batch_sequences=args.score_batch,
                            seconds=st, seconds_median=sm, pairs_per_s=args.score_pairs / sm))
    result["scoring"] = scoring
    result["memory"] = memory
    result["peak_rss_mib"] = max(PEAK_KIB[0], vm_hwm_kib()) / 1024
    result["provenance"]["loadavg_end"] = list(os.getloadavg())
    result["total_seconds"] = time.perf_counter() - t_start

    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
