package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same seed gives byte-identical metrics (timing fields aside) and weights, whether a run is alone or has a busy
 * process beside it and a garbage collector running all the time. The collector is what moved runs apart: a freed Java
 * buffer still read by libtorch's backward pass (see {@code engine.Scalars}); collecting every few milliseconds and
 * refilling freed memory with NaN bytes makes any such read show at once instead of once in a few hundred steps.
 */
@Tag("slow")
class ReproducibleUnderLoadTest {
    static final List<Demonstrations.Example> demos = RlFixtures.DEMOS;
    static final List<String> prompts = RlFixtures.PROMPTS;
    static final Policies.Shape TINY = RlFixtures.TINY;
    static final SftConfig SFT = RlFixtures.sft(1);

    @Test
    void sftIsTheSameAloneAndUnderLoad(@TempDir Path dir) throws Exception {
        sft(dir.resolve("alone"));
        try (Load load = Load.start()) {
            sft(dir.resolve("loaded"));
        }
        assertSameRun(dir.resolve("alone"), dir.resolve("loaded"), "model.safetensors");
    }

    @Test
    void ppoIsTheSameAloneAndUnderLoad(@TempDir Path dir) throws Exception {
        Path sft = dir.resolve("sft");
        sft(sft);
        ppo(sft, dir.resolve("alone"));
        try (Load load = Load.start()) {
            ppo(sft, dir.resolve("loaded"));
        }
        assertSameRun(dir.resolve("alone"), dir.resolve("loaded"), "policy/model.safetensors");
    }

    /** 4 steps of 16 demonstrations, validated on 16 more. */
    private static void sft(Path out) {
        try (CausalLm p = Policies.scratch(TINY, demos, Device.cpu(), 3)) {
            new SftTrainer(p, SFT).fit(demos.subList(0, 64), demos.subList(144, 160), out, false, null);
        }
    }

    private static void ppo(Path sft, Path out) {
        PpoConfig cfg = PpoConfig.builder().iterations(2).promptsPerIter(4).rollouts(2).maxNewTokens(8).temperature(1.0)
                .topP(1.0).repetitionPenalty(1.0).klBeta(0.05).rewardClip(5.0).normalizeRewards(true).gamma(1.0)
                .lambda(0.95).clip(0.2).valueClip(0.2).epochs(2).minibatch(4).actorLr(3e-3).criticLr(3e-3).clipNorm(1.0)
                .seed(11).checkpointEvery(7).maxPromptTokens(32).build();
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu());
             ValueModel critic = ValueModel.fromActor(ref)) {
            new PpoTrainer(actor, ref, critic, new GoldRewardFunction(), null, cfg, demos.subList(0, 16))
                    .train(prompts, out, false, null);
        }
    }

    /** metrics.jsonl equal line by line without its timing fields, and the weights' bytes equal. */
    private static void assertSameRun(Path a, Path b, String weights) throws Exception {
        List<String> la = Files.readAllLines(a.resolve("metrics.jsonl")), lb = Files.readAllLines(b.resolve("metrics.jsonl"));
        assertThat(la).isNotEmpty();
        assertThat(lb).hasSameSizeAs(la);
        for (int i = 0; i < la.size(); i++) {
            assertThat(withoutTiming(lb.get(i))).as("metrics line %d", i + 1).isEqualTo(withoutTiming(la.get(i)));
        }
        assertThat(Files.readAllBytes(b.resolve(weights))).as(weights).isEqualTo(Files.readAllBytes(a.resolve(weights)));
    }

    /** A metrics line without the fields that measure time (seconds, rates), which no two runs share. */
    static String withoutTiming(String line) throws Exception {
        ObjectNode o = (ObjectNode) Json.MAPPER.readTree(line);
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.endsWith("_s") || f.endsWith("_seconds") || f.endsWith("per_s")) it.remove();
        }
        JsonNode n = o;
        return Json.MAPPER.writeValueAsString(n);
    }

    /**
     * A busy process on the cores and, in this JVM, a thread that collects garbage every few milliseconds and fills
     * the freed native memory again with NaN bytes. Stops when closed (and the process within a minute regardless).
     */
    record Load(Process busy, Thread churn, AtomicBoolean stop) implements AutoCloseable {
        static Load start() throws Exception {
            Process busy = new ProcessBuilder("timeout", "60", "sh", "-c", "while :; do :; done").start();
            AtomicBoolean stop = new AtomicBoolean();
            Thread churn = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(1);
                List<ByteBuffer> held = new ArrayList<>();
                while (!stop.get()) {
                    System.gc();
                    held.clear();
                    for (int i = 0; i < 64; i++) { // small blocks: what the freed 0-d constants were
                        ByteBuffer b = ByteBuffer.allocateDirect(4 + r.nextInt(60));
                        while (b.hasRemaining()) b.put((byte) 0xFF); // 0xFFFFFFFF is a NaN float
                        held.add(b);
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "gc-churn");
            churn.setDaemon(true);
            churn.start();
            return new Load(busy, churn, stop);
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            churn.join(10_000);
            busy.destroy(); // SIGTERM: timeout passes it on to the loop
            if (!busy.waitFor(10, TimeUnit.SECONDS)) busy.destroyForcibly();
        }
    }
}
