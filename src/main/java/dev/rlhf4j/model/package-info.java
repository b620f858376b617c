/** Reward models: backbones (BertEncoder), pooling, the scalar head, and where weights come from (presets, Hugging Face directories, rlhf4j checkpoints). */
package dev.rlhf4j.model;
