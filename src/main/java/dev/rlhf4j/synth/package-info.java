/**
 * The controlled preference task: a stand-in for human preference data whose ground truth is known.
 *
 * <p>{@link dev.rlhf4j.synth.SyntheticTask#generate(dev.rlhf4j.synth.SynthConfig)} draws prompts from
 * several {@link dev.rlhf4j.synth.Family families} (arithmetic, capital cities, counted instructions,
 * harmful and benign-but-alarming requests, tone, verbosity), scores candidate responses with the
 * programmatic {@link dev.rlhf4j.synth.GoldReward}, samples labels by Bradley–Terry at a temperature
 * and flips an exact share of them on purpose. Every record keeps its truth ({@code gold_chosen},
 * {@code gold_rejected}, {@code flipped}), so noise detection by preference strength can be scored,
 * denoised reward models can be evaluated against gold labels ({@link dev.rlhf4j.synth.SynthConfig#cleanTest}),
 * and a policy's generations can be judged by the same gold reward (METHODS.md §7).
 * {@link dev.rlhf4j.synth.SynthStats} summarises a set.
 */
package dev.rlhf4j.synth;
