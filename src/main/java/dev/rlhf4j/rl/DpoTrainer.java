package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.rl.ResponseTokens.Sequence;
import dev.rlhf4j.train.BatchPlan;
import dev.rlhf4j.train.Loop;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.LrSchedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Direct preference optimisation of a decoder policy against a frozen reference, the policy as it starts (METHODS
 * §10). The reference's log-probabilities of every chosen and rejected response are computed once, before the first
 * step, and kept in {@code out/}{@value #REFERENCE_FILE}; a resumed run reads them back instead of loading a second
 * model. Sequence log-probabilities are the sums of {@link CausalLm#tokenLogProbs} over the response tokens that
 * {@link ResponseTokens} marks, the path SFT trains on. Writes into {@code out}: the policy (a *ForCausalLM
 * directory), {@code metrics.jsonl}, {@code resume/} and the reference cache.
 */
public final class DpoTrainer {
    public static final String REFERENCE_FILE = "reference_logps.jsonl";
    /** The values each train record carries besides the loss: implicit-reward accuracy, β·h, β·log π/π_ref of each side. */
    static final List<String> STATS = List.of("accuracy", "margin", "chosen_reward", "rejected_reward");

    private final CausalLm policy;
    private final DpoConfig cfg;
    private final ResponseTokens tokens;

    /** What training gave: validation loss and implicit-reward accuracy (NaN without validation), steps, seconds, tokens/s. */
    public record Result(double validLoss, double validAccuracy, long steps, double seconds, double tokensPerSecond,
                         boolean referenceFromCache) {}

    /** Tokenised pairs with their reference log-probabilities. */
    private record Encoded(List<Sequence> chosen, List<Sequence> rejected, float[] refChosen, float[] refRejected) {}

    public DpoTrainer(CausalLm policy, DpoConfig cfg) {
        this.policy = policy;
        this.cfg = cfg;
        this.tokens = new ResponseTokens(policy, cfg.maxPromptTokens(), cfg.maxLength());
    }

    /**
     * Trains on {@code train}, validating on {@code valid} (may be empty). Without {@code resume}, the policy as given is
     * the reference. With {@code resume}, weights must already be the resume directory's (the caller loads the policy
     * from {@code out/resume}) and the reference comes from the cache.
     */
    public Result fit(List<DpoPairs.Item> train, List<DpoPairs.Item> valid, Path out, boolean resume, ObjectNode provenance,
                      List<TrainListener> extra) {
        if (cfg.loss().kind() == DpoLoss.Kind.IPO && anyOffsetOrSmoothing(train)) {
            throw new IllegalArgumentException("--loss ipo takes no per-pair offset or smoothing");
        }
        List<Sequence> tc = encode(train, true), tr = encode(train, false), vc = encode(valid, true), vr = encode(valid, false);
        Path cache = out.resolve(REFERENCE_FILE);
        float[][] ref;
        boolean cached = resume;
        if (resume) {
            ref = readReference(cache, train, valid);
        } else {
            int batch = 4 * cfg.batchSize();
            ref = new float[][] {logProbs(policy, tokens, tc, batch), logProbs(policy, tokens, tr, batch),
                    logProbs(policy, tokens, vc, batch), logProbs(policy, tokens, vr, batch)};
            writeReference(cache, train, valid, ref);
        }
        Encoded tEnc = new Encoded(tc, tr, ref[0], ref[1]);
        Encoded vEnc = new Encoded(vc, vr, ref[2], ref[3]);

        int batchesPerEpoch = (train.size() + cfg.batchSize() - 1) / cfg.batchSize();
        long total = Loop.totalSteps(batchesPerEpoch, 1, cfg.epochs(), 0);
        LrSchedule schedule = new LrSchedule(cfg.optim().lr(), Math.round(total * cfg.warmupRatio()), total, cfg.schedule());
        policy.parameters().requireGradients(true);
        AdamW opt = cfg.optim().create(policy.manager(), policy.parameters());
        Loop.Step<int[]> step = Loop.Step.of(STATS, idx -> step(idx, train, tEnc));
        Loop<int[]> loop = new Loop<>(step, new Loop.Settings(1, cfg.clipNorm(), cfg.seed()),
                List.of(new Loop.Group(SftTrainer.OPTIMIZER, policy.parameters(), opt, schedule)));
        TrainState start = TrainState.start();
        if (resume) {
            ResumeState.Loaded st = ResumeState.load(out);
            start = st.state();
            st.restore(SftTrainer.OPTIMIZER, opt);
        }
        int[] lengths = new int[train.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = Math.max(tc.get(i).ids().length, tr.get(i).ids().length);
        double[] last = {Double.NaN, Double.NaN};
        Loop.Evaluator evaluator = valid.isEmpty() ? null : (s, st) -> {
            double[] v = validate(valid, vEnc);
            last[0] = v[0];
            last[1] = v[1];
            ObjectNode m = Json.MAPPER.createObjectNode();
            m.put("valid_loss", v[0]);
            m.put("valid_accuracy", v[1]);
            m.put("valid_margin", v[2]);
            return new TrainListener.Evaluation(m, String.format(Locale.ROOT, "valid loss %.4f, implicit-reward accuracy %.3f",
                    v[0], v[1]), false, v[1], v[0]);
        };
        List<TrainListener> listeners = new ArrayList<>(List.of(MetricsFile.open(out.resolve(MetricsFile.NAME), resume),
                new ProgressListener(System.err, "dpo", 20), new TrainListener() {
                    @Override
                    public void onCheckpoint(TrainState s, Map<String, AdamW> optimizers) {
                        ResumeState.save(out, dir -> policy.save(dir, provenance), optimizers, s, Json.MAPPER.createObjectNode());
                    }
                }));
        listeners.addAll(extra);
        Loop.Epochs<int[]> epochs = epoch -> BatchPlan.plan(lengths, cfg.batchSize(), cfg.seed(), epoch, true);
        Loop.Result r;
        try {
            r = loop.run(epochs, new Loop.Schedule(cfg.epochs(), total, cfg.evalEvery()), start, evaluator, listeners);
        } finally {
            policy.parameters().requireGradients(false);
        }
        if (Double.isNaN(last[0]) && !valid.isEmpty()) {
            double[] v = validate(valid, vEnc);
            last[0] = v[0];
            last[1] = v[1];
        }
        policy.save(out, provenance);
        return new Result(last[0], last[1], r.state().optimizerSteps(), r.state().elapsedSeconds(), r.tokensPerSecond(), cached);
    }

    /** The loss of one batch of pairs (indices into {@code items}), both responses of every pair in one forward pass. */
    private Loop.Micro step(int[] idx, List<DpoPairs.Item> items, Encoded enc) {
        int b = idx.length;
        List<Sequence> rows = new ArrayList<>(2 * b);
        for (int i : idx) rows.add(enc.chosen().get(i));
        for (int i : idx) rows.add(enc.rejected().get(i));
        TokenBatch t = tokens.batch(rows);
        NDArray seq = policy.tokenLogProbs(t, true).mul(BatchTensors.targetMask(policy.manager(), t)).sum(new int[] {1});
        NDArray pc = seq.get(new NDIndex("0:" + b)), pr = seq.get(new NDIndex(b + ":"));
        float[] refMargin = new float[b], delta = new float[b], eps = new float[b];
        boolean anyDelta = false, anyEps = false;
        for (int k = 0; k < b; k++) {
            int i = idx[k];
            refMargin[k] = enc.refChosen()[i] - enc.refRejected()[i];
            delta[k] = (float) items.get(i).delta();
            eps[k] = (float) items.get(i).eps();
            anyDelta |= delta[k] != 0;
            anyEps |= eps[k] != 0;
        }
        NDManager m = policy.manager();
        NDArray h = pc.sub(pr).sub(m.create(refMargin));
        NDArray loss = cfg.loss().perPair(h, anyDelta ? m.create(delta) : null, anyEps ? m.create(eps) : null).mean();
        float[] hv = h.toFloatArray(), pcv = pc.toFloatArray(), prv = pr.toFloatArray();
        double beta = cfg.loss().beta(), correct = 0, margin = 0, chosen = 0, rejected = 0;
        for (int k = 0; k < b; k++) {
            if (hv[k] > 0) correct++;
            margin += beta * hv[k];
            chosen += beta * (pcv[k] - enc.refChosen()[idx[k]]);
            rejected += beta * (prv[k] - enc.refRejected()[idx[k]]);
        }
        return new Loop.Micro(loss, loss.getFloat(), (long) t.targets(), correct / b, margin / b, chosen / b, rejected / b);
    }

    /** Mean loss, implicit-reward accuracy (h &gt; 0) and mean β·h on {@code valid}, without gradients. */
    private double[] validate(List<DpoPairs.Item> valid, Encoded enc) {
        int batch = 4 * cfg.batchSize();
        float[] pc = logProbs(policy, tokens, enc.chosen(), batch), pr = logProbs(policy, tokens, enc.rejected(), batch);
        double loss = 0, correct = 0, margin = 0;
        for (int i = 0; i < valid.size(); i++) {
            double h = (pc[i] - enc.refChosen()[i]) - (pr[i] - enc.refRejected()[i]);
            DpoPairs.Item it = valid.get(i);
            loss += cfg.loss().kind() == DpoLoss.Kind.IPO ? cfg.loss().perPair(h, 0, 0) : cfg.loss().perPair(h, it.delta(), it.eps());
            if (h > 0) correct++;
            margin += cfg.loss().beta() * h;
        }
        int n = Math.max(1, valid.size());
        return new double[] {loss / n, correct / n, margin / n};
    }

    private List<Sequence> encode(List<DpoPairs.Item> items, boolean chosen) {
        return encode(tokens, items.stream().map(i -> new String[] {i.id(), i.prompt(), chosen ? i.chosen() : i.rejected()}).toList());
    }

    /** Rows of (id, prompt, response) as the policy's token rows. */
    static List<Sequence> encode(ResponseTokens tokens, List<String[]> rows) {
        List<Demonstrations.Example> ex = new ArrayList<>(rows.size());
        for (String[] r : rows) ex.add(new Demonstrations.Example(r[0], r[1], r[2], null));
        return tokens.encode(ex);
    }

    /**
     * log π(y|x) of each row: the sum of the response tokens' log-probabilities, no gradients, in batches of
     * {@code batchSize} rows.
     */
    static float[] logProbs(CausalLm lm, ResponseTokens tokens, List<Sequence> seqs, int batchSize) {
        float[] out = new float[seqs.size()];
        for (int start = 0; start < seqs.size(); start += batchSize) {
            int end = Math.min(seqs.size(), start + batchSize);
            try (NDScope scope = new NDScope()) {
                TokenBatch t = tokens.batch(seqs.subList(start, end));
                float[] s = lm.tokenLogProbs(t, false).mul(BatchTensors.targetMask(lm.manager(), t)).sum(new int[] {1}).toFloatArray();
                System.arraycopy(s, 0, out, start, s.length);
            }
        }
        return out;
    }

    private static boolean anyOffsetOrSmoothing(List<DpoPairs.Item> items) {
        for (DpoPairs.Item i : items) if (i.delta() != 0 || i.eps() != 0) return true;
        return false;
    }

    /** One line per pair: split, id, log π_ref of chosen and rejected. */
    private static void writeReference(Path file, List<DpoPairs.Item> train, List<DpoPairs.Item> valid, float[][] ref) {
        List<ObjectNode> lines = new ArrayList<>(train.size() + valid.size());
        for (int s = 0; s < 2; s++) {
            List<DpoPairs.Item> items = s == 0 ? train : valid;
            for (int i = 0; i < items.size(); i++) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("split", s == 0 ? "train" : "valid");
                o.put("id", items.get(i).id());
                o.put("chosen", ref[2 * s][i]);
                o.put("rejected", ref[2 * s + 1][i]);
                lines.add(o);
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Jsonl.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static float[][] readReference(Path file, List<DpoPairs.Item> train, List<DpoPairs.Item> valid) {
        if (!Files.exists(file)) throw new IllegalArgumentException("--resume needs " + file + " (the reference log-probabilities)");
        float[][] ref = {new float[train.size()], new float[train.size()], new float[valid.size()], new float[valid.size()]};
        int[] n = {0, 0};
        try (BufferedReader r = Jsonl.openText(file)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode o = Json.MAPPER.readTree(line);
                int s = "train".equals(o.path("split").asText()) ? 0 : 1;
                List<DpoPairs.Item> items = s == 0 ? train : valid;
                int i = n[s]++;
                if (i >= items.size() || !items.get(i).id().equals(o.path("id").asText())) {
                    throw new IllegalArgumentException(file + ": the cached reference belongs to other pairs (" + o.path("id").asText()
                            + " at " + s + ":" + i + "); start afresh without --resume");
                }
                ref[2 * s][i] = o.path("chosen").floatValue();
                ref[2 * s + 1][i] = o.path("rejected").floatValue();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n[0] != train.size() || n[1] != valid.size()) {
            throw new IllegalArgumentException(file + ": " + n[0] + "/" + n[1] + " cached pairs for " + train.size() + "/" + valid.size());
        }
        return ref;
    }
}
