package dev.rlhf4j.serving;

/**
 * How the server listens and batches.
 *
 * @param host          address to bind; anything but loopback needs {@code apiKey}
 * @param port          0 picks a free port
 * @param maxBatch      most items gathered into one scoring round (and per forward pass)
 * @param maxWaitMillis how long the scoring thread waits for more requests after taking the first
 * @param maxQueue      requests waiting to be scored before new ones get 503
 * @param maxBodyBytes  largest request body (413 above it)
 * @param maxItems      most texts (or pairs) in one request (413 above it)
 * @param timeoutMillis how long a request waits for its rewards (503 after it)
 * @param apiKey        the key clients send as {@code Authorization: Bearer KEY}, or null for none
 */
public record ServerConfig(String host, int port, int maxBatch, int maxWaitMillis, int maxQueue, long maxBodyBytes,
                           int maxItems, long timeoutMillis, String apiKey) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 5000; // OpenRLHF's serve_rm default
    public static final int DEFAULT_MAX_BATCH = 32;
    public static final int DEFAULT_MAX_WAIT_MS = 5;
    public static final int DEFAULT_MAX_QUEUE = 1024;
    public static final long DEFAULT_MAX_BODY = 8L << 20;
    public static final int DEFAULT_MAX_ITEMS = 1024;
    public static final long DEFAULT_TIMEOUT_MS = 120_000;

    /** Loopback on {@code port}, every other setting at its default. */
    public static ServerConfig loopback(int port) {
        return new ServerConfig(LOOPBACK, port, DEFAULT_MAX_BATCH, DEFAULT_MAX_WAIT_MS, DEFAULT_MAX_QUEUE, DEFAULT_MAX_BODY,
                DEFAULT_MAX_ITEMS, DEFAULT_TIMEOUT_MS, null);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, maxBatch, maxWaitMillis, maxQueue, maxBodyBytes, maxItems, timeoutMillis, key);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, maxBatch, maxWaitMillis, maxQueue, maxBodyBytes, maxItems, timeoutMillis, apiKey);
    }

    public ServerConfig withLimits(long bodyBytes, int items) {
        return new ServerConfig(host, port, maxBatch, maxWaitMillis, maxQueue, bodyBytes, items, timeoutMillis, apiKey);
    }
}
