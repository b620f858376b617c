/** Tokenization (Hugging Face tokenizer.json through DJL), dialogue-aware truncation that keeps the response and drops the oldest turns, padded token batches, and conversion of llama2.c tokenizers to tokenizer.json ({@link dev.rlhf4j.text.Llama2cTokenizer}). */
package dev.rlhf4j.text;
