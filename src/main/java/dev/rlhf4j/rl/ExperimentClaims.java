package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.stats.Interval;
import dev.rlhf4j.eval.stats.StudentT;

import java.util.List;
import java.util.Locale;

/**
 * The table of an {@link Experiment}: per comparison, one value per seed, their mean and its 95% t interval over
 * seeds (seeds are the independent replicates: each reruns PPO, MetaRM's sampling and judging), and beside it the
 * same metric's interval over the A/A arm (the same configuration with another PPO seed), the spread a null effect
 * shows.
 */
public final class ExperimentClaims {
    private ExperimentClaims() {}

    public static final double LEVEL = 0.95;

    /**
     * One comparison over seeds.
     *
     * @param name        what is compared ("Flip+Margin PPO vs baseline PPO")
     * @param metric      the metric's name ("judge.mean_gold_difference")
     * @param seeds       the seeds, in order
     * @param perSeed     the metric per seed (NaN where a seed has none)
     * @param nullPerSeed the same metric on the A/A arm per seed, or null where the experiment has no A/A counterpart
     * @param nullSource  how the null values were made, or why there are none
     */
    public record Comparison(String name, String metric, long[] seeds, double[] perSeed, double[] nullPerSeed, String nullSource) {
        public Comparison {
            if (seeds.length != perSeed.length) throw new IllegalArgumentException(name + ": " + seeds.length + " seeds, " + perSeed.length + " values");
            if (nullPerSeed != null && nullPerSeed.length != perSeed.length) {
                throw new IllegalArgumentException(name + ": " + perSeed.length + " values, " + nullPerSeed.length + " null values");
            }
        }
    }

    /** One comparison as a claims.json entry. */
    public static ObjectNode claim(Comparison c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", c.name());
        o.put("metric", c.metric());
        Interval i = StudentT.meanInterval(c.perSeed(), LEVEL);
        put(o, "mean", i.estimate());
        put(o, "ci_low", i.low());
        put(o, "ci_high", i.high());
        int n = 0;
        for (double v : c.perSeed()) if (!Double.isNaN(v)) n++;
        o.put("n_seeds", n);
        ArrayNode seeds = o.putArray("seeds");
        for (long s : c.seeds()) seeds.add(s);
        ArrayNode per = o.putArray("per_seed");
        for (double v : c.perSeed()) {
            if (Double.isNaN(v)) per.addNull();
            else per.add(v);
        }
        Interval nul = c.nullPerSeed() == null ? new Interval(Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                : StudentT.meanInterval(c.nullPerSeed(), LEVEL);
        put(o, "null_mean", nul.estimate());
        put(o, "null_ci_low", nul.low());
        put(o, "null_ci_high", nul.high());
        ArrayNode nulPer = o.putArray("null_per_seed");
        if (c.nullPerSeed() != null) {
            for (double v : c.nullPerSeed()) {
                if (Double.isNaN(v)) nulPer.addNull();
                else nulPer.add(v);
            }
        }
        o.put("null_source", c.nullSource());
        o.put("interval", "95% Student t over seeds: mean ± t(0.975, n − 1)·s/√n");
        o.put("excludes_zero", i.excludesZero());
        return o;
    }

    /** Every comparison, in order. */
    public static ArrayNode claims(List<Comparison> cs) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Comparison c : cs) a.add(claim(c));
        return a;
    }

    /** The claims as a markdown table: comparison, metric, mean [interval], A/A null [interval], per-seed values. */
    public static String table(JsonNode claims) {
        StringBuilder b = new StringBuilder();
        b.append("| comparison | metric | mean over seeds [95% t interval] | n | A/A null [95% t interval] | per seed |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (JsonNode c : claims) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s |%n", c.path("name").asText(), c.path("metric").asText(),
                    fmt(c, "mean", "ci_low", "ci_high"), c.path("n_seeds").asInt(), fmt(c, "null_mean", "null_ci_low", "null_ci_high"), perSeed(c, "%+.4f")));
        }
        return b.toString();
    }

    /** mean [low, high] signed to 4 decimals, from a row {@link #put} wrote (numbers or null); "-" without a mean. */
    static String fmt(JsonNode c, String mean, String low, String high) {
        if (c.path(mean).isNull() || c.path(mean).isMissingNode()) return "-";
        String m = String.format(Locale.ROOT, "%+.4f", c.path(mean).asDouble());
        if (c.path(low).isNull() || c.path(low).isMissingNode()) return m;
        return m + String.format(Locale.ROOT, " [%+.4f, %+.4f]", c.path(low).asDouble(), c.path(high).asDouble());
    }

    /** A row's per-seed values, each formatted with {@code f} ("-" for a seed without one), comma-separated. */
    static String perSeed(JsonNode row, String f) {
        StringBuilder per = new StringBuilder();
        for (JsonNode v : row.path("per_seed")) {
            if (per.length() > 0) per.append(", ");
            per.append(v.isNull() ? "-" : String.format(Locale.ROOT, f, v.asDouble()));
        }
        return per.toString();
    }

    static void put(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }
}
