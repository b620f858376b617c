/** The BERT-family encoder with Hugging Face numerics, written as tensor code over named parameters. */
package dev.rlhf4j.model.bert;
