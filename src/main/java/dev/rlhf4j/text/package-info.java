/** Tokenization (Hugging Face tokenizer.json through DJL), dialogue-aware truncation that keeps the response and drops the oldest turns, and padded token batches. */
package dev.rlhf4j.text;
