package dev.rlhf4j.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent clients against a running server: each sends its requests to {@code POST /get_reward} one after the
 * other; every answer must be a 200 with one finite reward per query. Latency is measured per request, from send
 * to the parsed answer.
 */
public final class LoadTest {
    private LoadTest() {}

    /** What a load test measured. */
    public record Report(int clients, int requestsPerClient, int itemsPerRequest, long ok, long errors,
                         List<String> errorSamples, double seconds, double requestsPerSecond, double itemsPerSecond,
                         double p50Ms, double p99Ms, double maxMs, double meanItemsPerBatch,
                         double meanScoringMsPerBatch) {
        public String summary() {
            return String.format(java.util.Locale.ROOT,
                    "%d clients x %d requests (%d item(s) each): %d ok, %d errors in %.2f s; %.1f requests/s, %.1f items/s; "
                            + "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.2f items per scoring round, %.1f ms per round",
                    clients, requestsPerClient, itemsPerRequest, ok, errors, seconds, requestsPerSecond, itemsPerSecond,
                    p50Ms, p99Ms, maxMs, meanItemsPerBatch, meanScoringMsPerBatch);
        }

        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("clients", clients).put("requests_per_client", requestsPerClient).put("items_per_request", itemsPerRequest)
                    .put("ok", ok).put("errors", errors).put("seconds", seconds).put("requests_per_second", requestsPerSecond)
                    .put("items_per_second", itemsPerSecond).put("latency_p50_ms", p50Ms).put("latency_p99_ms", p99Ms)
                    .put("latency_max_ms", maxMs).put("mean_items_per_batch", meanItemsPerBatch)
                    .put("mean_scoring_ms_per_batch", meanScoringMsPerBatch);
            ArrayNode e = o.putArray("error_samples");
            errorSamples.forEach(e::add);
            return o;
        }
    }

    /**
     * @param baseUrl {@code http://host:port}
     * @param apiKey  sent as a bearer token when not null
     * @param texts   the full texts queries are drawn from, in turn
     */
    public static Report run(String baseUrl, String apiKey, List<String> texts, int clients, int requests, int items)
            throws Exception {
        if (texts.isEmpty() || clients < 1 || requests < 1 || items < 1) {
            throw new IllegalArgumentException("a load test needs texts, and clients, requests and items >= 1");
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        for (int w = 0; w < 3; w++) send(http, baseUrl, apiKey, body(texts, w, items), items); // warm-up, not timed
        JsonNode before = health(http, baseUrl);
        long[] latencies = new long[clients * requests];
        AtomicLong ok = new AtomicLong(), errors = new AtomicLong();
        List<String> samples = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int r = 0; r < requests; r++) {
                    byte[] b = body(texts, (client * requests + r) * items, items);
                    long t0 = System.nanoTime();
                    String problem;
                    try {
                        problem = send(http, baseUrl, apiKey, b, items);
                    } catch (Exception e) {
                        problem = e.toString();
                    }
                    latencies[client * requests + r] = System.nanoTime() - t0;
                    if (problem == null) {
                        ok.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                        if (samples.size() < 5) samples.add(problem);
                    }
                }
            }, "load-client-" + c);
            threads.add(t);
            t.start();
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode after = health(http, baseUrl);
        long batches = after.path("batches").asLong() - before.path("batches").asLong();
        long scored = after.path("items").asLong() - before.path("items").asLong();
        double scoringMs = after.path("scoring_ms").asDouble() - before.path("scoring_ms").asDouble();
        Arrays.sort(latencies);
        long total = (long) clients * requests;
        return new Report(clients, requests, items, ok.get(), errors.get(), List.copyOf(samples), seconds,
                total / seconds, total * items / seconds, percentile(latencies, 0.50), percentile(latencies, 0.99),
                latencies[latencies.length - 1] / 1e6, batches == 0 ? 0 : (double) scored / batches,
                batches == 0 ? 0 : scoringMs / batches);
    }

    /** Nearest-rank percentile of sorted nanosecond latencies, in milliseconds. */
    static double percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    private static byte[] body(List<String> texts, int from, int items) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode q = o.putArray("query");
        for (int i = 0; i < items; i++) q.add(texts.get(Math.floorMod(from + i, texts.size())));
        return o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Sends one request; null when the answer is right, else what was wrong. */
    private static String send(HttpClient http, String baseUrl, String apiKey, byte[] body, int items) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + "/get_reward")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) return "HTTP " + r.statusCode() + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        JsonNode rewards = Json.MAPPER.readTree(r.body()).path("rewards");
        if (!rewards.isArray() || rewards.size() != items) return "expected " + items + " rewards, got " + rewards;
        for (JsonNode x : rewards) if (!x.isNumber() || !Double.isFinite(x.asDouble())) return "non-finite reward " + x;
        return null;
    }

    private static JsonNode health(HttpClient http, String baseUrl) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IllegalStateException(baseUrl + "/health answered HTTP " + r.statusCode());
        return Json.MAPPER.readTree(r.body());
    }
}
