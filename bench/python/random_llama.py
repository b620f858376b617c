#!/usr/bin/env python3
"""Writes a Llama-shaped LlamaForCausalLM directory with random fp32 weights (bench/model-size.sh).

`train-rm --lora-r` needs a pretrained --backbone (it refuses --init scratch), so the LoRA runs of
bench/model-size.sh read a directory written here: config.json (tied embeddings, so no lm_head),
tokenizer.json copied from --vocab-from, and model.safetensors (F32). Weights are N(0, 0.02²) values drawn once
(a pool of 2^22) and laid out from a random offset into every tensor, so writing several GB costs disk time, not
random-number time; norm scales are 1, as --init scratch sets them. Only memory and speed are measured on these
weights, never quality. Needs numpy only.

Usage: random_llama.py OUT --layers L --dim D --heads H [--kv-heads K] [--ffn F] --vocab-from tokenizer.json
Prints the parameter count.
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np


def shapes(layers, dim, heads, kv_heads, ffn, vocab):
    head_dim = dim // heads
    out = [("model.embed_tokens.weight", (vocab, dim))]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", (dim,)),
            (p + "self_attn.q_proj.weight", (heads * head_dim, dim)),
            (p + "self_attn.k_proj.weight", (kv_heads * head_dim, dim)),
            (p + "self_attn.v_proj.weight", (kv_heads * head_dim, dim)),
            (p + "self_attn.o_proj.weight", (dim, heads * head_dim)),
            (p + "post_attention_layernorm.weight", (dim,)),
            (p + "mlp.gate_proj.weight", (ffn, dim)),
            (p + "mlp.up_proj.weight", (ffn, dim)),
            (p + "mlp.down_proj.weight", (dim, ffn)),
        ]
    out.append(("model.norm.weight", (dim,)))
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--kv-heads", type=int, default=0)
    ap.add_argument("--ffn", type=int, default=0, help="0 = llama2.c's rule, as train-rm --init scratch")
    ap.add_argument("--vocab-from", required=True, help="a tokenizer.json")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    kv = a.kv_heads or a.heads
    ffn = a.ffn or ((2 * 4 * a.dim // 3 + 31) // 32) * 32
    vocab = len(json.load(open(a.vocab_from))["model"]["vocab"])
    os.makedirs(a.out, exist_ok=True)
    shutil.copyfile(a.vocab_from, os.path.join(a.out, "tokenizer.json"))
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab,
        "hidden_size": a.dim, "num_hidden_layers": a.layers, "num_attention_heads": a.heads,
        "num_key_value_heads": kv, "head_dim": a.dim // a.heads, "intermediate_size": ffn,
        "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "hidden_act": "silu", "attention_bias": False,
        "mlp_bias": False, "attention_dropout": 0.0, "rope_theta": 10000.0, "tie_word_embeddings": True,
        "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "torch_dtype": "float32", "dtype": "float32",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    rng = np.random.default_rng(a.seed)
    pool = (rng.standard_normal(1 << 22) * 0.02).astype("<f4")
    entries = shapes(a.layers, a.dim, a.heads, kv, ffn, vocab)
    header, offset, total = {}, 0, 0
    for name, shape in entries:
        n = int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + 4 * n]}
        offset += 4 * n
        total += n
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    path = os.path.join(a.out, "model.safetensors")
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        chunk = 1 << 22
        for name, shape in entries:
            n = int(np.prod(shape))
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                f.write(np.ones(n, dtype="<f4").tobytes())
                continue
            start = int(rng.integers(0, 1 << 22))
            done = 0
            while done < n:
                k = min(chunk - start, n - done)
                f.write(pool[start:start + k].tobytes())
                done += k
                start = 0
    os.replace(path + ".tmp", path)
    print(json.dumps({"out": a.out, "layers": a.layers, "dim": a.dim, "heads": a.heads, "kv_heads": kv, "ffn": ffn,
                      "vocab": vocab, "parameters": total}))


if __name__ == "__main__":
    main()
