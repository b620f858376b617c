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
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.RewardNormalization;
import dev.rlhf4j.rl.RewardModelFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code calibrate --normalize} on a tiny model and a reference set of real pairs: the checkpoint gets OpenRLHF's keys
 * with the raw rewards' mean and std, and the rewards that leave it through {@code score}, the server and PPO's reward
 * function have mean 0 and (unbiased) std 1 on that set.
 */
class NormalizedRewardsTest {
    static final int PAIRS = 40;

    @Test
    void aNormalisedModelsRewardsHaveMeanZeroAndStdOneOnItsReferenceSet(@TempDir Path dir) throws Exception {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, PAIRS);
        // Plain {prompt, chosen, rejected} records, so the server's transcripts below are the same (context, response).
        List<ObjectNode> records = new ArrayList<>();
        for (PreferencePair p : pairs) {
            records.add(JsonNodeFactory.instance.objectNode().put("prompt", p.prompt().get(0).content())
                    .put("chosen", p.chosen()).put("rejected", p.rejected()));
        }
        Path data = dir.resolve("reference.jsonl");
        Jsonl.write(data, records);
        Path rm = dir.resolve("rm");
        float[] raw;
        try (RewardModel m = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 64, 7)) {
            RewardModels.save(m, rm, null);
            float[][] s = PairScorer.score(m, PreferenceDataset.load(data).pairs(), 16);
            raw = concat(s[0], s[1]);
        }
        double rawMean = mean(raw), rawStd = std(raw);
        assertThat(rawStd).as("the tiny model's rewards must vary for the test to mean anything").isGreaterThan(1e-4);

        assertThat(Main.execute("calibrate", "--normalize", "--model", rm.toString(), "--data", data.toString())).isZero();
        JsonNode cfg = Json.MAPPER.readTree(rm.resolve("config.json").toFile());
        assertThat(cfg.path("normalize_reward").asBoolean()).isTrue();
        assertThat(cfg.path("mean").asDouble()).isCloseTo(rawMean, within(1e-5));
        assertThat(cfg.path("std").asDouble()).isCloseTo(rawStd, within(1e-5));
        assertThat(cfg.has("calibration")).as("--normalize stores no temperature").isFalse();

        // score: both sides of every pair
        Path scored = dir.resolve("scored.jsonl");
        assertThat(Main.execute("score", "--model", rm.toString(), "--data", data.toString(), "--out", scored.toString())).isZero();
        float[] viaScore = rewardsOf(scored, "chosen_reward", "rejected_reward");
        assertStandardised(viaScore, "score");
        for (int i = 0; i < raw.length; i++) {
            assertThat((double) viaScore[i]).isCloseTo((raw[i] - rawMean) / rawStd, within(1e-4));
        }
        // --uncalibrated opts out: raw rewards
        Path rawOut = dir.resolve("raw.jsonl");
        assertThat(Main.execute("score", "--uncalibrated", "--model", rm.toString(), "--data", data.toString(),
                "--out", rawOut.toString())).isZero();
        float[] viaRaw = rewardsOf(rawOut, "chosen_reward", "rejected_reward");
        for (int i = 0; i < raw.length; i++) assertThat(viaRaw[i]).isCloseTo(raw[i], within(1e-5f));

        // the server: OpenRLHF's /get_reward on the same texts as transcripts
        ArrayNode q = JsonNodeFactory.instance.arrayNode();
        for (ObjectNode r : records) q.add("Human: " + r.get("prompt").asText() + "\n\nAssistant: " + r.get("chosen").asText());
        for (ObjectNode r : records) q.add("Human: " + r.get("prompt").asText() + "\n\nAssistant: " + r.get("rejected").asText());
        ServedModel served = ServedModel.load(rm, Device.cpu());
        try (RewardServer s = RewardServer.start(List.of(served), ServerConfig.loopback(0))) {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.set("query", q);
            JsonNode got = Http.post(s.url() + "/get_reward", body.toString()).json().path("rewards");
            assertThat(got.size()).isEqualTo(2 * PAIRS);
            float[] viaServer = new float[got.size()];
            for (int i = 0; i < viaServer.length; i++) viaServer[i] = (float) got.get(i).asDouble();
            assertStandardised(viaServer, "/get_reward");
            for (int i = 0; i < raw.length; i++) assertThat(viaServer[i]).isCloseTo(viaScore[i], within(1e-5f));
        } finally {
            served.model().close();
        }

        // PPO's reward function reads the model as every reader does; and a re-save keeps the normalisation
        try (RewardModel m = RewardModels.load(rm, Device.cpu())) {
            assertThat(m.normalization()).isEqualTo(new RewardNormalization(cfg.path("mean").asDouble(), cfg.path("std").asDouble()));
            List<String> prompts = new ArrayList<>(), responses = new ArrayList<>();
            for (ObjectNode r : records) {
                prompts.add(r.get("prompt").asText());
                responses.add(r.get("chosen").asText());
            }
            double[] ppo = new RewardModelFunction(m, "rm", 16, false).score(prompts, responses);
            for (int i = 0; i < PAIRS; i++) assertThat(ppo[i]).isCloseTo(viaScore[i], within(1e-5));
            Path again = dir.resolve("resaved");
            RewardModels.save(m, again, null);
            JsonNode cfg2 = Json.MAPPER.readTree(again.resolve("config.json").toFile());
            assertThat(cfg2.path("normalize_reward").asBoolean()).isTrue();
            assertThat(cfg2.path("mean").asDouble()).isEqualTo(cfg.path("mean").asDouble());
            assertThat(cfg2.path("std").asDouble()).isEqualTo(cfg.path("std").asDouble());
        }
    }

    static void assertStandardised(float[] r, String what) {
        assertThat(mean(r)).as(what + " mean").isCloseTo(0, within(1e-4));
        assertThat(std(r)).as(what + " std").isCloseTo(1, within(1e-4));
    }

    static float[] rewardsOf(Path file, String a, String b) throws Exception {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        float[] out = new float[2 * lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = Json.MAPPER.readTree(lines.get(i));
            out[i] = (float) n.path(a).asDouble();
            out[lines.size() + i] = (float) n.path(b).asDouble();
        }
        return out;
    }

    static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    }

    /** Unbiased (n − 1), as OpenRLHF's torch.std. */
    static double std(float[] x) {
        double m = mean(x), ss = 0;
        for (float v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (x.length - 1));
    }
}
