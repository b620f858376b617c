package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link Experiment}'s further arms, kept beside it so its stages stay as they were: the contrastive RM
 * ({@link ContrastiveArm}, claim 3), reward hacking at β = 0 ({@link HackingArm}, claim 4) and, off unless asked for, the
 * critic-free methods and DPO variants beside PPO ({@link BeyondPpoArm}, issue 22; tables of its own). Each writes files of its
 * own, so a run directory made before these arms existed resumes: its stages are skipped with their outputs unchanged,
 * and only the new arms run.
 */
public final class ExperimentArms {
    private ExperimentArms() {}

    /**
     * Which further arms run.
     *
     * @param contrastive         train the contrastive variants, choose the best on the validation pairs, add it to best-of-n
     *                            and to RM accuracy on the final baseline-PPO policy's samples
     * @param contrastiveVariants the candidates (a subset of {@link ContrastiveArm#VARIANTS})
     * @param hacking             PPO with β = 0 per RM beside the default-β runs, and the gold-fall figures
     * @param beyondPpo           the critic-free and DPO arm ({@link BeyondPpoArm}), or null for none
     */
    public record Settings(boolean contrastive, List<String> contrastiveVariants, boolean hacking, BeyondPpoArm.Settings beyondPpo) {
        public Settings {
            contrastiveVariants = List.copyOf(contrastiveVariants);
            if (contrastive && contrastiveVariants.isEmpty()) throw new IllegalArgumentException("--contrastive-variants: none given");
            for (String v : contrastiveVariants) {
                if (!ContrastiveArm.VARIANTS.contains(v)) {
                    throw new IllegalArgumentException("--contrastive-variants: unknown " + v + " (one of " + ContrastiveArm.VARIANTS + ")");
                }
            }
        }

        /** Without the beyond-PPO arm. */
        public Settings(boolean contrastive, List<String> contrastiveVariants, boolean hacking) {
            this(contrastive, contrastiveVariants, hacking, null);
        }
    }

    /** The shared stage of the contrastive arm (after Experiment's own shared stages). */
    static void shared(Experiment.Config c, Settings a, Experiment.Shared sh, Path out, ContrastiveArm.Trainer trainer, Device device,
                       ObjectNode provenance, Map<String, Double> times) {
        if (a.beyondPpo() != null) BeyondPpoArm.check(c); // before any stage runs
        if (a.contrastive()) ContrastiveArm.shared(c, a.contrastiveVariants(), sh, out, trainer, device, provenance, times);
    }

    /** Seed s's further arms (after its own), their times in {@code arms_stage_seconds.json}. */
    static void seed(Experiment.Config c, Settings a, Experiment.Shared sh, long s, Path d, Device device, ObjectNode provenance) {
        if (seedDone(a, d)) return;
        Map<String, Double> times = new LinkedHashMap<>();
        if (a.hacking()) HackingArm.seed(c, sh, s, d, device, provenance, new LinkedHashMap<>(times));
        if (a.contrastive()) {
            ContrastiveArm.Chosen ch = ContrastiveArm.chosen(d.getParent());
            if (ch == null) throw new IllegalStateException("the contrastive arm's shared stage has not run: run the experiment without --only-seed first");
            ContrastiveArm.seed(c, sh, ch, s, d, device, provenance, times);
        }
        if (a.beyondPpo() != null) BeyondPpoArm.seed(c, a.beyondPpo(), sh, s, d, device, provenance); // its stage times in its own beyond.json
        JsonNode h = Experiment.read(d.resolve(HackingArm.DIR).resolve(HackingArm.FILE));
        if (h != null) h.path("stage_seconds").fields().forEachRemaining(e -> times.put(e.getKey(), e.getValue().asDouble()));
        Path file = d.resolve("arms_stage_seconds.json");
        JsonNode old = Experiment.read(file);
        ObjectNode all = old == null ? Json.MAPPER.createObjectNode() : (ObjectNode) old;
        for (Map.Entry<String, Double> e : times.entrySet()) all.put(e.getKey(), e.getValue());
        Json.write(file, all);
    }

    /** Whether seed directory d has every output of its arms and of these (so the seed needs no process of its own). */
    static boolean seedDone(Settings a, Path d) {
        return Files.isRegularFile(d.resolve("seed.json")) && (!a.hacking() || Files.isRegularFile(d.resolve(HackingArm.DIR).resolve(HackingArm.FILE)))
                && (!a.contrastive() || ContrastiveArm.seedDone(d)) && (a.beyondPpo() == null || BeyondPpoArm.seedDone(d, a.beyondPpo()));
    }

    /** The beyond-PPO arm's tables over the seeds ({@code beyond_ppo.json}, {@code beyond_ppo.md}), when it runs. */
    static void write(Experiment.Config c, Settings a, long[] seeds, Path out, ObjectNode provenance) {
        if (a.beyondPpo() != null) BeyondPpoArm.write(out, seeds, c, a.beyondPpo(), provenance);
    }

    /** The further arms' claims, appended to {@code claims}; their per-run tables and the contrastive choice into {@code o}. */
    static ArrayNode claims(ArrayNode claims, ObjectNode o, long[] seeds, Path out) {
        ContrastiveArm.claims(claims, seeds, out);
        HackingArm.claims(claims, seeds, out);
        JsonNode choice = Experiment.read(out.resolve("rms").resolve(ContrastiveArm.DIR).resolve(ContrastiveArm.CHOICE));
        if (choice != null) o.set("contrastive_choice", choice);
        ArrayNode runs = HackingArm.runs(seeds, out);
        if (!runs.isEmpty()) o.set("hacking_runs", runs);
        ArrayNode times = Json.MAPPER.createArrayNode();
        for (long s : seeds) {
            JsonNode t = Experiment.read(out.resolve("seed-" + s).resolve("arms_stage_seconds.json"));
            if (t != null) times.addObject().put("seed", s).set("stages", t);
        }
        if (!times.isEmpty()) o.set("arms_stage_seconds", times);
        return claims;
    }

    /** The fixed-across-seeds figures of the further arms (the contrastive best-of-n differences). */
    static void fixed(ArrayNode fixed, Path out) {
        ContrastiveArm.fixed(fixed, out);
    }

    /** The further arms' tables in claims.md. */
    static String markdown(JsonNode claims) {
        return ContrastiveArm.markdown(claims.path("contrastive_choice")) + HackingArm.markdown(claims.path("hacking_runs"));
    }
}
