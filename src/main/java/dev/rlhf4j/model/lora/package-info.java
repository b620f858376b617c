/**
 * LoRA in PEFT's format: {@link dev.rlhf4j.model.lora.LoraConfig} ({@code adapter_config.json}),
 * {@link dev.rlhf4j.model.lora.LoraAdapter} (the A/B pairs added to a backbone's linear layers, y = W x + (α/r)·B(A x),
 * and their merge into W) and {@link dev.rlhf4j.model.lora.Adapters} (load an adapter written by peft onto a reward
 * model or a causal LM, save one peft loads, merge).
 */
package dev.rlhf4j.model.lora;
