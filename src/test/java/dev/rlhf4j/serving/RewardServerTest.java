package dev.rlhf4j.serving;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.cli.Main;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The reward server against {@code rlhf4j score} on the same checkpoints and texts (a tiny random BERT and the
 * hf-tiny Llama reward model), its ensemble statistics, its refusals, its key and its graceful stop.
 */
class RewardServerTest {
    @TempDir static Path dir;
    static Path encoderDir, encoder2Dir, decoderDir;
    static ServedModel encoder, encoder2, decoder;

    static final String[][] TEXTS = {
            {"What is 7 + 5?", "It is 12."},
            {"What is 7 + 5?", "It is 75, I think, but I am not sure."},
            {"Hi", "Hello! How can I help you today?"},
            {"Tell me a joke about cats.", "Why did the cat sit on the computer? To keep an eye on the mouse."},
            {"How do I boil an egg?", "Put it in boiling water for nine minutes, then cool it in cold water."},
    };

    @BeforeAll
    static void models() {
        encoderDir = save(1, "tiny-a");
        encoder2Dir = save(2, "tiny-b");
        decoderDir = SharedFiles.get("models/hf-tiny/llama-rm");
        encoder = ServedModel.load(encoderDir, Device.cpu());
        encoder2 = ServedModel.load(encoder2Dir, Device.cpu());
        decoder = ServedModel.load(decoderDir, Device.cpu());
    }

