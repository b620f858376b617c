package dev.rlhf4j.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP reward server over one or more reward models (several: an ensemble, each item's mean and spread).
 *
 * <ul>
 *   <li>{@code POST /get_reward} {@code {"query": [full texts], "prompts": [...]?}} → {@code {"rewards": [...],
 *       "scores": [...], "extra_logs": {...}}}: OpenRLHF's remote reward model ({@code --remote_rm_url}).</li>
 *   <li>{@code POST /v1/score} {@code [{prompt, response}]} or {@code [{prompt, chosen, rejected}]} → rewards as
 *       {@code score} gives them; with an ensemble also their standard deviations across members.</li>
 *   <li>{@code GET /health} (no key needed) and {@code GET /v1/models}.</li>
 * </ul>
 *
 * Every refused request gets a 4xx with {@code {"error": reason}}; the server keeps serving. {@link #stop} refuses
 * new requests (503), lets those in flight finish, then stops the scoring thread and Jetty. The caller owns the
 * models and closes them after {@link #stop}.
 */
public final class RewardServer implements AutoCloseable {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final List<ServedModel> models;
    private final ServerConfig config;
    private final MicroBatcher batcher;
    private final byte[] key;
    private final Javalin app;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;

    private RewardServer(List<ServedModel> models, ServerConfig config) {
        this.models = List.copyOf(models);
        this.config = config;
        this.key = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
        this.batcher = new MicroBatcher(models, config.maxBatch(), config.maxWaitMillis(), config.maxQueue());
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.http.maxRequestSize = config.maxBodyBytes();
            c.http.prefer405over404 = true;
            c.routes.get("/health", guarded(this::health, false));
            c.routes.get("/v1/models", guarded(this::listModels, true));
            c.routes.post("/get_reward", guarded(this::getReward, true));
            c.routes.post("/v1/score", guarded(this::score, true));
            c.routes.error(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path()
                    + " (POST /get_reward, POST /v1/score, GET /v1/models, GET /health)"));
            c.routes.error(405, ctx -> error(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path()));
        });
    }

    /**
     * Starts serving. A bind address that is not loopback without an API key is refused: the rewards of a
     * training run should not be open to the network.
     */
    public static RewardServer start(List<ServedModel> models, ServerConfig config) {
        if (models.isEmpty()) throw new IllegalArgumentException("no model to serve");
        requireKeyOffLoopback(config);
        RewardServer s = new RewardServer(models, config);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.batcher.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        return s;
    }

    /** Refuses a non-loopback bind address without an API key (checked by {@link #start} too). */
    public static void requireKeyOffLoopback(ServerConfig config) {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(config.host());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host " + config.host() + ": unknown host");
        }
        if (!addr.isLoopbackAddress() && (config.apiKey() == null || config.apiKey().isEmpty())) {
            throw new IllegalArgumentException("refusing to listen on " + config.host() + " (not a loopback address) without"
                    + " an API key: put the key in an environment variable and pass --api-key-env VAR (clients send"
                    + " 'Authorization: Bearer KEY'), or leave --host at " + ServerConfig.LOOPBACK);
        }
    }

    public int port() {
        return app.port();
    }

    /** {@code http://host:port}. */
    public String url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + h + ":" + port();
    }

    public MicroBatcher batcher() {
        return batcher;
    }

    private interface Endpoint {
        void handle(Context ctx) throws Exception;
    }

    /** Counts the request in flight, refuses it while draining or without the key, and turns failures into JSON errors. */
    private Handler guarded(Endpoint endpoint, boolean needsKey) {
        return ctx -> {
            inFlight.incrementAndGet();
            try {
                if (draining) {
                    error(ctx, 503, "server is shutting down");
                } else if (needsKey && !authorized(ctx)) {
                    ctx.header("WWW-Authenticate", "Bearer");
                    error(ctx, 401, ctx.header("Authorization") == null ? "missing 'Authorization: Bearer KEY' header"
                            : "invalid API key");
                } else {
                    endpoint.handle(ctx);
                }
            } catch (BadRequest e) {
                error(ctx, e.status(), e.getMessage());
            } catch (MicroBatcher.Unavailable e) {
                error(ctx, 503, e.getMessage());
            } catch (Exception e) {
                error(ctx, 500, "internal error: " + e);
            } finally {
                inFlight.decrementAndGet();
            }
        };
    }

    private boolean authorized(Context ctx) {
        if (key == null) return true;
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(key, h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static void error(Context ctx, int status, String reason) {
        ObjectNode o = JSON.objectNode().put("error", reason);
        ctx.status(status).contentType("application/json").result(o.toString());
    }

    private static void reply(Context ctx, JsonNode body) throws JsonProcessingException {
        ctx.status(200).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
    }

    /**
     * How much of an over-limit body is read and discarded before its 413 goes out. Closing a connection with
     * request bytes still unread makes the kernel reset it, and a reset can destroy the answer before the client
     * has read it (it then sees no response at all); a client that has finished sending reads its 413. A body
     * declared larger than this gets its 413 at once, with {@code Connection: close}.
     */
    static final long DRAIN_LIMIT = 64L << 20;

    /** The body as JSON, refused when over the size limit, empty or malformed. */
    private JsonNode body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        long max = config.maxBodyBytes();
        InputStream in = ctx.req().getInputStream();
        if (declared > max) {
            throw oversized(ctx, in, declared, "body of " + declared + " bytes is over the limit of " + max + " (--max-body-bytes)");
        }
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (bytes.length > max) {
            throw oversized(ctx, in, declared, "body is over the limit of " + max + " bytes (--max-body-bytes)");
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || n.isMissingNode()) throw new BadRequest("empty body: expected JSON");
        return n;
    }

    /** A 413 for an over-limit body, after reading the rest of it (up to {@link #DRAIN_LIMIT}), see there. */
    private static BadRequest oversized(Context ctx, InputStream in, long declared, String reason) throws IOException {
        long drained = 0;
        int k = 0;
        if (declared <= DRAIN_LIMIT) {
            byte[] buf = new byte[64 * 1024];
            while (drained < DRAIN_LIMIT && (k = in.read(buf)) >= 0) drained += k;
        }
        if (declared > DRAIN_LIMIT || k >= 0) ctx.header("Connection", "close");
        return new BadRequest(413, reason);
    }

    /** Every model's rewards for the items ({@code [model][item]}), and which items were truncated. */
    private MicroBatcher.Scores rewards(List<ScoreItem> items) throws Exception {
        try {
            return batcher.submit(items).get(config.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new MicroBatcher.Unavailable("no rewards after " + config.timeoutMillis() + " ms; the server is overloaded");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MicroBatcher.Unavailable u) throw u;
            throw new IllegalStateException("scoring failed: " + e.getCause(), e.getCause());
        }
    }

    private void getReward(Context ctx) throws Exception {
        List<ScoreItem> items = Requests.getReward(body(ctx), config.maxItems());
        MicroBatcher.Scores scores = rewards(items);
        float[][] r = scores.rewards();
        Stats s = Stats.of(r, null);
        ObjectNode o = JSON.objectNode();
        o.set("rewards", s.meanArray());
        o.set("scores", s.meanArray());
        o.set("truncated", flags(scores.truncated(), null));
        ObjectNode logs = o.putObject("extra_logs");
        if (r.length > 1) logs.set("reward_std", s.stdArray());
        reply(ctx, o);
    }

    private void score(Context ctx) throws Exception {
        Requests.Scoring req = Requests.score(body(ctx), config.maxItems());
        MicroBatcher.Scores scores = rewards(req.items());
        float[][] r = scores.rewards();
        ObjectNode o = JSON.objectNode();
        ArrayNode names = o.putArray("models");
        models.forEach(m -> names.add(m.name()));
        if (!req.pairs()) {
            Stats s = Stats.of(r, null);
            o.set("rewards", s.meanArray());
            o.set("truncated", flags(scores.truncated(), null));
            if (r.length > 1) {
                o.set("reward_std", s.stdArray());
                o.set("member_rewards", s.members());
            }
        } else {
            Stats chosen = Stats.of(r, 0), rejected = Stats.of(r, 1);
            o.set("chosen_rewards", chosen.meanArray());
            o.set("rejected_rewards", rejected.meanArray());
            o.set("chosen_truncated", flags(scores.truncated(), 0));
            o.set("rejected_truncated", flags(scores.truncated(), 1));
            if (r.length > 1) {
                o.set("chosen_std", chosen.stdArray());
                o.set("rejected_std", rejected.stdArray());
                Stats diff = Stats.difference(chosen, rejected);
                o.set("difference_mean", diff.meanArray());
                o.set("difference_std", diff.stdArray());
            }
        }
        reply(ctx, o);
    }

    /** The items' truncation flags; {@code half} as in {@link Stats#of}: null for all, 0 chosen, 1 rejected. */
    private static ArrayNode flags(boolean[] truncated, Integer half) {
        ArrayNode a = JSON.arrayNode();
        for (int i = half == null ? 0 : half; i < truncated.length; i += half == null ? 1 : 2) a.add(truncated[i]);
        return a;
    }

    private void health(Context ctx) throws Exception {
        ObjectNode o = JSON.objectNode().put("status", "ok");
        ArrayNode names = o.putArray("models");
        models.forEach(m -> names.add(m.name()));
        o.put("requests", batcher.requests()).put("batches", batcher.batches()).put("items", batcher.items())
                .put("scoring_ms", batcher.scoringMillis()).put("pending", batcher.pending());
        reply(ctx, o);
    }

    private void listModels(Context ctx) throws Exception {
        ObjectNode o = JSON.objectNode();
        ArrayNode list = o.putArray("models");
        models.forEach(m -> list.add(m.describe()));
        o.put("ensemble", models.size() > 1);
        o.put("max_batch", config.maxBatch()).put("max_wait_ms", config.maxWaitMillis())
                .put("max_items", config.maxItems()).put("max_body_bytes", config.maxBodyBytes());
        reply(ctx, o);
    }

    /**
     * Graceful stop: new requests get 503, those in flight finish (up to {@code drainMillis}), the scoring thread
     * scores what is queued and ends, then Jetty stops. Safe to call twice.
     */
    public synchronized void stop(long drainMillis) {
        if (stopped.getCount() == 0) return;
        draining = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        batcher.close();
        app.stop();
        stopped.countDown();
    }

    /** Blocks until {@link #stop} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        stop(30_000);
    }

    /** Per-item mean and population standard deviation over the models (as {@code strength} computes σ̂). */
    private record Stats(double[][] values) {
        /** {@code half}: null for every item, 0 for even (chosen) items, 1 for odd (rejected) ones. */
        static Stats of(float[][] r, Integer half) {
            int n = half == null ? r[0].length : r[0].length / 2;
            double[][] v = new double[r.length][n];
            for (int m = 0; m < r.length; m++) {
                for (int i = 0; i < n; i++) v[m][i] = r[m][half == null ? i : 2 * i + half];
            }
            return new Stats(v);
        }

        static Stats difference(Stats a, Stats b) {
            double[][] v = new double[a.values.length][];
            for (int m = 0; m < v.length; m++) {
                v[m] = new double[a.values[m].length];
                for (int i = 0; i < v[m].length; i++) v[m][i] = a.values[m][i] - b.values[m][i];
            }
            return new Stats(v);
        }

        double mean(int i) {
            double s = 0;
            for (double[] m : values) s += m[i];
            return s / values.length;
        }

        double std(int i) {
            double mu = mean(i), ss = 0;
            for (double[] m : values) ss += (m[i] - mu) * (m[i] - mu);
            return Math.sqrt(ss / values.length);
        }

        ArrayNode meanArray() {
            ArrayNode a = JSON.arrayNode();
            // One model: its float rewards as they are (what score writes); several: the mean.
            for (int i = 0; i < values[0].length; i++) {
                if (values.length == 1) a.add((float) values[0][i]);
                else a.add(mean(i));
            }
            return a;
        }

        ArrayNode stdArray() {
            ArrayNode a = JSON.arrayNode();
            for (int i = 0; i < values[0].length; i++) a.add(std(i));
            return a;
        }

        ArrayNode members() {
            ArrayNode a = JSON.arrayNode();
            for (int i = 0; i < values[0].length; i++) {
                ArrayNode row = a.addArray();
                for (double[] m : values) row.add((float) m[i]);
            }
            return a;
        }
    }
}
