/** Tokenization (Hugging Face tokenizer.json through DJL), dialogue-aware truncation that keeps the response and drops the oldest turns, padded token batches, conversion of llama2.c tokenizers to tokenizer.json ({@link dev.rlhf4j.text.Llama2cTokenizer}), and checkpoints' chat templates (rendered by the Jinja2 interpreter in {@link dev.rlhf4j.text.jinja}). */
package dev.rlhf4j.text;
