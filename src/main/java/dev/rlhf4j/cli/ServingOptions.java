package dev.rlhf4j.cli;

import dev.rlhf4j.serving.ServerConfig;
import picocli.CommandLine.Option;

/** How the reward server batches and bounds requests (serve, serve-load). */
public final class ServingOptions {
    @Option(names = "--max-batch", defaultValue = "" + ServerConfig.DEFAULT_MAX_BATCH,
            description = "Most texts gathered from concurrent requests into one scoring round, and per forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "" + ServerConfig.DEFAULT_MAX_WAIT_MS,
            description = "How long the scoring thread waits for more requests after taking the first, in ms (default: ${DEFAULT-VALUE}).")
    int maxWaitMs;

    @Option(names = "--max-queue", defaultValue = "" + ServerConfig.DEFAULT_MAX_QUEUE,
            description = "Requests waiting to be scored before new ones get 503 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-body-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY,
            description = "Largest request body in bytes; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--max-items", defaultValue = "" + ServerConfig.DEFAULT_MAX_ITEMS,
            description = "Most texts or pairs in one request; more get 413 (default: ${DEFAULT-VALUE}).")
    int maxItems;

    @Option(names = "--timeout-ms", defaultValue = "" + ServerConfig.DEFAULT_TIMEOUT_MS,
            description = "How long a request waits for its rewards before a 503, in ms (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    ServerConfig config(String host, int port, String apiKey) {
        return new ServerConfig(host, port, maxBatch, maxWaitMs, maxQueue, maxBodyBytes, maxItems, timeoutMs, apiKey);
    }

    /** The key held in environment variable {@code var}, or null when {@code var} is null. */
    static String apiKey(String var) {
        if (var == null) return null;
        String k = System.getenv(var);
        if (k == null || k.isBlank()) {
            throw new IllegalArgumentException("--api-key-env " + var + ": environment variable " + var + " is not set or empty");
        }
        return k.strip();
    }
}
