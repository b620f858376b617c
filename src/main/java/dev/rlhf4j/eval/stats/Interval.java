package dev.rlhf4j.eval.stats;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * A point estimate and its bootstrap interval.
 *
 * @param estimate the statistic on the data as observed
 * @param low      lower end of the interval (percentile of the bootstrap replicates)
 * @param high     upper end
 * @param pValue   two-sided bootstrap p-value of "the statistic is 0": twice the smaller tail of the replicates
 *                 on either side of 0 (NaN when not asked for)
 */
public record Interval(double estimate, double low, double high, double pValue) {
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        put(o, "estimate", estimate);
        put(o, "ci_low", low);
        put(o, "ci_high", high);
        if (!Double.isNaN(pValue)) o.put("p_bootstrap", pValue);
        return o;
    }

    /** Whether the interval lies wholly on one side of 0. */
    public boolean excludesZero() {
        return low > 0 || high < 0;
    }

    /** {@code 0.123 [0.101, 0.145]}, every value times {@code scale}. */
    public String format(double scale, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", estimate * scale, low * scale, high * scale);
    }

    private static void put(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v);
        else o.putNull(k);
    }
}
