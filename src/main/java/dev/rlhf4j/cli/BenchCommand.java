package dev.rlhf4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.GradientClipping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code rlhf4j bench}: times one training step (forward, backward, clip, AdamW) on random tokens. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time reward-model training steps on random tokens of a fixed shape: forward, backward, "
                + "optimizer; prints the median of the measured steps and tokens per second.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--steps", defaultValue = "10", description = "Measured steps, after 2 warm-up steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--dropout", defaultValue = "0", description = "Backbone dropout during the step (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Mixin ModelOptions modelOptions;

    @Override
    public Integer call() {
        modelOptions.maxLength = Math.max(modelOptions.maxLength, seqLen);
        try (RewardModel rm = modelOptions.spec().create(0)) {
            rm.backbone().setDropout(dropout);
            Random rnd = new Random(0);
            List<EncodedSequence> rows = new ArrayList<>();
            for (int i = 0; i < 2 * pairs; i++) {
                int[] ids = new int[seqLen];
                for (int k = 0; k < seqLen; k++) ids[k] = 1000 + rnd.nextInt(20000);
                rows.add(new EncodedSequence(ids, new int[seqLen], false));
            }
            TokenBatch batch = TokenBatch.of(rows, 0);
            rm.parameters().requireGradients(true);
            AdamW opt = new AdamW(rm.manager(), rm.parameters(), 0.9, 0.95, 1e-6, 0);
            BradleyTerryLoss loss = new BradleyTerryLoss();
            double[] fwd = new double[steps], bwd = new double[steps], upd = new double[steps], tot = new double[steps];
            for (int s = -2; s < steps; s++) {
                long t0 = System.nanoTime(), t1, t2;
                try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray r = rm.rewards(batch, true);
                    NDArray l = loss.perPair(r.get("0:" + pairs), r.get(pairs + ":"), null).mean();
                    l.getFloat();
                    t1 = System.nanoTime();
                    gc.backward(l);
                }
                t2 = System.nanoTime();
                GradientClipping.clip(rm.parameters(), 1.0);
                opt.step(1e-5);
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
            System.out.printf("backbone %s, %d pairs x %d tokens (%d sequences), %d steps: median step %.3f s "
                            + "(forward %.3f, backward %.3f, clip+AdamW %.3f), %.0f tokens/s%n", modelOptions.backbone,
                    pairs, seqLen, 2 * pairs, steps, step, median(fwd), median(bwd), median(upd), 2.0 * pairs * seqLen / step);
        }
        return Main.OK;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
