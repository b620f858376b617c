package dev.rlhf4j.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rlhf4j.data.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What the RL half of the controlled task needs besides preference pairs: prompt sets for PPO (train and
 * held-out, disjoint by text) and SFT demonstrations (a prompt and one of its candidate responses drawn
 * uniformly, so of mixed quality: RL has room to improve on gold). Prompt texts are split by a hash of the text:
 * a quarter of the task's prompt space is held out, so held-out prompts never appear among the train prompts or
 * demonstrations. Some families have few distinct prompts (tone and verbosity 48, benign 84, facts 96, harmful 98;
 * arithmetic thousands), so a large set repeats texts of those families; a set repeats a text only once its
 * family's share of the space is used up.
 */
public final class RlSets {
    private RlSets() {}

    private static final ObjectMapper JSON = Json.MAPPER;

    /** A prompt of the task: {@code id}, text and family. */
    public record Prompt(String id, String prompt, Family family) {}

    /** A supervised example: a prompt, a response and the response's gold reward. */
    public record Demonstration(String id, String prompt, String response, Family family, double gold) {}

    /** The three sets, written by {@link #write}. */
    public record Sets(List<Prompt> train, List<Prompt> heldout, List<Demonstration> sft) {}

    public static final String TRAIN_PROMPTS = "prompts_train.jsonl";
    public static final String HELDOUT_PROMPTS = "prompts_heldout.jsonl";
    public static final String SFT = "sft.jsonl";

    /** Draws the sets from {@code seed} (families in equal shares, in a shuffled order). */
    public static Sets generate(int trainPrompts, int heldoutPrompts, int demonstrations, long seed) {
        List<Prompt> heldout = prompts("heldout", heldoutPrompts, new SplittableRandom(seed ^ 0x4E1D0L), true);
        List<Prompt> train = prompts("train", trainPrompts, new SplittableRandom(seed ^ 0x7A1FL), false);
        List<Demonstration> sft = new ArrayList<>(demonstrations);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5F7L);
        Family[] fams = familyOrder(demonstrations, r);
        GoldReward gold = new GoldReward();
        for (int i = 0; i < demonstrations; i++) {
            Candidates.Item item = draw(fams[i], r, false, Set.of());
            String resp = item.responses().get(r.nextInt(item.responses().size()));
            sft.add(new Demonstration(String.format(Locale.ROOT, "sft-%06d", i + 1), item.prompt(), resp, fams[i],
                    gold.score(item.prompt(), resp)));
        }
        return new Sets(train, heldout, sft);
    }

    /**
     * Texts of the task's language for building a policy vocabulary: the prompts and every candidate response of
     * {@code draws} draws per family.
     */
    public static List<String> corpus(int draws, long seed) {
        List<String> out = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (Family f : Family.values()) {
            for (int i = 0; i < draws; i++) {
                Candidates.Item item = Candidates.draw(f, r);
                out.add(item.prompt());
                out.addAll(item.responses());
            }
        }
        return out;
    }

    /** Share of the prompt space held out. */
    public static final double HELDOUT_SHARE = 0.25;

    /** Whether a prompt text belongs to the held-out part of the prompt space. */
    public static boolean heldOut(String prompt) {
        return dev.rlhf4j.data.Split.unit("rl-heldout:" + prompt) < HELDOUT_SHARE;
    }

    private static List<Prompt> prompts(String tag, int n, SplittableRandom r, boolean heldout) {
        Family[] fams = familyOrder(n, r);
        List<Prompt> out = new ArrayList<>(n);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Candidates.Item item = draw(fams[i], r, heldout, seen);
            seen.add(item.prompt());
            out.add(new Prompt(String.format(Locale.ROOT, "%s-%06d", tag, i + 1), item.prompt(), fams[i]));
        }
        return out;
    }

    /** A draw from the held-out (or the other) part of the prompt space, preferably a text not in {@code seen}. */
    private static Candidates.Item draw(Family f, SplittableRandom r, boolean heldout, Set<String> seen) {
        Candidates.Item repeat = null;
        for (int attempt = 0; attempt < 2000; attempt++) {
            Candidates.Item item = Candidates.draw(f, r);
            if (heldOut(item.prompt()) != heldout) continue;
            if (!seen.contains(item.prompt())) return item;
            if (repeat == null) repeat = item;
        }
        if (repeat != null) return repeat; // the family's prompts are exhausted: a repeat within the set
        throw new IllegalStateException("no " + f.id() + " prompt found in the " + (heldout ? "held-out" : "training")
                + " part of the prompt space after 2000 draws");
    }

    private static Family[] familyOrder(int n, SplittableRandom r) {
        Family[] all = Family.values();
        Family[] seq = new Family[n];
        for (int i = 0; i < n; i++) seq[i] = all[i % all.length];
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Family t = seq[i];
            seq[i] = seq[j];
            seq[j] = t;
        }
        return seq;
    }

    /** Writes {@code prompts_train.jsonl}, {@code prompts_heldout.jsonl} and {@code sft.jsonl} into {@code dir}. */
    public static void write(Sets sets, Path dir) {
        try {
            Files.createDirectories(dir);
            List<String> lines = new ArrayList<>();
            for (Prompt p : sets.train()) lines.add(line(p));
            writeLines(dir.resolve(TRAIN_PROMPTS), lines);
            lines.clear();
            for (Prompt p : sets.heldout()) lines.add(line(p));
            writeLines(dir.resolve(HELDOUT_PROMPTS), lines);
            lines.clear();
            for (Demonstration d : sets.sft()) {
                ObjectNode o = JSON.createObjectNode();
                o.put("id", d.id());
                o.put("prompt", d.prompt());
                o.put("response", d.response());
                o.put("family", d.family().id());
                o.put("gold", d.gold());
                lines.add(JSON.writeValueAsString(o));
            }
            writeLines(dir.resolve(SFT), lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String line(Prompt p) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", p.id());
        o.put("prompt", p.prompt());
        o.put("family", p.family().id());
        return JSON.writeValueAsString(o);
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (String l : lines) {
                w.write(l);
                w.write('\n');
            }
        }
    }
}
