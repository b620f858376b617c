#!/usr/bin/env python3
"""Checks that directories written by rlhf4j load in Hugging Face transformers and compute what rlhf4j computes.

  python check_export.py --lm DIR --golden golden_reference.json
      DIR from `rlhf4j convert --model stories260K.bin --out DIR`: loads as *ForCausalLM; its greedy continuation
      and loss must equal the stories260K golden reference (which rlhf4j's own tests match).
  python check_export.py --rm DIR --scored scored.jsonl
      DIR is a decoder reward model saved by `rlhf4j train-rm`; scored.jsonl comes from `rlhf4j score --model DIR`
      on {prompt, response} records. Loads as *ForSequenceClassification with no missing or unexpected tensors,
      rebuilds each input with the saved tokenizer (BOS + "Human: p\n\nAssistant: r" + EOS), batches them
      right-padded, and prints the largest difference from rlhf4j's rewards.
"""
import argparse
import json

import torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

ap = argparse.ArgumentParser()
ap.add_argument("--lm")
ap.add_argument("--golden")
ap.add_argument("--rm")
ap.add_argument("--scored")
a = ap.parse_args()
torch.set_num_threads(2)

if a.lm:
    g = json.load(open(a.golden))
    model, info = AutoModelForCausalLM.from_pretrained(a.lm, output_loading_info=True)
    tok = AutoTokenizer.from_pretrained(a.lm)
    print("lm:", type(model).__name__, "missing", info["missing_keys"], "unexpected", info["unexpected_keys"])
    ids = tok(g["prompt"])["input_ids"]
    print("prompt ids", ids, "golden", g["prompt_ids"], "equal", ids == g["prompt_ids"])
    x = torch.tensor([g["prompt_ids"]])
    n_new = len(g["greedy_ids_40_positions"]) - len(g["prompt_ids"])
    out = model.generate(x, do_sample=False, max_new_tokens=n_new, min_new_tokens=n_new)[0].tolist()
    print("greedy equal to golden:", out == g["greedy_ids_40_positions"])
    nll = torch.tensor([g["nll_ids"]])
    loss = model(nll, labels=nll).loss.item()
    print("loss %.6f golden %.6f diff %.2e" % (loss, g["mean_nll_per_token"], abs(loss - g["mean_nll_per_token"])))

if a.rm:
    model, info = AutoModelForSequenceClassification.from_pretrained(a.rm, output_loading_info=True)
    tok = AutoTokenizer.from_pretrained(a.rm)
    print("rm:", type(model).__name__, "num_labels", model.config.num_labels, "pad", model.config.pad_token_id,
          "missing", info["missing_keys"], "unexpected", info["unexpected_keys"])
    recs, seqs = [], []
    limit = json.load(open(a.rm + "/config.json")).get("max_length", 10**9)  # rlhf4j writes its token budget there
    skipped = 0
    for r in (json.loads(l) for l in open(a.scored) if l.strip()):
        ids = tok("Human: " + r["prompt"] + "\n\nAssistant: " + r["response"])["input_ids"] + [model.config.eos_token_id]
        if len(ids) > limit:  # rlhf4j truncated these to the checkpoint's max_length: not comparable
            skipped += 1
            continue
        recs.append(r)
        seqs.append(ids)
    print("skipped %d sequences longer than max_length %d" % (skipped, limit))
    width = max(len(s) for s in seqs)
    pad = model.config.pad_token_id
    batch = torch.tensor([s + [pad] * (width - len(s)) for s in seqs])
    mask = (batch != pad).long()
    with torch.no_grad():
        rewards = model(batch, attention_mask=mask).logits.squeeze(-1).tolist()
    diff = max(abs(x - r["reward"]) for x, r in zip(rewards, recs))
    print("%d sequences, right-padded batch: largest |transformers - rlhf4j| = %.2e" % (len(recs), diff))
    for x, r in list(zip(rewards, recs))[:3]:
        print("  transformers %.6f  rlhf4j %.6f" % (x, r["reward"]))
