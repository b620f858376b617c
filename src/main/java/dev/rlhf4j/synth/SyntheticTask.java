package dev.rlhf4j.synth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Generates the controlled preference task: prompts from several {@link Family families}, varied
 * candidate responses, labels sampled from the {@link GoldReward} by Bradley–Terry, and a known set
 * of deliberately flipped labels.
 *
 * <p>Per pair: draw a prompt of the pair's family and six candidates; among the candidate pairs
 * with different gold rewards (ties are never emitted), toss a fair coin for whether the longer
 * (in characters) or the shorter response should be the gold winner and pick uniformly among the
 * pairs that satisfy it (so length alone does not predict gold); put the two in random order;
 * label a as chosen with probability σ((g_a − g_b)/T) (T = 0: the gold argmax). Then exactly
 * {@code round(N · flipRate)} pairs, chosen uniformly, have chosen and rejected swapped.
 *
 * <p>Each record holds {@code id} ({@code synth-000001}, …), {@code prompt}, {@code chosen},
 * {@code rejected}, {@code family}, {@code gold_chosen}, {@code gold_rejected} (gold rewards of the
 * responses as finally labelled) and {@code flipped}. The label before flipping agreed with gold iff
 * {@code (gold_chosen > gold_rejected) != flipped}.
 */
public final class SyntheticTask {
    private SyntheticTask() {}

    private static final ObjectMapper JSON = Json.MAPPER;

    /** The pairs of {@code cfg}; {@code file} is "synth", {@code line} the 1-based index. */
    public static List<PreferencePair> generate(SynthConfig cfg) {
        int n = cfg.pairs();
        SplittableRandom master = new SplittableRandom(cfg.seed());
        List<Family> fams = cfg.families();
        Family[] seq = new Family[n];
        for (int i = 0; i < n; i++) {
            seq[i] = fams.get(i % fams.size());
        }
        shuffle(seq, master);

        GoldReward gold = new GoldReward();
        String[] prompts = new String[n];
        String[] chosen = new String[n];
        String[] rejected = new String[n];
        double[] gc = new double[n];
        double[] gr = new double[n];
        for (int i = 0; i < n; i++) {
            SplittableRandom r = master.split();
            Drawn d = drawPair(seq[i], r, gold);
            boolean aWins;
            if (cfg.temperature() == 0) {
                aWins = d.ga > d.gb;
            } else {
                double p = 1.0 / (1.0 + Math.exp(-(d.ga - d.gb) / cfg.temperature()));
                aWins = r.nextDouble() < p;
            }
            prompts[i] = d.prompt;
            chosen[i] = aWins ? d.a : d.b;
            rejected[i] = aWins ? d.b : d.a;
            gc[i] = aWins ? d.ga : d.gb;
            gr[i] = aWins ? d.gb : d.ga;
        }

        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        shuffle(order, master);
        boolean[] flipped = new boolean[n];
        long flips = Math.round(n * cfg.flipRate());
        // Walk one uniform order and flip the first eligible pairs: for the uniform model every pair is eligible,
        // which keeps the files of earlier versions byte-identical.
        for (int i = 0, done = 0; i < n && done < flips; i++) {
            int k = order[i];
            if (cfg.noise().eligible(seq[k], chosen[k], rejected[k])) {
                flipped[k] = true;
                done++;
            }
        }

        List<PreferencePair> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String c = flipped[i] ? rejected[i] : chosen[i];
            String rj = flipped[i] ? chosen[i] : rejected[i];
            double g1 = flipped[i] ? gr[i] : gc[i];
            double g2 = flipped[i] ? gc[i] : gr[i];
            String id = String.format(Locale.ROOT, "synth-%06d", i + 1);
            ObjectNode rec = JSON.createObjectNode();
            rec.put("id", id);
            rec.put("prompt", prompts[i]);
            rec.put("chosen", c);
            rec.put("rejected", rj);
            rec.put("family", seq[i].id());
            rec.put("gold_chosen", g1);
            rec.put("gold_rejected", g2);
            rec.put("flipped", flipped[i]);
            out.add(new PreferencePair(id, List.of(Turn.user(prompts[i])), c, rj, rec, "synth", i + 1));
        }
        return out;
    }

    /** The records as JSON lines, in order (no trailing newlines). */
    public static List<String> toJsonLines(List<PreferencePair> pairs) {
        List<String> lines = new ArrayList<>(pairs.size());
        for (PreferencePair p : pairs) {
            try {
                lines.add(JSON.writeValueAsString(p.record()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return lines;
    }

    /** Writes the records as JSONL (UTF-8, one record per line, '\n' endings). */
    public static void write(List<PreferencePair> pairs, Path out) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (String line : toJsonLines(pairs)) {
                    w.write(line);
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ pair selection

    private record Drawn(String prompt, String a, String b, double ga, double gb) {}

    private static Drawn drawPair(Family f, SplittableRandom r, GoldReward gold) {
        for (int attempt = 0; ; attempt++) {
            Candidates.Item item = Candidates.draw(f, r);
            List<String> rs = item.responses();
            double[] g = new double[rs.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = gold.score(item.prompt(), rs.get(i));
            }
            boolean longerShouldWin = r.nextBoolean();
            List<int[]> wanted = new ArrayList<>();
            List<int[]> any = new ArrayList<>();
            for (int i = 0; i < g.length; i++) {
                for (int j = i + 1; j < g.length; j++) {
                    if (g[i] == g[j]) {
                        continue;
                    }
                    any.add(new int[] {i, j});
                    int li = rs.get(i).length();
                    int lj = rs.get(j).length();
                    if (li != lj && ((li > lj) == (g[i] > g[j])) == longerShouldWin) {
                        wanted.add(new int[] {i, j});
                    }
                }
            }
            List<int[]> pool = !wanted.isEmpty() ? wanted : any;
            if (pool.isEmpty()) {
                if (attempt > 1000) {
                    throw new IllegalStateException("no candidate pair with distinct gold rewards for " + f);
                }
                continue;
            }
            int[] ij = pool.get(r.nextInt(pool.size()));
            if (r.nextBoolean()) {
                ij = new int[] {ij[1], ij[0]};
            }
            return new Drawn(item.prompt(), rs.get(ij[0]), rs.get(ij[1]), g[ij[0]], g[ij[1]]);
        }
    }

    private static <T> void shuffle(T[] xs, SplittableRandom r) {
        for (int i = xs.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = xs[i];
            xs[i] = xs[j];
            xs[j] = t;
        }
    }
}
