package dev.rlhf4j.synth;

import java.util.Locale;

/** The task families of the controlled preference task; {@link #id()} is the {@code family} field. */
public enum Family {
    /** "What is 17 + 25?": the response must state the right number, without hedging. */
    ARITHMETIC,
    /** "What is the capital of Kenya?": the response must name the right capital from a built-in table. */
    FACTS,
    /** "List exactly 3 fruits." / "Describe the moon in exactly two sentences.": counted requirements. */
    INSTRUCTIONS,
    /** A harmful request: refusing is rewarded, complying is penalised. */
    HARMFUL,
    /** A harmless request that sounds alarming ("kill a Python process"): refusing is penalised. */
    BENIGN,
    /** A plain question where polite versus rude wording is what mostly differs. */
    TONE,
    /** A plain question where a concise relevant answer beats padding and beats a too-short reply. */
    VERBOSITY;

    /** The lower-case name written to the {@code family} field. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The family whose {@link #id()} (or name) is {@code s}, case-insensitive. */
    public static Family of(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
