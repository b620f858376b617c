/**
 * One reader per preference-data format, each a {@link dev.rlhf4j.data.PreferenceFormat}:
 * {@link dev.rlhf4j.data.format.HhFormat} (Anthropic HH-RLHF transcripts),
 * {@link dev.rlhf4j.data.format.PairsFormat} ({@code {prompt, chosen, rejected}}, plain or
 * conversational) and {@link dev.rlhf4j.data.format.MossFormat} (MOSS-RLHF utterance lists).
 */
package dev.rlhf4j.data.format;
