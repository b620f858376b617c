package dev.rlhf4j.text;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns (context, response) into model input under a token budget.
 *
 * <p>Layout for encoders with [CLS]/[SEP]: {@code [CLS] context [SEP] response [SEP]}, segment 0
 * for the context and 1 for the response. Without those tokens: {@code context response}.
 *
 * <p>Truncation keeps the final response whole where it fits (it may use all but a quarter of
 * the budget, the rest being kept for context) and drops the oldest dialogue turns first; the newest
 * turn, if it alone does not fit, keeps its end. A response longer than its share keeps its start.
 */
public final class SequenceEncoder {
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final boolean bertStyle;

    public SequenceEncoder(Tokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.bertStyle = tokenizer.clsId() >= 0 && tokenizer.sepId() >= 0;
        if (maxLength < (bertStyle ? 8 : 4)) {
            throw new IllegalArgumentException("max length " + maxLength + " is too small");
        }
    }

    public int maxLength() {
        return maxLength;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The text a turn is rendered as before tokenization. */
    public static String render(Turn t) {
        String who = switch (t.role()) {
            case Turn.USER -> "Human: ";
            case Turn.ASSISTANT -> "Assistant: ";
            default -> "System: ";
        };
        return who + t.content();
    }

    /** Chosen and rejected inputs of one pair. */
    public record EncodedPair(EncodedSequence chosen, EncodedSequence rejected) {}

    /** Encodes many pairs; tokenization is batched. */
    public List<EncodedPair> encodePairs(List<PreferencePair> pairs) {
        List<EncodedPair> out = new ArrayList<>(pairs.size());
        int chunk = 256;
        for (int start = 0; start < pairs.size(); start += chunk) {
            List<PreferencePair> part = pairs.subList(start, Math.min(pairs.size(), start + chunk));
            List<String> texts = new ArrayList<>();
            for (PreferencePair p : part) {
                for (Turn t : p.prompt()) texts.add(render(t));
                texts.add(p.chosen());
                texts.add(p.rejected());
            }
            int[][] ids = tokenizer.encodeAll(texts);
            int k = 0;
            for (PreferencePair p : part) {
                int[][] turns = Arrays.copyOfRange(ids, k, k + p.prompt().size());
                k += p.prompt().size();
                EncodedSequence c = assemble(turns, ids[k++]);
                EncodedSequence r = assemble(turns, ids[k++]);
                out.add(new EncodedPair(c, r));
            }
        }
        return out;
    }

    /** Encodes single (context, response) inputs, e.g. for scoring policy samples. */
    public List<EncodedSequence> encode(List<List<Turn>> contexts, List<String> responses) {
        List<EncodedSequence> out = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            List<String> texts = new ArrayList<>();
            for (Turn t : contexts.get(i)) texts.add(render(t));
            texts.add(responses.get(i));
            int[][] ids = tokenizer.encodeAll(texts);
            out.add(assemble(Arrays.copyOf(ids, ids.length - 1), ids[ids.length - 1]));
        }
        return out;
    }

    EncodedSequence assemble(int[][] turns, int[] response) {
        int specials = bertStyle ? 3 : 0;
        int budget = maxLength - specials;
        int contextLen = 0;
        for (int[] t : turns) contextLen += t.length;
        boolean truncated = false;
        int reserve = Math.min(contextLen, budget / 4);
        int[] resp = response;
        if (resp.length > budget - reserve) {
            resp = Arrays.copyOf(resp, budget - reserve);
            truncated = true;
        }
        int remaining = budget - resp.length;
        List<int[]> kept = new ArrayList<>();
        for (int i = turns.length - 1; i >= 0; i--) {
            int[] t = turns[i];
            if (t.length <= remaining) {
                kept.add(0, t);
                remaining -= t.length;
            } else {
                if (kept.isEmpty() && remaining > 0) {
                    kept.add(0, Arrays.copyOfRange(t, t.length - remaining, t.length));
                    remaining = 0;
                }
                truncated = true;
                break;
            }
        }
        int ctx = 0;
        for (int[] t : kept) ctx += t.length;
        int n = ctx + resp.length + specials;
        int[] ids = new int[n];
        int[] types = new int[n];
        int p = 0;
        if (bertStyle) ids[p++] = tokenizer.clsId();
        for (int[] t : kept) {
            System.arraycopy(t, 0, ids, p, t.length);
            p += t.length;
        }
        if (bertStyle) ids[p++] = tokenizer.sepId();
        int respStart = p;
        System.arraycopy(resp, 0, ids, p, resp.length);
        p += resp.length;
        if (bertStyle) ids[p++] = tokenizer.sepId();
        if (bertStyle) Arrays.fill(types, respStart, n, 1);
        return new EncodedSequence(ids, types, truncated);
    }
}
