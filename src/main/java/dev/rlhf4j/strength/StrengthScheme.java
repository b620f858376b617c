package dev.rlhf4j.strength;

/** How the ensemble members of a strength estimate are trained and which pairs each one scores. */
public enum StrengthScheme {
    /**
     * The paper's scheme: every member trains on all pairs, members differ in data order (and
     * head init); every member scores every pair, including those it trained on.
     */
    ORDER,
    /**
     * Cross-fitting: pairs are cut into M folds (by prompt hash); member m trains on the other folds and
     * scores only fold m. No pair is scored by a model that saw it, so each pair gets one score.
     */
    KFOLD,
    /**
     * Member m trains on a bootstrap resample (n draws with replacement) and scores its out-of-bag
     * pairs (about 37% of them), so each pair gets about 0.37·M scores, none from a model that saw it.
     */
    BOOTSTRAP;

    public static StrengthScheme parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown scheme '" + s + "' (expected order, kfold or bootstrap)");
        }
    }
}
