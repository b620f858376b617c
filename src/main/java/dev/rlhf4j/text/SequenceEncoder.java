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
 * <p>Layout for decoders ({@link #forDecoder}): {@code [BOS] rendered dialogue EOS}, the dialogue rendered
 * as one text by the checkpoint's chat template or the {@code Human:}/{@code Assistant:} transcript, so
 * the reward is read at EOS, the last real token. A dialogue over budget loses its oldest turns first.
 *
 * <p>Truncation keeps the final response whole where it fits (it may use all but a quarter of
 * the budget, the rest being kept for context) and drops the oldest dialogue turns first; the newest
 * turn, if it alone does not fit, keeps its end. A response longer than its share keeps its start.
 */
public final class SequenceEncoder {
    private final Tokenizer tokenizer;
    private final int maxLength;
    private final boolean bertStyle;
    private final Decoding decoding;

    /** Decoder layout: BOS (−1 for none), EOS, the pad id of batches, and how a dialogue becomes text. */
    public record Decoding(int bos, int eos, int pad, PromptRenderer renderer) {}

    public SequenceEncoder(Tokenizer tokenizer, int maxLength) {
        this(tokenizer, maxLength, null);
    }

    private SequenceEncoder(Tokenizer tokenizer, int maxLength, Decoding decoding) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.decoding = decoding;
        this.bertStyle = decoding == null && tokenizer.clsId() >= 0 && tokenizer.sepId() >= 0;
        if (maxLength < (bertStyle ? 8 : 4)) {
            throw new IllegalArgumentException("max length " + maxLength + " is too small");
        }
    }

    /** The decoder layout: {@code [BOS] dialogue EOS}. */
    public static SequenceEncoder forDecoder(Tokenizer tokenizer, int maxLength, Decoding decoding) {
        return new SequenceEncoder(tokenizer, maxLength, decoding);
    }

    /** The decoder layout of this encoder, or null for encoders. */
    public Decoding decoding() {
        return decoding;
    }

    /** The id batches are padded with. */
    public int padId() {
        return decoding != null ? decoding.pad() : tokenizer.padId();
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
        if (decoding != null) {
            List<List<Turn>> contexts = new ArrayList<>(2 * pairs.size());
            List<String> responses = new ArrayList<>(2 * pairs.size());
            for (PreferencePair p : pairs) {
                contexts.add(p.prompt());
                responses.add(p.chosen());
                contexts.add(p.prompt());
                responses.add(p.rejected());
            }
            List<EncodedSequence> seqs = encode(contexts, responses);
            List<EncodedPair> out = new ArrayList<>(pairs.size());
            for (int i = 0; i < pairs.size(); i++) out.add(new EncodedPair(seqs.get(2 * i), seqs.get(2 * i + 1)));
            return out;
        }
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
        if (decoding != null) return encodeForDecoder(contexts, responses);
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

    /**
     * Decoder layout for texts already rendered (prompt and response in one string, as a trainer sends them):
     * {@code [BOS] text EOS}, no template applied. Over budget the text keeps its start and ends with EOS.
     */
    public List<EncodedSequence> encodeRendered(List<String> texts) {
        requireDecoder();
        int[][] ids = tokenizer.encodeAll(texts);
        List<EncodedSequence> out = new ArrayList<>(texts.size());
        for (int[] t : ids) {
            int[] full = withSpecials(t, true);
            boolean cut = full.length > maxLength;
            if (cut) {
                full = Arrays.copyOf(full, maxLength);
                full[maxLength - 1] = decoding.eos();
            }
            out.add(new EncodedSequence(full, new int[full.length], cut));
        }
        return out;
    }

    /** A prompt for generation: {@code [BOS] dialogue} ending with the assistant cue, oldest turns dropped to fit. */
    public int[] encodePrompt(List<Turn> context, int budget) {
        requireDecoder();
        for (int first = 0; first < Math.max(1, context.size()); first++) {
            List<Turn> kept = context.subList(Math.min(first, context.size()), context.size());
            int[] ids = withSpecials(tokenizer.encode(decoding.renderer().render(kept, true)), false);
            if (ids.length <= budget || first >= context.size() - 1) {
                return ids.length <= budget ? ids : Arrays.copyOfRange(ids, ids.length - budget, ids.length);
            }
        }
        throw new AssertionError();
    }

    private void requireDecoder() {
        if (decoding == null) throw new IllegalStateException("prompts for generation need a decoder layout");
    }

    private List<EncodedSequence> encodeForDecoder(List<List<Turn>> contexts, List<String> responses) {
        List<String> texts = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) texts.add(renderDialogue(contexts.get(i), responses.get(i)));
        List<EncodedSequence> out = new ArrayList<>(responses.size());
        int chunk = 256;
        for (int start = 0; start < texts.size(); start += chunk) {
            int[][] ids = tokenizer.encodeAll(texts.subList(start, Math.min(texts.size(), start + chunk)));
            for (int k = 0; k < ids.length; k++) {
                int[] full = withSpecials(ids[k], true);
                out.add(full.length <= maxLength ? new EncodedSequence(full, new int[full.length], false)
                        : truncateDecoder(contexts.get(start + k), responses.get(start + k)));
            }
        }
        return out;
    }

    private String renderDialogue(List<Turn> context, String response) {
        List<Turn> messages = new ArrayList<>(context);
        messages.add(Turn.assistant(response));
        return decoding.renderer().render(messages, false);
    }

    /** BOS in front (unless the rendered text already starts with it), EOS at the end when {@code eos}. */
    private int[] withSpecials(int[] ids, boolean eos) {
        boolean bos = decoding.bos() >= 0 && (ids.length == 0 || ids[0] != decoding.bos());
        boolean end = eos && (ids.length == 0 || ids[ids.length - 1] != decoding.eos());
        int[] out = new int[ids.length + (bos ? 1 : 0) + (end ? 1 : 0)];
        if (bos) out[0] = decoding.bos();
        System.arraycopy(ids, 0, out, bos ? 1 : 0, ids.length);
        if (end) out[out.length - 1] = decoding.eos();
        return out;
    }

    /** Over budget: drop the oldest turns; if the newest alone is still too long, keep the start and end with EOS. */
    private EncodedSequence truncateDecoder(List<Turn> context, String response) {
        int[] ids = null;
        for (int first = 1; first <= context.size(); first++) {
            if (first == context.size() && !context.isEmpty() && first > 1) break; // keep at least the newest turn
            ids = withSpecials(tokenizer.encode(renderDialogue(context.subList(Math.min(first, context.size() - 1), context.size()), response)), true);
            if (ids.length <= maxLength) return new EncodedSequence(ids, new int[ids.length], true);
        }
        if (ids == null) ids = withSpecials(tokenizer.encode(renderDialogue(context, response)), true);
        int[] cut = Arrays.copyOf(ids, maxLength);
        cut[maxLength - 1] = decoding.eos();
        return new EncodedSequence(cut, new int[maxLength], true);
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