    static Path save(long seed, String name) {
        try (RewardModel m = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 64, seed)) {
            RewardModels.save(m, dir.resolve(name), null);
        }
        return dir.resolve(name);
    }

    @AfterAll
    static void close() {
        for (ServedModel m : new ServedModel[] {encoder, encoder2, decoder}) if (m != null) m.model().close();
    }

    static String transcript(String[] t) {
        return "Human: " + t[0] + "\n\nAssistant: " + t[1];
    }

    /** Rewards {@code rlhf4j score} writes for {prompt, response} records and for pairs (chosen, rejected). */
    static final java.util.Map<Path, float[][]> SCORED = new java.util.HashMap<>();

    static synchronized float[][] scoreCommand(Path model) throws Exception {
        if (!SCORED.containsKey(model)) SCORED.put(model, runScore(model));
        return SCORED.get(model);
    }

    static float[][] runScore(Path model) throws Exception {
        Path singles = dir.resolve("singles.jsonl"), pairs = dir.resolve("pairs.jsonl");
        List<ObjectNode> s = new ArrayList<>(), p = new ArrayList<>();
        for (int i = 0; i < TEXTS.length; i++) {
            s.add(JsonNodeFactory.instance.objectNode().put("prompt", TEXTS[i][0]).put("response", TEXTS[i][1]));
            p.add(JsonNodeFactory.instance.objectNode().put("prompt", TEXTS[i][0]).put("chosen", TEXTS[i][1])
                    .put("rejected", TEXTS[(i + 1) % TEXTS.length][1]));
        }
        Jsonl.write(singles, s);
        Jsonl.write(pairs, p);
        Path o1 = dir.resolve("scored-singles.jsonl"), o2 = dir.resolve("scored-pairs.jsonl");
        assertThat(Main.execute("score", "--model", model.toString(), "--data", singles.toString(), "--out", o1.toString())).isZero();
        assertThat(Main.execute("score", "--model", model.toString(), "--data", pairs.toString(), "--out", o2.toString())).isZero();
        List<JsonNode> r1 = readJsonl(o1), r2 = readJsonl(o2);
        float[][] out = new float[3][TEXTS.length];
        for (int i = 0; i < TEXTS.length; i++) {
            out[0][i] = (float) r1.get(i).path("reward").asDouble();
            out[1][i] = (float) r2.get(i).path("chosen_reward").asDouble();
            out[2][i] = (float) r2.get(i).path("rejected_reward").asDouble();
        }
        return out;
    }

    static List<JsonNode> readJsonl(Path f) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(Json.MAPPER.readTree(l));
        return out;
    }

    static void assertClose(JsonNode got, float[] want, String what) {
        assertThat(got.isArray()).as(what + " is an array: " + got).isTrue();
        assertThat(got.size()).as(what).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(got.get(i).asDouble()).as(what + "[" + i + "]").isCloseTo(want[i], within(1e-5));
        }
    }

    static String queries(boolean withPrompts) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode q = o.putArray("query"), p = o.putArray("prompts");
        for (String[] t : TEXTS) {
            if (withPrompts) {
                q.add(t[0] + t[1]);
                p.add(t[0]);
            } else {
                q.add(transcript(t));
            }
        }
        if (!withPrompts) o.remove("prompts");
        return o.toString();
    }

    static String singles() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (String[] t : TEXTS) a.addObject().put("prompt", t[0]).put("response", t[1]);
        return a.toString();
    }

    static String pairs() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < TEXTS.length; i++) {
            a.addObject().put("prompt", TEXTS[i][0]).put("chosen", TEXTS[i][1]).put("rejected", TEXTS[(i + 1) % TEXTS.length][1]);
        }
        return a.toString();
    }

    @Test
    void encoderRewardsEqualTheScoreCommand() throws Exception {
        float[][] want = scoreCommand(encoderDir);
        try (RewardServer s = RewardServer.start(List.of(encoder), ServerConfig.loopback(0))) {
            assertClose(Http.post(s.url() + "/v1/score", singles()).json().path("rewards"), want[0], "/v1/score rewards");
            JsonNode p = Http.post(s.url() + "/v1/score", pairs()).json();
            assertClose(p.path("chosen_rewards"), want[1], "chosen");
            assertClose(p.path("rejected_rewards"), want[2], "rejected");
            // A Human:/Assistant: transcript is split into context and response, as score reads {prompt, response}.
            JsonNode g = Http.post(s.url() + "/get_reward", queries(false)).json();
            assertClose(g.path("rewards"), want[0], "/get_reward transcripts");
            assertClose(g.path("scores"), want[0], "/get_reward scores");
            // OpenRLHF's prompts field: the query minus its prompt is the response.
            assertClose(Http.post(s.url() + "/get_reward", queries(true)).json().path("rewards"), want[0], "/get_reward with prompts");
        }
    }

    @Test
    void decoderRewardsEqualTheScoreCommandAndTransformers() throws Exception {
        float[][] want = scoreCommand(decoderDir);
        try (RewardServer s = RewardServer.start(List.of(decoder), ServerConfig.loopback(0))) {
            assertClose(Http.post(s.url() + "/v1/score", singles()).json().path("rewards"), want[0], "/v1/score rewards");
            JsonNode p = Http.post(s.url() + "/v1/score", pairs()).json();
            assertClose(p.path("chosen_rewards"), want[1], "chosen");
            assertClose(p.path("rejected_rewards"), want[2], "rejected");
            // A decoder scores the full text as sent: score renders {prompt, response} as this very transcript.
            assertClose(Http.post(s.url() + "/get_reward", queries(false)).json().path("rewards"), want[0], "/get_reward");
            // ... and gives transformers' rewards on the golden texts (BOS text EOS).
            JsonNode golden = Json.MAPPER.readTree(decoderDir.resolve("golden.json").toFile());
            ObjectNode q = JsonNodeFactory.instance.objectNode();
            q.set("query", golden.path("texts"));
            JsonNode got = Http.post(s.url() + "/get_reward", q.toString()).json().path("rewards");
            for (int i = 0; i < golden.path("rewards").size(); i++) {
                assertThat(got.get(i).asDouble()).as("golden " + i).isCloseTo(golden.path("rewards").get(i).asDouble(), within(1e-4));
            }
        }
    }

    @Test
    void anEnsembleGivesTheMeanAndSpreadOfItsMembers() throws Exception {
        float[][] a = scoreCommand(encoderDir), b = scoreCommand(encoder2Dir);
        try (RewardServer s = RewardServer.start(List.of(encoder, encoder2), ServerConfig.loopback(0))) {
            JsonNode r = Http.post(s.url() + "/v1/score", singles()).json();
            JsonNode p = Http.post(s.url() + "/v1/score", pairs()).json();
            JsonNode g = Http.post(s.url() + "/get_reward", queries(false)).json();
            assertThat(r.path("models").toString()).isEqualTo("[\"tiny-a\",\"tiny-b\"]");
            for (int i = 0; i < TEXTS.length; i++) {
                double mean = (a[0][i] + b[0][i]) / 2.0, std = Math.abs(a[0][i] - b[0][i]) / 2.0;
                assertThat(r.path("rewards").get(i).asDouble()).isCloseTo(mean, within(1e-5));
                assertThat(r.path("reward_std").get(i).asDouble()).isCloseTo(std, within(1e-5));
                assertThat(r.path("member_rewards").get(i).get(1).asDouble()).isCloseTo(b[0][i], within(1e-5));
                assertThat(g.path("rewards").get(i).asDouble()).isCloseTo(mean, within(1e-5));
                assertThat(g.path("extra_logs").path("reward_std").get(i).asDouble()).isCloseTo(std, within(1e-5));
                double da = a[1][i] - a[2][i], db = b[1][i] - b[2][i];
                assertThat(p.path("chosen_rewards").get(i).asDouble()).isCloseTo((a[1][i] + b[1][i]) / 2.0, within(1e-5));
                assertThat(p.path("difference_mean").get(i).asDouble()).isCloseTo((da + db) / 2, within(1e-5));
                assertThat(p.path("difference_std").get(i).asDouble()).isCloseTo(Math.abs(da - db) / 2, within(1e-5));
            }
            JsonNode models = Http.get(s.url() + "/v1/models", null).json();
            assertThat(models.path("ensemble").asBoolean()).isTrue();
            assertThat(models.path("models").get(0).path("kind").asText()).isEqualTo("encoder");
            assertThat(models.path("models").get(0).path("backbone").asText()).isEqualTo("random");
        }
    }

    /** Each malformed request gets a 4xx with a reason, and the server answers /health after each. */
    @Test
    void badRequestsGetA4xxWithAReasonAndTheServerKeepsServing() throws Exception {
        ServerConfig cfg = ServerConfig.loopback(0).withLimits(64 * 1024, 8);
        String deep = "[".repeat(5000) + "]".repeat(5000);
        byte[] badUtf8 = {'{', '"', 'q', 'u', 'e', 'r', 'y', '"', ':', '[', '"', (byte) 0xC3, (byte) 0x28, '"', ']', '}'};
        String nine = "{\"query\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}";
        String big = "{\"query\": [\"" + "x".repeat(100 * 1024) + "\"]}";
        Object[][] cases = {
                {"/get_reward", "{not json", 400, "malformed JSON"},
                {"/get_reward", "", 400, "empty body"},
                {"/get_reward", "[1, 2]", 400, "JSON object"},
                {"/get_reward", "{}", 400, "'query' is missing"},
                {"/get_reward", "{\"query\": \"one text\"}", 400, "must be an array"},
                {"/get_reward", "{\"query\": []}", 400, "empty"},
                {"/get_reward", "{\"query\": [1]}", 400, "query[0] must be a string"},
                {"/get_reward", "{\"query\": [\"a\", null]}", 400, "query[1] is null"},
                {"/get_reward", "{\"query\": [\"a\"], \"prompts\": [\"a\", \"b\"]}", 400, "'prompts' has 2 entries"},
                {"/get_reward", "{\"query\": [\"a\"], \"prompts\": [3]}", 400, "prompts[0] must be a string"},
                {"/get_reward", "{\"query\": [\"a\"]} trailing", 400, "malformed JSON"},
                {"/get_reward", "{\"query\": [\"a\"], \"query\": [\"b\"]}", 400, "Duplicate field"},
                {"/get_reward", badUtf8, 400, "malformed JSON"},
                {"/get_reward", deep, 400, "malformed JSON"},
                {"/get_reward", nine, 413, "at most 8"},
                {"/get_reward", big, 413, "over the limit"},
                {"/v1/score", "\"a text\"", 400, "expected an array"},
                {"/v1/score", "[]", 400, "empty"},
                {"/v1/score", "[{\"prompt\": \"p\"}]", 400, "items[0].response is missing"},
                {"/v1/score", "[{\"response\": \"r\"}]", 400, "items[0].prompt is missing"},
                {"/v1/score", "[{\"prompt\": null, \"response\": \"r\"}]", 400, "items[0].prompt is null"},
                {"/v1/score", "[{\"prompt\": \"p\", \"response\": 5}]", 400, "items[0].response must be a string"},
                {"/v1/score", "[{\"prompt\": \"p\", \"response\": \"r\"}, {\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}]", 400, "one kind"},
                {"/v1/score", "[{\"prompt\": \"p\", \"chosen\": \"a\"}]", 400, "items[0].rejected is missing"},
                {"/v1/score", "[\"just text\"]", 400, "items[0] must be an object"},
                {"/v1/score", "[{\"prompt\": \"p\", \"chosen\": [{\"role\": \"robot\", \"content\": \"x\"}], \"rejected\": \"b\"}]", 400, "robot"},
                {"/v1/score", "{\"items\": 3}", 400, "expected an array"},
                {"GET /get_reward", null, 405, "not allowed"},
                {"/no/such/path", "{}", 404, "no such endpoint"},
        };
        try (RewardServer s = RewardServer.start(List.of(encoder), cfg)) {
            for (Object[] c : cases) {
                String path = (String) c[0];
                Http.Answer a = path.startsWith("GET ") ? Http.get(s.url() + path.substring(4), null)
                        : Http.post(s.url() + path, c[1] instanceof byte[] b ? b : ((String) c[1]).getBytes(StandardCharsets.UTF_8), null);
                String what = path + " " + (c[1] instanceof String str ? str.substring(0, Math.min(60, str.length())) : "bytes");
                assertThat(a.status()).as(what + " -> " + a.body()).isEqualTo((int) c[2]);
                assertThat(a.json().path("error").asText()).as(what).contains((String) c[3]);
                Http.Answer h = Http.get(s.url() + "/health", null);
                assertThat(h.status()).as("health after " + what).isEqualTo(200);
            }
            System.out.println(cases.length + " kinds of bad request refused with a reason; /health answered after each");
            assertThat(Http.post(s.url() + "/get_reward", queries(false)).status()).isEqualTo(200);
        }
    }

    /**
     * Over-limit bodies, declared or chunked, small and large, sent back to back: each gets its 413 with the
     * reason (none goes unanswered, however the server's and the client's threads interleave), and the
     * connection stays usable.
     */
    @Test
    void everyOversizedBodyGetsItsAnswer() throws Exception {
        ServerConfig cfg = ServerConfig.loopback(0).withLimits(64 * 1024, 8);
        try (RewardServer s = RewardServer.start(List.of(encoder), cfg)) {
            for (int round = 0; round < 20; round++) {
                int size = (round % 4 + 1) * 300 * 1024; // 300 KiB .. 1.2 MiB against a 64 KiB limit
                byte[] body = ("{\"query\": [\"" + "y".repeat(size) + "\"]}").getBytes(StandardCharsets.UTF_8);
                Http.Answer a = round % 2 == 0 ? Http.post(s.url() + "/get_reward", body, null)
                        : Http.postChunked(s.url() + "/get_reward", body);
                assertThat(a.status()).as("round " + round + ": " + a.body()).isEqualTo(413);
                assertThat(a.json().path("error").asText()).contains("over the limit of 65536");
                assertThat(Http.get(s.url() + "/health", null).status()).isEqualTo(200);
            }
        }
    }

    /** A text past the model's input budget is scored on what fits, and the answer says which items were cut. */
    @Test
    void truncatedTextsAreFlaggedInTheAnswer() throws Exception {
        String longResponse = "word ".repeat(500); // far past the tiny model's 64 tokens
        ArrayNode q = JsonNodeFactory.instance.arrayNode();
        q.add(transcript(TEXTS[0])).add("Human: Hi\n\nAssistant: " + longResponse);
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("query", q);
        ArrayNode singles = JsonNodeFactory.instance.arrayNode();
        singles.addObject().put("prompt", "Hi").put("response", longResponse);
        singles.addObject().put("prompt", TEXTS[0][0]).put("response", TEXTS[0][1]);
        ArrayNode pairs = JsonNodeFactory.instance.arrayNode();
        pairs.addObject().put("prompt", "Hi").put("chosen", "Hello.").put("rejected", longResponse);
        try (RewardServer s = RewardServer.start(List.of(encoder), ServerConfig.loopback(0))) {
            JsonNode g = Http.post(s.url() + "/get_reward", body.toString()).json();
            assertThat(g.path("truncated").toString()).isEqualTo("[false,true]");
            assertThat(g.path("rewards").size()).isEqualTo(2);
            JsonNode r = Http.post(s.url() + "/v1/score", singles.toString()).json();
            assertThat(r.path("truncated").toString()).isEqualTo("[true,false]");
            JsonNode p = Http.post(s.url() + "/v1/score", pairs.toString()).json();
            assertThat(p.path("chosen_truncated").toString()).isEqualTo("[false]");
            assertThat(p.path("rejected_truncated").toString()).isEqualTo("[true]");
        }
    }

    @Test
    void aNonLoopbackBindWithoutAKeyIsRefused() throws Exception {
        assertThatThrownBy(() -> RewardServer.start(List.of(encoder), ServerConfig.loopback(0).withHost("0.0.0.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--api-key-env")
                .hasMessageContaining("not a loopback address");
        // The command refuses before loading any model, with exit code 2.
        assertThat(Main.execute("serve", "--model", encoderDir.toString(), "--host", "0.0.0.0", "--port", "0"))
                .isEqualTo(Main.BAD_INPUT);
        assertThat(Main.execute("serve", "--model", encoderDir.toString(), "--api-key-env", "RLHF4J_NO_SUCH_VARIABLE_SET"))
                .isEqualTo(Main.BAD_INPUT);
    }

    @Test
    void withAKeyEveryEndpointButHealthNeedsIt() throws Exception {
        try (RewardServer s = RewardServer.start(List.of(encoder), ServerConfig.loopback(0).withApiKey("s3cret"))) {
            byte[] body = queries(false).getBytes(StandardCharsets.UTF_8);
            Http.Answer none = Http.post(s.url() + "/get_reward", body, null), wrong = Http.post(s.url() + "/get_reward", body, "nope");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.json().path("error").asText()).contains("Authorization");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(Http.get(s.url() + "/v1/models", null).status()).isEqualTo(401);
            assertThat(Http.post(s.url() + "/get_reward", body, "s3cret").status()).isEqualTo(200);
            assertThat(Http.get(s.url() + "/health", null).status()).isEqualTo(200);
        }
    }

    @Test
    void stopFinishesTheRequestsInFlight() throws Exception {
        // A long batching wait holds the request in the scoring queue while the server is told to stop.
        ServerConfig cfg = new ServerConfig(ServerConfig.LOOPBACK, 0, 1000, 400, 16, 1 << 20, 64, 10_000, null);
        RewardServer s = RewardServer.start(List.of(encoder), cfg);
        String url = s.url();
        CompletableFuture<Http.Answer> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.post(url + "/get_reward", queries(false));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < 200 && s.batcher().pending() == 0; i++) Thread.sleep(5);
        assertThat(s.batcher().pending()).as("request waiting for its rewards").isEqualTo(1);
        s.stop(10_000);
        Http.Answer a = inFlight.get();
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().path("rewards").size()).isEqualTo(TEXTS.length);
        assertThatThrownBy(() -> Http.get(url + "/health", null)).isInstanceOf(java.io.IOException.class);
    }

    @Test
    @Tag("slow") // slow tier: a load test, 800 requests
    void concurrentClientsAreBatchedWithoutErrors() throws Exception {
        List<String> texts = new ArrayList<>();
        for (String[] t : TEXTS) texts.add(transcript(t));
        try (RewardServer s = RewardServer.start(List.of(encoder), ServerConfig.loopback(0))) {
            LoadTest.Report r = LoadTest.run(s.url(), null, texts, 16, 50, 1);
            System.out.println("load test, tiny random BERT: " + r.summary());
            assertThat(r.errors()).as(r.errorSamples().toString()).isZero();
            assertThat(r.ok()).isEqualTo(16 * 50);
            assertThat(r.meanItemsPerBatch()).as("requests from concurrent clients share scoring rounds").isGreaterThan(1.0);
        }
    }
}
