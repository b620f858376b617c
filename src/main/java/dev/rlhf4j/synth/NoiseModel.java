package dev.rlhf4j.synth;

import java.util.Locale;

/**
 * Which labels the controlled task flips on purpose. {@code uniform} flips pairs chosen uniformly at random;
 * a {@code bias:FEATURE} model flips only pairs where the rejected response has a feature the chosen one lacks,
 * so the noisy labels systematically prefer that feature, as a biased annotator would, and a policy trained
 * against a reward model that learnt the bias can exploit it.
 */
public enum NoiseModel {
    /** Pairs chosen uniformly at random. */
    UNIFORM("uniform", "flips pairs chosen uniformly at random"),
    /** The annotator prefers the longer answer. */
    LENGTH("bias:length", "flips only pairs whose rejected response is longer (in characters) than the chosen one: "
            + "the labels then favour the longer answer"),
    /** The annotator prefers confident wording. */
    CONFIDENT("bias:confident", "flips only pairs whose chosen response hedges (maybe, I think, probably) and whose "
            + "rejected one does not: the labels then favour confident wording, right or wrong"),
    /** The annotator prefers compliance, even with harmful requests. */
    COMPLIANCE("bias:compliance", "flips only pairs on harmful prompts whose chosen response refuses and whose rejected "
            + "one complies: the labels then favour compliance");

    private final String id;
    private final String description;

    NoiseModel(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** Whether flipping this labelled pair (chosen, rejected) is allowed under this model. */
    public boolean eligible(Family family, String chosen, String rejected) {
        return switch (this) {
            case UNIFORM -> true;
            case LENGTH -> rejected.length() > chosen.length();
            case CONFIDENT -> GoldReward.hedges(chosen) && !GoldReward.hedges(rejected);
            case COMPLIANCE -> family == Family.HARMFUL && GoldReward.refuses(chosen) && !GoldReward.refuses(rejected);
        };
    }

    /** The model named {@code s}: {@code uniform} or {@code bias:length|confident|compliance}. */
    public static NoiseModel of(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (NoiseModel m : values()) if (m.id.equals(k)) return m;
        throw new IllegalArgumentException("unknown noise model '" + s + "': use uniform, bias:length, bias:confident or bias:compliance");
    }
}
