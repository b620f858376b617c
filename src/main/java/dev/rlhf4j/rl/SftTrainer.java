package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.rl.ResponseTokens.Sequence;
import dev.rlhf4j.train.BatchPlan;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.GradientClipping;
import dev.rlhf4j.train.optim.LrSchedule;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import dev.rlhf4j.engine.Scalars;

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

    /** Stop (as if killed) after this optimizer step, without the final save; −1 = never. For resume tests. */
    long stopAfter = -1;

    public SftTrainer(CausalLm policy, SftConfig cfg) {
        this.policy = policy;
        this.cfg = cfg;
        this.tokens = new ResponseTokens(policy, cfg.maxPromptTokens(), cfg.maxLength());
    }

    /**
     * Trains on {@code train}, validating on {@code valid} (may be empty). With {@code resume}, weights must already be
     * the resume directory's (the caller loads the policy from {@code out/resume}); optimizer and counters are read here.
     */
    public Result fit(List<Demonstrations.Example> train, List<Demonstrations.Example> valid, Path out, boolean resume,
                      ObjectNode provenance) {
        List<Sequence> seqs = tokens.encode(train);
        List<Sequence> validSeqs = tokens.encode(valid);
        int batchesPerEpoch = cfg.packing() ? (packedRows(seqs, 0).size() + cfg.batchSize() - 1) / cfg.batchSize()
                : (seqs.size() + cfg.batchSize() - 1) / cfg.batchSize();
        long total = (long) batchesPerEpoch * cfg.epochs();
        LrSchedule schedule = new LrSchedule(cfg.lr(), Math.round(total * cfg.warmupRatio()), total, cfg.schedule());
        policy.parameters().requireGradients(true);
        AdamW opt = new AdamW(policy.manager(), policy.parameters(), 0.9, 0.95, 1e-8, cfg.weightDecay());
        Path resumeDir = out.resolve("resume");
        int epoch0 = 0, batch0 = 0;
        long step = 0;
        double elapsedBefore = 0, firstPpl = Double.NaN;
        if (resume) {
            JsonNode st = PolicyState.loadState(resumeDir);
            step = st.path("step").asLong();
            epoch0 = st.path("epoch").asInt();
            batch0 = st.path("next_batch").asInt();
            elapsedBefore = st.path("elapsed_seconds").asDouble();
            firstPpl = st.path("first_valid_ppl").asDouble(Double.NaN);
            PolicyState.loadOptimizer(resumeDir, "optimizer", opt, step);
            System.err.printf(Locale.ROOT, "sft: resuming at step %d/%d (epoch %d, batch %d)%n", step, total, epoch0 + 1, batch0);
        } else if (!validSeqs.isEmpty()) {
            firstPpl = perplexity(validSeqs);
        }
        int[] lengths = new int[seqs.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = seqs.get(i).ids().length;
        long t0 = System.nanoTime(), tokens = 0, stepAtStart = step;
        double ppl = Double.NaN;
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        try (BufferedWriter metrics = Files.newBufferedWriter(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, resume ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int epoch = epoch0; epoch < cfg.epochs(); epoch++) {
                List<int[]> plan = cfg.packing() ? null : BatchPlan.plan(lengths, cfg.batchSize(), cfg.seed(), epoch, true);
                List<Sequence> rows = cfg.packing() ? packedRows(seqs, epoch) : null;
                int batches = cfg.packing() ? (rows.size() + cfg.batchSize() - 1) / cfg.batchSize() : plan.size();
                for (int b = epoch == epoch0 ? batch0 : 0; b < batches; b++) {
                    List<Sequence> batch = new ArrayList<>();
                    if (cfg.packing()) {
                        batch.addAll(rows.subList(b * cfg.batchSize(), Math.min(rows.size(), (b + 1) * cfg.batchSize())));
                    } else {
                        for (int i : plan.get(b)) batch.add(seqs.get(i));
                    }
                    Engines.seed(cfg.seed() * 1_000_003L + step);
                    double lr = schedule.at(step);
                    double[] lossTokens = forwardBackward(batch);
                    double norm = GradientClipping.clip(policy.parameters(), cfg.clipNorm());
                    if (Double.isFinite(norm)) opt.step(lr);
                    GradientClipping.zero(policy.parameters());
                    step++;
                    tokens += (long) lossTokens[2];
                    double secs = (System.nanoTime() - t0) / 1e9;
                    ObjectNode m = Json.MAPPER.createObjectNode();
                    m.put("step", step);
                    m.put("epoch", epoch + 1);
                    m.put("loss", lossTokens[0]);
                    m.put("lr", lr);
                    m.put("grad_norm", norm);
                    m.put("tokens_per_s", tokens / Math.max(secs, 1e-9));
                    boolean endOfEpoch = b == batches - 1;
                    boolean evalNow = cfg.evalEvery() > 0 ? step % cfg.evalEvery() == 0 || step == total : endOfEpoch;
                    if (evalNow && !validSeqs.isEmpty()) {
                        ppl = perplexity(validSeqs);
                        m.put("valid_ppl", ppl);
                    }
                    metrics.write(Json.MAPPER.writeValueAsString(m));
                    metrics.write('\n');
                    if (step % 20 == 0 || evalNow) {
                        double rate = (step - stepAtStart) / Math.max(secs, 1e-9);
                        double eta = (total - step) / Math.max(rate, 1e-9);
                        System.err.printf(Locale.ROOT, "sft: step %d/%d epoch %d loss %.4f%s lr %.2e  %.0f tok/s  ETA %s%n", step, total,
                                epoch + 1, lossTokens[0], evalNow && !validSeqs.isEmpty() ? String.format(Locale.ROOT, " valid ppl %.3f", ppl) : "",
                                lr, tokens / Math.max(secs, 1e-9), Rl.duration(eta));
                    }
                    if (evalNow || endOfEpoch) {
                        metrics.flush();
                        ObjectNode st = Json.MAPPER.createObjectNode();
                        st.put("step", step);
                        st.put("epoch", endOfEpoch ? epoch + 1 : epoch);
                        st.put("next_batch", endOfEpoch ? 0 : b + 1);
                        st.put("elapsed_seconds", elapsedBefore + secs);
                        st.put("first_valid_ppl", firstPpl);
                        Files.createDirectories(resumeDir);
                        policy.save(resumeDir, provenance);
                        PolicyState.saveOptimizer(resumeDir, "optimizer", opt, step);
                        PolicyState.saveState(resumeDir, st);
                    }
                    if (step == stopAfter) return null; // a simulated kill (tests)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            policy.parameters().requireGradients(false);
        }
        if (Double.isNaN(ppl) && !validSeqs.isEmpty()) ppl = perplexity(validSeqs);
        policy.save(out, provenance);
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result(ppl, firstPpl, step, elapsedBefore + secs, tokens / Math.max(secs, 1e-9));
    }

    /** Mean response-token loss, then backward. Returns {loss, 0, response tokens}. */
    private double[] forwardBackward(List<Sequence> batch) {
        try (NDScope scope = new NDScope()) {
            ResponseTokens.Tensors t = tokens.tensors(batch);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray lp = policy.tokenLogProbs(t.ids(), t.mask(), true);
                NDArray loss = Scalars.div(lp.mul(t.lossMask()).sum().neg(), Math.max(1f, t.count()));
                double v = loss.getFloat();
                if (Double.isFinite(v)) gc.backward(loss);
                return new double[] {v, 0, t.count()};
            }
        }
    }

    /** exp(mean negative log-likelihood of the response tokens). */
    double perplexity(List<Sequence> seqs) {
        return tokens.perplexity(seqs, 4 * cfg.batchSize());
    }

    /** Perplexity of the policy on {@code data}'s responses. */
    public double perplexityOf(List<Demonstrations.Example> data) {
        return perplexity(tokens.encode(data));
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
