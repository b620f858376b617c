/**
 * Decoder language models (Llama, Mistral, Qwen2, Qwen3, Gemma-2, GPT-2) as tensor code over Hugging Face–named parameters:
 * checkpoints (Hugging Face directories and llama2.c files), the KV cache, the language-model head, generation,
 * and the log-probabilities of given responses. Reward models on a decoder are built by
 * {@link dev.rlhf4j.model.RewardModels#decoder}.
 */
package dev.rlhf4j.model.decoder;
