/** Tokenization (Hugging Face tokenizer.json through DJL), dialogue-aware truncation that keeps the response and drops the oldest turns, padded token batches, and checkpoints' chat templates (Jinja2 rendered through Jinjava). */
package dev.rlhf4j.text;
