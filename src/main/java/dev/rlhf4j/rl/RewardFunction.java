package dev.rlhf4j.rl;

import java.util.List;

/** Scores responses to prompts: a reward model, the controlled task's gold reward, or a remote server. */
public interface RewardFunction extends AutoCloseable {
    /** One score per (prompt, response), in order. */
    double[] score(List<String> prompts, List<String> responses);

    /** What scores: a path, "gold", a URL. */
    String name();

    @Override
    default void close() {}
}
