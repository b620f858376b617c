package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.rl.ResponseTokens.Sequence;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.BatchPlan;
import dev.rlhf4j.train.Loop;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.LrSchedule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Supervised fine-tuning of a decoder policy: causal-LM loss on response tokens only (the prompt conditions but is
 * not learnt), padded batches of similar length or packed rows, AdamW with warm-up and decay, clipping, validation
 * perplexity, checkpoints and resume. Writes into {@code out}: the policy (a *ForCausalLM directory),
 * {@code metrics.jsonl}, {@code resume/} and whatever provenance the caller passes.
 */
public final class SftTrainer {
    private final CausalLm policy;
    private final SftConfig cfg;
    private final ResponseTokens tokens;

    /** What training gave: final validation perplexity (NaN without validation), steps, seconds, tokens/s. */
    public record Result(double validPerplexity, double firstValidPerplexity, long steps, double seconds, double tokensPerSecond) {}

    public SftTrainer(CausalLm policy, SftConfig cfg) {
        this.policy = policy;
        this.cfg = cfg;
        this.tokens = new ResponseTokens(policy, cfg.maxPromptTokens(), cfg.maxLength());
    }

    /** The name of the policy's optimizer in the resume state. */
    static final String OPTIMIZER = "policy";

    public Result fit(List<Demonstrations.Example> train, List<Demonstrations.Example> valid, Path out, boolean resume,
                      ObjectNode provenance) {
        return fit(train, valid, out, resume, provenance, List.of());
    }

    /**
     * Trains on {@code train}, validating on {@code valid} (may be empty). With {@code resume}, weights must already be
     * the resume directory's (the caller loads the policy from {@code out/resume}); optimizer and counters are read here.
     * {@code extra} listeners run after the standard ones (metrics file, progress, checkpoints).
     */
    public Result fit(List<Demonstrations.Example> train, List<Demonstrations.Example> valid, Path out, boolean resume,
                      ObjectNode provenance, List<TrainListener> extra) {
        List<Sequence> seqs = tokens.encode(train);
        List<Sequence> validSeqs = tokens.encode(valid);
        int batchesPerEpoch = cfg.packing() ? (packedRows(seqs, 0).size() + cfg.batchSize() - 1) / cfg.batchSize()
                : (seqs.size() + cfg.batchSize() - 1) / cfg.batchSize();
        long total = Loop.totalSteps(batchesPerEpoch, 1, cfg.epochs(), 0);
        LrSchedule schedule = new LrSchedule(cfg.optim().lr(), Math.round(total * cfg.warmupRatio()), total, cfg.schedule());
        policy.trainableParameters().requireGradients(true);
        policy.decoder().recompute(cfg.recompute());
        AdamW opt = cfg.optim().create(policy.manager(), policy.trainableParameters());
        Loop<List<Sequence>> loop = new Loop<>(this::step, new Loop.Settings(1, cfg.clipNorm(), cfg.seed()),
                List.of(new Loop.Group(OPTIMIZER, policy.trainableParameters(), opt, schedule)));
        TrainState start = TrainState.start();
        double firstPpl = Double.NaN;
        if (resume) {
            ResumeState.Loaded st = ResumeState.load(out);
            start = st.state();
            firstPpl = st.extra().path("first_valid_ppl").asDouble(Double.NaN);
            st.restore(OPTIMIZER, opt);
        } else if (!validSeqs.isEmpty()) {
            firstPpl = perplexity(validSeqs);
        }
        int[] lengths = new int[seqs.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = seqs.get(i).ids().length;
        double[] ppl = {Double.NaN};
        Loop.Evaluator evaluator = validSeqs.isEmpty() ? null : (step, st) -> {
            ppl[0] = perplexity(validSeqs);
            ObjectNode m = Json.MAPPER.createObjectNode();
            m.put("valid_ppl", ppl[0]);
            return new TrainListener.Evaluation(m, String.format(Locale.ROOT, "valid ppl %.3f", ppl[0]), false, Double.NaN,
                    Double.NaN);
        };
        ObjectNode state = Json.MAPPER.createObjectNode();
        state.put("first_valid_ppl", firstPpl);
        List<TrainListener> listeners = new ArrayList<>(List.of(MetricsFile.open(out.resolve(MetricsFile.NAME), resume),
                new ProgressListener(System.err, "sft", 20), new TrainListener() {
                    @Override
                    public void onCheckpoint(TrainState s, Map<String, AdamW> optimizers) {
                        ResumeState.save(out, dir -> policy.save(dir, provenance), optimizers, s, state);
                    }
                }));
        listeners.addAll(extra);
        Loop.Epochs<List<Sequence>> epochs = epoch -> {
            List<List<Sequence>> batches = new ArrayList<>();
            if (cfg.packing()) {
                List<Sequence> rows = packedRows(seqs, epoch);
                for (int b = 0; b < rows.size(); b += cfg.batchSize()) {
                    batches.add(rows.subList(b, Math.min(rows.size(), b + cfg.batchSize())));
                }
            } else {
                for (int[] idx : BatchPlan.plan(lengths, cfg.batchSize(), cfg.seed(), epoch, true)) {
                    List<Sequence> batch = new ArrayList<>(idx.length);
                    for (int i : idx) batch.add(seqs.get(i));
                    batches.add(batch);
                }
            }
            return batches;
        };
        Loop.Result r;
        try {
            r = loop.run(epochs, new Loop.Schedule(cfg.epochs(), total, cfg.evalEvery()), start, evaluator, listeners);
        } finally {
            policy.trainableParameters().requireGradients(false);
        }
        if (Double.isNaN(ppl[0]) && !validSeqs.isEmpty()) ppl[0] = perplexity(validSeqs);
        policy.save(out, provenance);
        return new Result(ppl[0], firstPpl, r.state().optimizerSteps(), r.state().elapsedSeconds(), r.tokensPerSecond());
    }

    /** Mean response-token loss of one batch. */
    private Loop.Micro step(List<Sequence> batch) {
        TokenBatch b = tokens.batch(batch);
        float count = b.targets();
        NDArray loss = Scalars.div(policy.targetNll(b, true), Math.max(1f, count));
        return new Loop.Micro(loss, loss.getFloat(), (long) count);
    }

    /** exp(mean negative log-likelihood of the response tokens). */
    double perplexity(List<Sequence> seqs) {
        return tokens.perplexity(seqs, 4 * cfg.batchSize());
    }

    private List<Sequence> packedRows(List<Sequence> seqs, int epoch) {
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Collections.shuffle(Arrays.asList(order), new java.util.Random(cfg.seed() * 31 + epoch));
        List<Sequence> rows = new ArrayList<>();
        int[] buf = new int[cfg.maxLength()];
        boolean[] learn = new boolean[cfg.maxLength()];
        int n = 0;
        for (int i : order) {
            Sequence s = seqs.get(i);
            if (n > 0 && n + s.ids().length > cfg.maxLength()) {
                rows.add(packed(buf, learn, n));
                n = 0;
            }
            for (int c = 0; c < s.ids().length && n < cfg.maxLength(); c++, n++) {
                buf[n] = s.ids()[c];
                learn[n] = s.learn()[c];
            }
        }
        if (n > 0) rows.add(packed(buf, learn, n));
        return rows;
    }

    private static Sequence packed(int[] buf, boolean[] learn, int n) {
        return new Sequence(Arrays.copyOf(buf, n), Arrays.copyOf(learn, n));
    }
}
