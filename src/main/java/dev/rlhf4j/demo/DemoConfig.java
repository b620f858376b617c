package dev.rlhf4j.demo;

import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.train.TrainConfig;

/**
 * Settings of the denoising demo on the controlled task.
 *
 * @param trainPairs    noisy training pairs generated
 * @param testPairs     clean test pairs (labels = gold), scored against gold
 * @param validPairs    noisy held-out pairs, scored against their given labels and against gold
 * @param flipRate      share of training labels flipped on purpose
 * @param members       strength ensemble size M
 * @param flipBelow     denoising flips pairs with μ̂ below this
 * @param marginScale   margin = scale · μ̂
 * @param smoothing     label-smoothing α on pairs with μ̂ &lt; 0 (Soft Label + Margin)
 * @param seed          seeds the task, the ensemble and every model
 */
public record DemoConfig(int trainPairs, int testPairs, int validPairs, double flipRate, int members, double flipBelow,
                         double marginScale, double smoothing, long seed, ModelSpec model, TrainConfig train,
                         boolean contrastive) {}
