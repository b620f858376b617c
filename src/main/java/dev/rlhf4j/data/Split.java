package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A train/validation split. {@link #byHash} puts a pair in {@code valid} when the SHA-256 of its key
 * (UTF-8), read as a number in [0, 1), is below the fraction: the same on every machine and run,
 * pairs with the same key always on the same side, and a pair's side does not depend on the rest of
 * the file. Input order is kept within each side.
 */
public record Split(List<PreferencePair> train, List<PreferencePair> valid) {

    public Split {
        train = List.copyOf(train);
        valid = List.copyOf(valid);
    }

    /** Split by the hash of the prompt ({@link PreferencePair#promptText()}). */
    public static Split byHash(List<PreferencePair> pairs, double validFraction) {
        return byHash(pairs, validFraction, PreferencePair::promptText);
    }

    /** Split by the hash of {@code key}; pairs with equal keys land on the same side. */
    public static Split byHash(List<PreferencePair> pairs, double validFraction,
                               Function<PreferencePair, String> key) {
        if (!(validFraction >= 0 && validFraction <= 1)) {
            throw new IllegalArgumentException("validFraction must be in [0, 1], got " + validFraction);
        }
        List<PreferencePair> train = new ArrayList<>();
        List<PreferencePair> valid = new ArrayList<>();
        for (PreferencePair p : pairs) {
            (unit(key.apply(p)) < validFraction ? valid : train).add(p);
        }
        return new Split(train, valid);
    }

    /**
     * A key that reads a field of the record, e.g. {@code groupBy("tree")} to keep each oasst
     * message tree on one side. Strings and numbers are used as text, other values as their JSON.
     *
     * @throws DataException (when applied) naming {@code file:line} if the record lacks the field
     */
    public static Function<PreferencePair, String> groupBy(String field) {
        return p -> {
            JsonNode n = p.record().get(field);
            if (n == null || n.isNull()) {
                throw new DataException(p.file(), p.line(), "field '" + field + "' is "
                        + (n == null ? "missing" : "null") + "; it is needed to group the split");
            }
            return n.isValueNode() ? n.asText() : n.toString();
        };
    }

    /** The key's place in [0, 1): the first 53 bits of its SHA-256. */
    public static double unit(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return (ByteBuffer.wrap(h).getLong() >>> 11) * 0x1.0p-53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
