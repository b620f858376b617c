/**
 * Preference data: {@link dev.rlhf4j.data.PreferencePair} records, readers of the common file
 * formats into them, a load report, and deterministic train/validation splits.
 *
 * <p>{@link dev.rlhf4j.data.PreferenceDataset#load} reads a file in one of the formats of
 * {@link dev.rlhf4j.data.format} (detected from the first record unless named), fails on a bad
 * record with {@code file:line: problem} (or skips and counts it), and returns the pairs with a
 * {@link dev.rlhf4j.data.DataReport} that counts every anomaly it kept: nothing is dropped
 * silently. {@link dev.rlhf4j.data.Split} splits by a stable hash of the prompt or of a group field,
 * and {@link dev.rlhf4j.data.Jsonl} writes records back. All JSON goes through {@link
 * dev.rlhf4j.data.Json#MAPPER}.
 */
package dev.rlhf4j.data;
