#!/usr/bin/env python3
"""Python (PyTorch + transformers) reference numbers for rlhf4j's decoder benchmarks.

Measures, on CPU, fp32, dropout off, a fixed number of threads:

  a. greedy generation throughput (new tokens per second) with and without the
     KV cache, for the stories260K shape and a random ~15M-parameter Llama;
  b. one decoder reward-model training step (LlamaForSequenceClassification,
     Bradley-Terry loss, grad-norm clipping, AdamW) for the same two shapes.

Every run and every median is written as one JSON object per line, to stdout
and to the file given by --out.

Usage:
  python decoder_reference.py [--stories DIR] [--out FILE] [--repeats 3]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import transformers
from transformers import (
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
)

PROMPT_IDS = [1, 403, 407, 261, 378, 432, 383, 286]

# Fallback for stories260K when no checkpoint directory is given (same shape).
STORIES_SHAPE = dict(
    vocab_size=512,
    hidden_size=64,
    intermediate_size=172,
    num_hidden_layers=5,
    num_attention_heads=8,
    num_key_value_heads=4,
    max_position_embeddings=512,
    tie_word_embeddings=True,
)

LLAMA15M_SHAPE = dict(
    vocab_size=32000,
    hidden_size=288,
    intermediate_size=768,
    num_hidden_layers=6,
    num_attention_heads=6,
    num_key_value_heads=6,
    max_position_embeddings=1024,
    tie_word_embeddings=True,
)


class Reporter:
    def __init__(self, path):
        self.fh = open(path, "w") if path else None

    def emit(self, **record):
        line = json.dumps(record, sort_keys=False)
        print(line, flush=True)
        if self.fh:
            self.fh.write(line + "\n")
            self.fh.flush()

    def close(self):
        if self.fh:
            self.fh.close()


def make_config(shape, attn):
    cfg = LlamaConfig(
        **shape,
        attention_dropout=0.0,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        attn_implementation=attn,
    )
    return cfg


def param_count(model):
    # Tied embeddings are counted once (parameters() de-duplicates shared tensors).
    return sum(p.numel() for p in model.parameters())


def load_stories(stories_dir, attn):
    """Returns (causal LM, config, source description)."""
    if stories_dir and os.path.isdir(stories_dir):
        model = LlamaForCausalLM.from_pretrained(
            stories_dir, dtype=torch.float32, attn_implementation=attn
        )
        return model, model.config, "checkpoint:" + os.path.abspath(stories_dir)
    torch.manual_seed(0)
    cfg = make_config(STORIES_SHAPE, attn)
    model = LlamaForCausalLM(cfg).to(torch.float32)
    why = "no --stories given" if not stories_dir else "directory not found: " + stories_dir
    return model, cfg, "random-init (" + why + ")"


def generation_config(n_new, use_cache):
    # EOS disabled (eos_token_id=None) and min_new_tokens == max_new_tokens so
    # that exactly n_new tokens are produced every time.
    return GenerationConfig(
        do_sample=False,
        max_new_tokens=n_new,
        min_new_tokens=n_new,
        eos_token_id=None,
        pad_token_id=0,
        bos_token_id=None,
        use_cache=use_cache,
    )


def time_generate(model, prompt, n_new, use_cache):
    gc = generation_config(n_new, use_cache)
    attn_mask = torch.ones_like(prompt)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            input_ids=prompt,
            attention_mask=attn_mask,
            generation_config=gc,
        )
    dt = time.perf_counter() - t0
    produced = out.shape[1] - prompt.shape[1]
    if produced != n_new:
        raise RuntimeError(f"expected {n_new} new tokens, got {produced}")
    return dt, out


def bench_generation(rep, name, model, n_new, repeats, warmup_tokens):
    model.eval()
    vocab = model.config.vocab_size
    prompt = torch.tensor([[i % vocab for i in PROMPT_IDS]], dtype=torch.long)
    summary = {}
    outputs = {}
    for use_cache in (True, False):
        mode = "kv_cache" if use_cache else "no_cache"
        # Short untimed warm-up so one-time allocations/dispatch are not measured.
        time_generate(model, prompt, warmup_tokens, use_cache)
        tps = []
        for r in range(repeats):
            dt, out = time_generate(model, prompt, n_new, use_cache)
            rate = n_new / dt
            tps.append(rate)
            outputs[mode] = out
            rep.emit(
                kind="generate_run",
                model=name,
                mode=mode,
                run=r,
                new_tokens=n_new,
                prompt_tokens=prompt.shape[1],
                seconds=round(dt, 6),
                tokens_per_s=round(rate, 3),
                loadavg_1m=os.getloadavg()[0],
            )
        med = statistics.median(tps)
        summary[mode] = med
        rep.emit(
            kind="generate_median",
            model=name,
            mode=mode,
            new_tokens=n_new,
            repeats=repeats,
            tokens_per_s_median=round(med, 3),
            seconds_median=round(n_new / med, 6),
        )
    same = torch.equal(outputs["kv_cache"], outputs["no_cache"])
    rep.emit(
        kind="generate_summary",
        model=name,
        kv_cache_tokens_per_s=round(summary["kv_cache"], 3),
        no_cache_tokens_per_s=round(summary["no_cache"], 3),
        cache_speedup=round(summary["kv_cache"] / summary["no_cache"], 3),
        greedy_outputs_identical=same,
        first_generated_ids=outputs["kv_cache"][0, len(PROMPT_IDS):len(PROMPT_IDS) + 16].tolist(),
    )
    return summary


def make_pair_batch(vocab, pairs, seq_len, min_len, seed):
    """2*pairs right-padded sequences: rows [0, pairs) chosen, [pairs, 2*pairs) rejected."""
    g = torch.Generator().manual_seed(seed)
    n = 2 * pairs
    lengths = torch.randint(min_len, seq_len + 1, (n,), generator=g)
    # Real tokens avoid 0 (the pad id) so the last-non-pad pooling finds the true end.
    ids = torch.randint(1, vocab, (n, seq_len), generator=g)
    pos = torch.arange(seq_len).unsqueeze(0)
    mask = (pos < lengths.unsqueeze(1)).long()
    ids = ids * mask  # pad id 0 after each real length
    return ids, mask, lengths


def bench_rm_step(rep, name, shape_cfg, attn, pairs, seq_len, min_len, warmup, steps):
    torch.manual_seed(0)
    cfg_dict = {k: getattr(shape_cfg, k) for k in STORIES_SHAPE}
    cfg = LlamaConfig(
        **cfg_dict,
        num_labels=1,
        pad_token_id=0,
        attention_dropout=0.0,
        attn_implementation=attn,
    )
    model = LlamaForSequenceClassification(cfg).to(torch.float32)
    model.train()  # no dropout in Llama with attention_dropout=0.0
    opt = torch.optim.AdamW(
        model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-6, weight_decay=0.0
    )
    ids, mask, lengths = make_pair_batch(cfg.vocab_size, pairs, seq_len, min_len, seed=1234)

    def step():
        rewards = model(input_ids=ids, attention_mask=mask, use_cache=False).logits.squeeze(-1)
        r_c, r_r = rewards[:pairs], rewards[pairs:]
        loss = -F.logsigmoid(r_c - r_r).mean()
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item(), gnorm.item()

    for _ in range(warmup):
        step()
    times = []
    for s in range(steps):
        t0 = time.perf_counter()
        loss, gnorm = step()
        dt = time.perf_counter() - t0
        times.append(dt)
        rep.emit(
            kind="rm_step_run",
            model=name,
            step=s,
            seconds=round(dt, 6),
            loss=round(loss, 6),
            grad_norm_pre_clip=round(gnorm, 6),
            loadavg_1m=os.getloadavg()[0],
        )
    med = statistics.median(times)
    rep.emit(
        kind="rm_step_median",
        model=name,
        params=param_count(model),
        pairs=pairs,
        sequences=2 * pairs,
        seq_len=seq_len,
        real_lengths=lengths.tolist(),
        warmup_steps=warmup,
        timed_steps=steps,
        seconds_per_step_median=round(med, 6),
        seconds_per_step_min=round(min(times), 6),
    )
    return med


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", default=None, help="Hugging Face directory of stories260K (else random init)")
    ap.add_argument("--out", default=None, help="JSON-lines output file")
    ap.add_argument("--repeats", type=int, default=3, help="generation repeats per measurement")
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--warmup-tokens", type=int, default=16, help="untimed warm-up generation length")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--rm-pairs", type=int, default=8)
    ap.add_argument("--rm-seq-len", type=int, default=64)
    ap.add_argument("--rm-min-len", type=int, default=32)
    ap.add_argument("--rm-warmup", type=int, default=3)
    ap.add_argument("--rm-steps", type=int, default=10)
    ap.add_argument("--skip-generation", action="store_true")
    ap.add_argument("--skip-rm", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    rep = Reporter(args.out)
    t_start = time.perf_counter()

    stories, stories_cfg, stories_src = load_stories(args.stories, args.attn)
    torch.manual_seed(0)
    llama15m = LlamaForCausalLM(make_config(LLAMA15M_SHAPE, args.attn)).to(torch.float32)

    rep.emit(
        kind="meta",
        python=platform.python_version(),
        torch=torch.__version__,
        transformers=transformers.__version__,
        threads=torch.get_num_threads(),
        interop_threads=torch.get_num_interop_threads(),
        cpu_count=os.cpu_count(),
        machine=platform.machine(),
        attn_implementation=args.attn,
        dtype="float32",
        prompt_ids=PROMPT_IDS,
        new_tokens=args.new_tokens,
        repeats=args.repeats,
        loadavg=os.getloadavg(),
        omp_env={k: os.environ[k] for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "GOMP_SPINCOUNT") if k in os.environ},
        stories260K_source=stories_src,
        stories260K_params=param_count(stories),
        llama15M_params=param_count(llama15m),
    )

    if not args.skip_generation:
        for name, model in (("stories260K", stories), ("llama15M", llama15m)):
            bench_generation(rep, name, model, args.new_tokens, args.repeats, args.warmup_tokens)

    if not args.skip_rm:
        shapes = (("stories260K", stories_cfg), ("llama15M", llama15m.config))
        for name, cfg in shapes:
            bench_rm_step(
                rep, name, cfg, args.attn,
                args.rm_pairs, args.rm_seq_len, args.rm_min_len,
                args.rm_warmup, args.rm_steps,
            )

    rep.emit(kind="done", total_seconds=round(time.perf_counter() - t_start, 3))
    rep.close()


if __name__ == "__main__":
    sys.exit(main())
