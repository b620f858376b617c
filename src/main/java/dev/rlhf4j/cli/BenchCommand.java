package dev.rlhf4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.contrastive.ContrastiveObjective;
import dev.rlhf4j.contrastive.ContrastiveObjectives;
import dev.rlhf4j.contrastive.TwoViews;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.decoder.Generator;
import dev.rlhf4j.model.decoder.ScratchDecoder;
import dev.rlhf4j.text.Tokenizer;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.GradientClipping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code rlhf4j bench}: times one training step (forward, backward, clip, AdamW) on random tokens. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time reward-model training steps on random tokens of a fixed shape: forward, backward, "
                + "optimizer; prints the median of the measured steps and tokens per second.",
                "With --generate N: time greedy generation of N new tokens from an 8-token prompt by a decoder "
                        + "(--backbone PATH or --init scratch), with and without the KV cache."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--steps", defaultValue = "10", description = "Measured steps, after 2 warm-up steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--min-seq-len", defaultValue = "0",
            description = "Draw each sequence's length uniformly in [this, --seq-len] (right-padded batch); 0 = every "
                    + "sequence --seq-len long (default: ${DEFAULT-VALUE}).")
    int minSeqLen;

    @Option(names = "--dropout", defaultValue = "0", description = "Backbone dropout during the step (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--generate", defaultValue = "0",
            description = "Time generation of this many new tokens instead of training steps; 0 = training steps (default: ${DEFAULT-VALUE}).")
    int generate;

    @Option(names = "--repeats", defaultValue = "3", description = "--generate: timed runs of each mode (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin ModelOptions modelOptions;
    @Mixin ContrastiveOptions contrastiveOptions;

    @Override
    public Integer call() {
        if (generate > 0) return benchGenerate();
        modelOptions.maxLength = Math.max(modelOptions.maxLength, seqLen);
        try (RewardModel rm = modelOptions.spec().create(0)) {
            rm.backbone().setDropout(dropout);
            Random rnd = new Random(0);
            int vocab = rm.encoder().tokenizer().vocabularySize();
            int low = Math.min(vocab / 2, 1000), span = Math.max(1, Math.min(20000, vocab - low));
            List<EncodedSequence> rows = new ArrayList<>();
            for (int i = 0; i < 2 * pairs; i++) {
                int len = minSeqLen > 0 ? minSeqLen + rnd.nextInt(Math.max(1, seqLen - minSeqLen + 1)) : seqLen;
                int[] ids = new int[len];
                for (int k = 0; k < len; k++) ids[k] = low + rnd.nextInt(span);
                rows.add(new EncodedSequence(ids, new int[len], false));
            }
            TokenBatch batch = TokenBatch.of(rows, rm.encoder().padId());
            List<EncodedSequence> doubled = new ArrayList<>(rows);
            doubled.addAll(rows);
            TokenBatch twice = TokenBatch.of(doubled, rm.encoder().padId());
            ContrastiveConfig cl = contrastiveOptions.config();
            ContrastiveObjective objective = null;
            if (cl != null) {
                objective = ContrastiveObjectives.create(cl, rm.manager(), rm.backbone().hiddenSize(), 0);
                rm.attachAuxiliary(objective.parameters());
                rm.backbone().setDropout((float) cl.dropout());
            }
            rm.parameters().requireGradients(true);
            AdamW opt = new AdamW(rm.manager(), rm.parameters(), 0.9, 0.95, 1e-6, 0);
            BradleyTerryLoss loss = new BradleyTerryLoss();
            double[] fwd = new double[steps], bwd = new double[steps], upd = new double[steps], tot = new double[steps];
            for (int s = -2; s < steps; s++) {
                long t0 = System.nanoTime(), t1, t2;
                try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l;
                    if (objective != null) {
                        NDArray f = rm.features(twice, true); // both views in one pass, as train-rm does
                        l = TwoViews.losses(f.get("0:" + 2 * pairs), f.get(2 * pairs + ":"), pairs, rm::headOf,
                                (c, r) -> loss.perPair(c, r, null).mean(), cl, objective).total();
                    } else {
                        NDArray r = rm.rewards(batch, true);
                        l = loss.perPair(r.get("0:" + pairs), r.get(pairs + ":"), null).mean();
                    }
                    l.getFloat();
                    t1 = System.nanoTime();
                    gc.backward(l);
                }
                t2 = System.nanoTime();
                GradientClipping.clip(rm.parameters(), 1.0);
                opt.step(1e-5);
                if (objective != null) objective.afterStep();
                GradientClipping.zero(rm.parameters());
                long t3 = System.nanoTime();
                if (s >= 0) {
                    fwd[s] = (t1 - t0) / 1e9;
                    bwd[s] = (t2 - t1) / 1e9;
                    upd[s] = (t3 - t2) / 1e9;
                    tot[s] = (t3 - t0) / 1e9;
                }
            }
            double step = median(tot);
            if (cl != null) System.out.printf("contrastive %s-%s (two dropout views, β %.2f)%n", cl.method(), cl.contrast(), cl.beta());
            System.out.printf("backbone %s (%,d parameters), %d pairs x %s tokens (%d sequences, %d real tokens), %d steps: "
                            + "median step %.3f s (forward %.3f, backward %.3f, clip+AdamW %.3f), %.0f tokens/s%n", rm.backboneName(),
                    rm.parameters().count(), pairs, minSeqLen > 0 ? minSeqLen + "-" + seqLen : Integer.toString(seqLen), 2 * pairs,
                    batch.realTokens(), steps, step, median(fwd), median(bwd), median(upd), batch.realTokens() / step);
        }
        return Main.OK;
    }

    private Integer benchGenerate() {
        ModelSpec spec = modelOptions.spec();
        try (CausalLm lm = languageModel(spec)) {
            Generator gen = new Generator(lm);
            int[] prompt = new int[8];
            int vocab = lm.config().vocabSize();
            int[] base = {1, 403, 407, 261, 378, 432, 383, 286};
            for (int i = 0; i < 8; i++) prompt[i] = base[i] % vocab;
            System.out.printf("decoder %s: %,d parameters, %d layers, hidden %d, vocab %d; prompt 8 tokens, %d new tokens, greedy%n",
                    spec.scratch() != null ? "scratch" : spec.backbone(), lm.parameters().count(), lm.config().numLayers(),
                    lm.config().hiddenSize(), vocab, generate);
            double[] medians = new double[2];
            for (int mode = 0; mode < 2; mode++) {
                boolean cache = mode == 0;
                GenerationConfig cfg = GenerationConfig.greedy(generate).withStopAtEos(false).withCache(cache);
                gen.generate(List.of(prompt), GenerationConfig.greedy(Math.min(generate, 16)).withStopAtEos(false).withCache(cache));
                double[] tps = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    Generator.Result res = gen.generate(List.of(prompt), cfg);
                    tps[r] = res.tokensPerSecond();
                    System.out.printf("  KV cache %-3s run %d: %d tokens in %.2f s, %.1f tokens/s%n", cache ? "on" : "off", r + 1,
                            res.newTokens(), res.seconds(), tps[r]);
                }
                medians[mode] = median(tps);
            }
            System.out.printf("median tokens/s: KV cache on %.1f, off %.1f; the cache is %.1fx faster%n", medians[0], medians[1],
                    medians[0] / medians[1]);
        }
        return Main.OK;
    }

    private CausalLm languageModel(ModelSpec spec) {
        if (spec.scratch() != null) {
            Tokenizer tok = ScratchDecoder.tokenizer(spec.scratch().vocabFrom());
            DecoderConfig c = spec.scratch().config(tok, Math.max(1024, generate + 16));
            return CausalLm.scratch(c, tok, spec.device(), 0);
        }
        return CausalLm.load(Path.of(spec.backbone()), spec.device());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
