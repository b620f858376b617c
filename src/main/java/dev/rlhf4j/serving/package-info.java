/**
 * Serving reward models over HTTP: {@link dev.rlhf4j.serving.RewardServer} (Javalin on Jetty) answers OpenRLHF's
 * {@code POST /get_reward} and {@code POST /v1/score}; {@link dev.rlhf4j.serving.MicroBatcher} gathers the items of
 * concurrent requests into shared forward passes on one scoring thread that owns the models;
 * {@link dev.rlhf4j.serving.LoadTest} measures throughput and latency from concurrent clients.
 */
package dev.rlhf4j.serving;
