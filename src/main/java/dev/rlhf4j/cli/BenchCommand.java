package dev.rlhf4j.cli;

import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.contrastive.ContrastiveObjective;
import dev.rlhf4j.contrastive.ContrastiveObjectives;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.engine.GemmPeak;
import dev.rlhf4j.engine.ProcessMemory;
import dev.rlhf4j.model.FlopCount;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.provenance.Provenance;
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
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;
import dev.rlhf4j.train.Loop;
import dev.rlhf4j.train.RewardTrainer;
import dev.rlhf4j.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code rlhf4j bench}: times one training step (forward, backward, clip, AdamW) on random tokens. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time train-rm's training step (the same code) on random tokens of a fixed shape: forward, backward, "
                + "clip and AdamW; prints the median of the measured steps and tokens per second.",
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

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs of each scoring length, and of each mode with --generate, after one warm-up run "
                    + "(default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--score-lengths", defaultValue = "128,256", split = ",",
            description = "Scoring throughput (pairs/s, no gradients) at these sequence lengths; 0 = skip (default: ${DEFAULT-VALUE}).")
    int[] scoreLengths;

    @Option(names = "--score-pairs", defaultValue = "32", description = "Pairs scored per timed run (default: ${DEFAULT-VALUE}).")
    int scorePairs;

    @Option(names = "--score-batch", defaultValue = "32",
            description = "Sequences per scoring forward pass, as eval-rm's --batch-size (default: ${DEFAULT-VALUE}).")
    int scoreBatch;

    @Option(names = "--gemm-repeats", defaultValue = "5",
            description = "Timings of each fp32 GEMM shape for the peak that MFU divides by; 0 = skip (default: ${DEFAULT-VALUE}).")
    int gemmRepeats;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads; 0 = libtorch's choice, one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", defaultValue = "runs/bench/bench.json",
            description = "JSON file for the results, with provenance (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--save-model",
            description = "Also save the benchmarked model, before its first step, as a checkpoint directory: "
                    + "bench/python/encoder_reference.py --model DIR then runs on the same weights (default: none).")
    Path saveModel;

    @Option(names = "--profile",
            description = "Write libtorch's per-op profile of the timed training steps to this file (Chrome trace JSON; "
                    + "bench/python/profile_summary.py sums it by op) (default: none).")
    Path profile;

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;
    @Mixin ContrastiveOptions contrastiveOptions;
    @Mixin OptimizerOptions optimizer = OptimizerOptions.rewardModel();

    @Override
    public Integer call() throws IOException {
        Engines.threads(threads); // before the engine starts
        if (generate > 0) return benchGenerate();
        for (int len : scoreLengths) {
            if (len < 0) throw new IllegalArgumentException("--score-lengths must be positive (or 0 to skip), got " + len);
            modelOptions.maxLength = Math.max(modelOptions.maxLength, len);
        }
        modelOptions.maxLength = Math.max(modelOptions.maxLength, seqLen);
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("kind", "bench");
        report.put("side", "java");
        ObjectNode prov = Provenance.of("bench", spec.commandLine().getParseResult().originalArgs(), Map.of(), 0,
                Engines.info());
        prov.put("threads", Engines.threadsInUse());
        prov.putPOJO("loadavg_start", loadAverage());
        report.set("provenance", prov);
        ArrayNode phases = report.putArray("memory");
        ProcessMemory.Mark mark = ProcessMemory.start();
        try (RewardModel rm = modelOptions.spec().create(0)) {
            phase(phases, mark, "load");
            if (saveModel != null) RewardModels.save(rm, saveModel, prov);
            rm.backbone().setDropout(dropout);
            FlopCount bert = rm.backbone().flops(); // BERT counts its FLOPs (MFU); decoders do not
            ContrastiveConfig cl = contrastiveOptions.config();
            int rowsPerStep = (cl != null ? 4 : 2) * pairs;
            // The peak that MFU divides by: the dense layers' shapes at this batch, and a large square product.
            if (gemmRepeats > 0) {
                long tokens = (long) rowsPerStep * seqLen, h = rm.backbone().hiddenSize();
                long f = bert != null ? bert.intermediateSize() : 4 * h;
                List<GemmPeak.Result> gemm = GemmPeak.measure(rm.manager().getDevice(),
                        List.of(new long[] {tokens, h, f}, new long[] {tokens, f, h}, new long[] {tokens, h, h},
                                new long[] {2048, 2048, 2048}), gemmRepeats);
                for (GemmPeak.Result g : gemm) {
                    System.out.printf("GEMM fp32 %d x %d x %d: %.1f GFLOP/s%n", g.m(), g.k(), g.n(), g.gflops());
                }
                report.set("gemm", Json.MAPPER.valueToTree(gemm));
                report.put("gemm_peak_gflops", GemmPeak.peak(gemm));
            }
            mark = ProcessMemory.start();
            report.set("train", trainSteps(rm, bert, cl, report.path("gemm_peak_gflops").asDouble(Double.NaN)));
            phase(phases, mark, "training");
            report.set("scoring", scoring(rm, phases));
        }
        report.put("peak_rss_mib", ProcessMemory.overallPeakMib());
        prov.putPOJO("loadavg_end", loadAverage());
        System.out.printf("peak resident memory (VmHWM) %.0f MiB; load average %s at start, %s at end%n",
                report.get("peak_rss_mib").asDouble(), prov.get("loadavg_start"), prov.get("loadavg_end"));
        Json.write(out, report);
        System.out.println("wrote " + out);
        return Main.OK;
    }

    /** Timed training steps: forward, backward, clip, AdamW; medians, tokens/s and (BERT) MFU. */
    private ObjectNode trainSteps(RewardModel rm, FlopCount bert, ContrastiveConfig cl, double peakGflops) {
        Random rnd = new Random(0);
        int vocab = rm.encoder().tokenizer().vocabularySize();
        List<EncodedSequence> rows = new ArrayList<>();
        for (int i = 0; i < 2 * pairs; i++) {
            int len = minSeqLen > 0 ? minSeqLen + rnd.nextInt(Math.max(1, seqLen - minSeqLen + 1)) : seqLen;
            rows.add(randomSequence(rnd, len, vocab));
        }
        TokenBatch batch = TokenBatch.of(rows, rm.encoder().padId());
        // The production step (train-rm's) over these pairs, at a constant learning rate: one batch, every step.
        List<EncodedPair> enc = new ArrayList<>();
        for (int i = 0; i < pairs; i++) enc.add(new EncodedPair(rows.get(i), rows.get(pairs + i)));
        int[] all = new int[pairs];
        for (int i = 0; i < pairs; i++) all[i] = i;
        TrainConfig tc = TrainConfig.builder().optim(optimizer.config(1e-5)).warmupRatio(0).schedule("constant").dropout(dropout).build();
        RewardTrainer trainer = new RewardTrainer(rm, tc, new BradleyTerryLoss(), 1.0, List.of());
        if (cl != null) {
            ContrastiveObjective objective = ContrastiveObjectives.create(cl, rm.manager(), rm.backbone().hiddenSize(), 0);
            rm.attachAuxiliary(objective.parameters());
            trainer.withContrastive(cl, objective);
        }
        Loop<int[]> loop = trainer.loop(enc, null, null, steps + 2);
        double[] fwd = new double[steps], bwd = new double[steps], upd = new double[steps], tot = new double[steps];
        double[] cpu = new double[steps]; // process CPU seconds per step: less swayed than wall time by other processes
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double firstLoss = Double.NaN;
        for (int s = -2; s < steps; s++) {
            if (s == 0 && profile != null) Engines.startProfile();
            long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            Loop.Update u = loop.update(List.of(all));
            long t3 = System.nanoTime();
            if (s == -2) firstLoss = u.loss();
            if (s >= 0) {
                fwd[s] = u.forwardSeconds();
                bwd[s] = u.backwardSeconds();
                upd[s] = u.updateSeconds();
                tot[s] = (t3 - t0) / 1e9;
                cpu[s] = (os.getProcessCpuTime() - c0) / 1e9;
            }
        }
        if (profile != null) Engines.stopProfile(profile);
        Engines.releaseFreeMemory(); // the end of training, as Loop.run ends it: scoring does not start from a step's peak
        double step = GemmPeak.median(tot);
        if (cl != null) System.out.printf("contrastive %s-%s (two dropout views, β %.2f)%n", cl.method(), cl.contrast(), cl.beta());
        System.out.printf("backbone %s (%,d parameters), %d pairs x %s tokens (%d sequences, %d real tokens), %d steps: "
                        + "median step %.3f s (forward %.3f, backward %.3f, clip+AdamW %.3f), %.0f tokens/s%n", rm.backboneName(),
                rm.parameters().count(), pairs, minSeqLen > 0 ? minSeqLen + "-" + seqLen : Integer.toString(seqLen), 2 * pairs,
                batch.realTokens(), steps, step, GemmPeak.median(fwd), GemmPeak.median(bwd), GemmPeak.median(upd), batch.realTokens() / step);
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("backbone", rm.backboneName());
        t.put("parameters", rm.parameters().count());
        t.put("pairs", pairs);
        t.put("seq_len", seqLen);
        t.put("min_seq_len", minSeqLen);
        t.put("sequences", 2 * pairs);
        t.put("tokens", batch.realTokens());
        t.put("contrastive", cl == null ? null : cl.method() + "-" + cl.contrast());
        t.put("warmup", 2);
        t.put("steps", steps);
        t.set("step_seconds", Json.MAPPER.valueToTree(tot));
        t.put("step_seconds_median", step);
        t.put("step_cpu_seconds_median", GemmPeak.median(cpu));
        t.put("forward_seconds_median", GemmPeak.median(fwd));
        t.put("backward_seconds_median", GemmPeak.median(bwd));
        t.put("update_seconds_median", GemmPeak.median(upd));
        t.put("tokens_per_s", batch.realTokens() / step);
        t.put("first_loss", firstLoss);
        if (bert != null) {
            // over the padded batch the engine computes (both views with --contrastive); the useful FLOPs of a
            // reward read at [CLS] (what MFU counts), and those of every position of every layer for reference
            long seqs = cl != null ? 2L * batch.rows() : batch.rows();
            double flops = bert.trainingFlops(seqs, batch.cols(), rm.pooling() == Pooling.CLS);
            t.put("model_flops_per_step", flops);
            t.put("dense_flops_per_step", bert.trainingFlops(seqs, batch.cols(), false));
            t.put("achieved_gflops", flops / step / 1e9);
            if (!Double.isNaN(peakGflops)) {
                t.put("mfu", flops / step / 1e9 / peakGflops);
                System.out.printf("model FLOPs %.1f G per step: %.1f GFLOP/s, MFU %.1f%% of the measured GEMM peak %.1f GFLOP/s%n",
                        flops / 1e9, flops / step / 1e9, 100 * flops / step / 1e9 / peakGflops, peakGflops);
            }
        }
        return t;
    }

    /** Scoring throughput: both responses of {@code --score-pairs} pairs per run, no gradients, as eval-rm scores. */
    private ArrayNode scoring(RewardModel rm, ArrayNode phases) {
        ArrayNode all = Json.MAPPER.createArrayNode();
        int vocab = rm.encoder().tokenizer().vocabularySize();
        for (int len : scoreLengths) {
            if (len == 0) continue;
            Random rnd = new Random(len);
            List<EncodedSequence> seqs = new ArrayList<>();
            for (int i = 0; i < 2 * scorePairs; i++) seqs.add(randomSequence(rnd, len, vocab));
            double[] secs = new double[repeats];
            ProcessMemory.Mark mark = ProcessMemory.start();
            for (int r = -1; r < repeats; r++) {
                long t0 = System.nanoTime();
                rm.score(seqs, scoreBatch);
                if (r >= 0) secs[r] = (System.nanoTime() - t0) / 1e9;
            }
            phase(phases, mark, "scoring_" + len);
            double med = GemmPeak.median(secs);
            System.out.printf("scoring %d pairs x %d tokens (batches of %d sequences): median %.3f s, %.1f pairs/s%n",
                    scorePairs, len, scoreBatch, med, scorePairs / med);
            ObjectNode o = all.addObject();
            o.put("seq_len", len);
            o.put("pairs", scorePairs);
            o.put("batch_sequences", scoreBatch);
            o.set("seconds", Json.MAPPER.valueToTree(secs));
            o.put("seconds_median", med);
            o.put("pairs_per_s", scorePairs / med);
        }
        return all;
    }

    /** Ids drawn uniformly from the middle of the vocabulary (clear of special tokens); encoder/Python reference agree on them. */
    private static EncodedSequence randomSequence(Random rnd, int len, int vocab) {
        int low = Math.min(vocab / 2, 1000), span = Math.max(1, Math.min(20000, vocab - low));
        int[] ids = new int[len];
        for (int k = 0; k < len; k++) ids[k] = low + rnd.nextInt(span);
        return new EncodedSequence(ids, new int[len], false);
    }

    /** Ends a phase: its peak RSS and the JVM heap's share, printed and added to the report's {@code memory} array. */
    private static void phase(ArrayNode phases, ProcessMemory.Mark mark, String name) {
        ProcessMemory.Phase p = mark.end(name);
        System.out.println("memory " + p.describe());
        phases.add(Json.MAPPER.valueToTree(p));
    }

    private static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[0];
        }
    }

    private Integer benchGenerate() {
        ModelSpec spec = modelOptions.spec();
        ArrayNode phases = Json.MAPPER.createArrayNode();
        ProcessMemory.Mark mark = ProcessMemory.start();
        try (CausalLm lm = languageModel(spec)) {
            phase(phases, mark, "load");
            mark = ProcessMemory.start();
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
                medians[mode] = GemmPeak.median(tps);
            }
            System.out.printf("median tokens/s: KV cache on %.1f, off %.1f; the cache is %.1fx faster%n", medians[0], medians[1],
                    medians[0] / medians[1]);
            phase(phases, mark, "generation");
            ObjectNode report = Json.MAPPER.createObjectNode();
            report.put("kind", "bench-generate");
            report.put("side", "java");
            report.set("provenance", Provenance.of("bench", this.spec.commandLine().getParseResult().originalArgs(),
                    Map.of(), 0, Engines.info()));
            report.put("new_tokens", generate);
            report.put("tokens_per_s_cache_on", medians[0]);
            report.put("tokens_per_s_cache_off", medians[1]);
            report.set("memory", phases);
            report.put("peak_rss_mib", ProcessMemory.overallPeakMib());
            Json.write(out, report);
            System.out.println("wrote " + out);
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
}
