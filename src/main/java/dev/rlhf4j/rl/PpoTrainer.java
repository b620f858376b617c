package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.decoder.Generator;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.Loop;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.LrSchedule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import dev.rlhf4j.engine.Scalars;

/**
 * PPO against a reward function (METHODS.md §6): per iteration, sample k responses to each of a batch of prompts
 * from the actor; score the decoded text; reward = normalised, clipped score at the last token − β·(log π − log
 * π_ref) at every token; GAE (γ, λ); then a few epochs of the clipped policy and value losses over minibatches.
 * Writes {@code metrics.jsonl} (one line per iteration), the actor as a *ForCausalLM directory in {@code out/policy},
 * {@code out/resume/} every few iterations (overwritten) and {@code out/snapshots/iter-XXXX/} at the configured
 * iterations (kept, each with its provenance and {@code snapshot_iteration}).
 *
 * <p>With a critic-free {@link Algorithm} (METHODS.md §9: GRPO, Dr. GRPO, RLOO, REINFORCE++) the rollouts, scoring,
 * KL and logging are the same; there is no critic (no value head, loss, optimizer or checkpoint), the advantages come
 * from {@link Advantages} and the loss is {@link #criticFreeStep}.
 *
 * <p>Besides the means of the RM and gold rewards, each iteration logs how well the reward model in use orders that
 * iteration's rollouts by gold ({@link RolloutAgreement}, when gold is known): {@code rm_gold_pairs} (within-prompt
 * pairs whose gold differs), {@code rm_gold_accuracy} (share ordered as gold orders them, reward ties one half; null
 * without pairs), {@code rm_gold_kendall_tau} (mean τ-b over prompts where defined; null where none) and
 * {@code rm_gold_tau_prompts}. {@code ppl} is logged only when a perplexity set is given.
 */
public final class PpoTrainer {
    private final CausalLm actor;
    private final CausalLm reference;
    private final ValueModel critic;
    private final RewardFunction reward;
    private final RewardFunction gold;
    private final PpoConfig cfg;
    private final PolicyText text;
    private final List<ResponseTokens.Sequence> pplSet;
    private final ResponseTokens pplTokens;
    private final RunningMoments moments = new RunningMoments();

    /** Summary of a run: the last iteration's metrics and the wall time. */
    public record Result(int iterations, ObjectNode last, double seconds) {}

    /**
     * @param critic    PPO's value model; null for a critic-free algorithm
     * @param gold      scores logged beside the RM reward (the controlled task's gold), or null
     * @param pplSet    demonstrations whose response perplexity under the actor is logged every iteration (may be empty)
     */
    public PpoTrainer(CausalLm actor, CausalLm reference, ValueModel critic, RewardFunction reward, RewardFunction gold,
                      PpoConfig cfg, List<Demonstrations.Example> pplSet) {
        this.actor = actor;
        this.reference = reference;
        this.critic = critic;
        this.reward = reward;
        this.gold = gold;
        this.cfg = cfg;
        this.text = new PolicyText(actor, cfg.maxPromptTokens());
        this.pplTokens = new ResponseTokens(actor, cfg.maxPromptTokens(), cfg.maxPromptTokens() + cfg.maxNewTokens());
        this.pplSet = pplTokens.encode(pplSet);
        if ((critic != null) != cfg.algorithm().usesCritic()) {
            throw new IllegalArgumentException(cfg.algorithm() + (critic == null ? " needs a critic" : " takes no critic"));
        }
    }

    /** One sampled response and what it earned. */
    record Rollout(String prompt, int[] promptIds, int[] responseIds, String response, double score, double gold) {}

    public Result train(List<String> prompts, Path out, boolean resume, ObjectNode provenance) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("no prompts to train on");
        boolean withCritic = critic != null;
        actor.trainableParameters().requireGradients(true); // with LoRA: A and B (and the value head), the bases frozen
        if (withCritic) critic.trainableParameters().requireGradients(true);
        actor.decoder().recompute(cfg.recompute());
        if (withCritic) critic.recompute(cfg.recompute());
        AdamW actorOpt = cfg.actorOptim().create(actor.manager(), actor.trainableParameters());
        AdamW criticOpt = withCritic ? cfg.criticOptim().create(critic.manager(), critic.trainableParameters()) : null;
        Loop.Group actorGroup = new Loop.Group(ACTOR, actor.trainableParameters(), actorOpt, LrSchedule.constant(cfg.actorOptim().lr()));
        Loop<Minibatch> loop = withCritic
                ? new Loop<>(Loop.Step.of(STATS, this::step), new Loop.Settings(1, cfg.clipNorm(), cfg.seed()), List.of(actorGroup,
                        new Loop.Group(CRITIC, critic.trainableParameters(), criticOpt, LrSchedule.constant(cfg.criticOptim().lr()))))
                : new Loop<>(Loop.Step.of(CRITIC_FREE_STATS, this::criticFreeStep), new Loop.Settings(1, cfg.clipNorm(), cfg.seed()),
                        List.of(actorGroup));
        int start = 0;
        double elapsedBefore = 0;
        if (resume) {
            ResumeState.Loaded st = ResumeState.load(out);
            start = st.extra().path("iteration").asInt();
            elapsedBefore = st.state().elapsedSeconds();
            moments.restore(st.extra().path("reward_moments"));
            String saved = st.extra().path("algorithm").asText(Algorithm.PPO.cliName());
            if (!saved.equals(cfg.algorithm().cliName())) {
                throw new IllegalArgumentException("the run in " + out + " was trained with --algorithm " + saved + ", not " + cfg.algorithm());
            }
            st.restore(ACTOR, actorOpt);
            if (withCritic) {
                critic.load(Safetensors.read(st.dir().resolve(CRITIC_FILE)).tensors());
                st.restore(CRITIC, criticOpt);
            }
            loop.resumeFrom(st.state());
            System.err.printf(Locale.ROOT, "%s: resuming at iteration %d/%d%n", cfg.algorithm(), start, cfg.iterations());
        }
        MetricsFile metrics = MetricsFile.open(out.resolve(MetricsFile.NAME), resume);
        long t0 = System.nanoTime();
        ObjectNode last = null;
        Generator gen = new Generator(actor);
        if (start == 0 && cfg.snapshotAt(0)) snapshot(out, 0, provenance);
        try {
            for (int it = start; it < cfg.iterations(); it++) {
                long skippedBefore = loop.skippedSteps(), replayedBefore = loop.replayedSteps();
                last = iteration(it, prompts, gen, loop);
                last.put("skipped_updates", loop.skippedSteps() - skippedBefore);
                last.put("replayed_updates", loop.replayedSteps() - replayedBefore);
                double secs = elapsedBefore + (System.nanoTime() - t0) / 1e9;
                last.put("elapsed_s", secs);
                metrics.record(MetricsFile.PPO, last);
                double per = (System.nanoTime() - t0) / 1e9 / (it + 1 - start);
                System.err.printf(Locale.ROOT, "%s: it %d/%d  rm %.3f  gold %.3f  rm-acc %s  kl %.3f%s  len %.1f  ent %.3f  clip %.3f  %s %.4f  "
                                + "(gen %.1fs score %.1fs logp %.1fs update %.1fs)  ETA %s%n", cfg.algorithm().cliName(), it + 1, cfg.iterations(),
                        last.path("rm_reward").asDouble(), last.path("gold_reward").asDouble(Double.NaN),
                        last.path("rm_gold_accuracy").isNumber() ? String.format(Locale.ROOT, "%.3f", last.path("rm_gold_accuracy").asDouble()) : "-",
                        last.path("kl").asDouble(), last.has("ppl") ? String.format(Locale.ROOT, "  ppl %.2f", last.path("ppl").asDouble()) : "",
                        last.path("response_length").asDouble(), last.path("entropy").asDouble(), last.path("clip_fraction").asDouble(),
                        withCritic ? "vloss" : "klloss", last.path(withCritic ? "value_loss" : "kl_loss").asDouble(), last.path("time_generate_s").asDouble(),
                        last.path("time_score_s").asDouble(), last.path("time_logprobs_s").asDouble(), last.path("time_update_s").asDouble(),
                        Rl.duration(per * (cfg.iterations() - it - 1)));
                if (cfg.snapshotAt(it + 1)) snapshot(out, it + 1, provenance);
                boolean lastIt = it == cfg.iterations() - 1;
                if ((it + 1) % cfg.checkpointEvery() == 0 || lastIt) {
                    ObjectNode extra = Json.MAPPER.createObjectNode();
                    extra.put("iteration", it + 1);
                    extra.set("reward_moments", moments.toJson());
                    if (!withCritic) extra.put("algorithm", cfg.algorithm().cliName()); // PPO's resume state as before
                    String iteration = Integer.toString(it + 1);
                    ResumeState.save(out, dir -> {
                        actor.save(dir, provenance);
                        if (withCritic) Safetensors.write(dir.resolve(CRITIC_FILE), critic.toHost(), Map.of("iteration", iteration));
                    }, loop.optimizers(), loop.state(secs), extra);
                }
            }
        } finally {
            actor.trainableParameters().requireGradients(false);
            if (withCritic) critic.trainableParameters().requireGradients(false);
        }
        actor.save(out.resolve("policy"), provenance);
        if (withCritic && critic.adapter() != null) critic.save(out.resolve(CRITIC_DIR), actor.tokenizer().json(), provenance);
        return new Result(cfg.iterations(), last, elapsedBefore + (System.nanoTime() - t0) / 1e9);
    }

    static final String ACTOR = "actor", CRITIC = "critic", CRITIC_FILE = "critic.safetensors";
    /** A LoRA critic's PEFT SEQ_CLS adapter directory under the run's output ({@link ValueModel#save}). */
    public static final String CRITIC_DIR = "critic";

    /** The directory of the snapshot after {@code iteration} iterations: {@code out/snapshots/iter-0025}. */
    public static Path snapshotDir(Path out, int iteration) {
        return out.resolve("snapshots").resolve(String.format(Locale.ROOT, "iter-%04d", iteration));
    }

    /** The actor as a policy directory that stays (unlike resume/), its provenance naming the iteration. */
    private void snapshot(Path out, int iteration, ObjectNode provenance) {
        ObjectNode prov = provenance == null ? Json.MAPPER.createObjectNode() : provenance.deepCopy();
        prov.put("snapshot_iteration", iteration);
        actor.save(snapshotDir(out, iteration), prov);
    }

    /** The prompts of iteration {@code it}: consecutive slices of a seeded shuffle, reshuffled each pass. */
    public static List<String> batchPrompts(List<String> prompts, int it, int size, long seed) {
        List<String> out = new ArrayList<>(size);
        for (int k = 0; k < size; k++) {
            long idx = (long) it * size + k;
            int pass = (int) (idx / prompts.size());
            int[] perm = permutation(prompts.size(), seed * 7919 + pass);
            out.add(prompts.get(perm[(int) (idx % prompts.size())]));
        }
        return out;
    }

    /** {@code size} prompts drawn without repetition (while there are enough) in a seeded order. */
    public static List<String> batchPromptsOf(List<String> prompts, int size, long seed) {
        return batchPrompts(prompts, 0, size, seed);
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private ObjectNode iteration(int it, List<String> prompts, Generator gen, Loop<Minibatch> loop) {
        // ---- rollouts ----
        long tGen = System.nanoTime();
        List<String> batch = batchPrompts(prompts, it, cfg.promptsPerIter(), cfg.seed());
        List<String> rowPrompts = new ArrayList<>();
        List<int[]> rowIds = new ArrayList<>();
        for (String p : batch) {
            int[] ids = text.prompt(p);
            for (int k = 0; k < cfg.rollouts(); k++) {
                rowPrompts.add(p);
                rowIds.add(ids);
            }
        }
        GenerationConfig gc = cfg.sampling(cfg.seed() * 1_000_003L + it);
        Generator.Result g = gen.generate(rowIds, gc);
        double genSecs = (System.nanoTime() - tGen) / 1e9;

        long tScore = System.nanoTime();
        List<String> responses = new ArrayList<>();
        for (Generator.Generation x : g.generations()) responses.add(x.text());
        double[] scores = reward.score(rowPrompts, responses);
        double[] golds = gold == null ? null : gold.score(rowPrompts, responses);
        double scoreSecs = (System.nanoTime() - tScore) / 1e9;
        RolloutAgreement agreement = golds == null ? null : RolloutAgreement.of(scores, golds, cfg.rollouts());

        int n = rowIds.size();
        List<Rollout> rolls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] resp = g.generations().get(i).newIds();
            if (resp.length == 0) resp = new int[] {actor.config().eosId()}; // max-new-tokens 0 cannot happen, but keep one action
            rolls.add(new Rollout(rowPrompts.get(i), rowIds.get(i), resp, responses.get(i), scores[i], golds == null ? Double.NaN : golds[i]));
        }
        moments.update(scores);

        // ---- log-probabilities, values, rewards, advantages ----
        long tLogp = System.nanoTime();
        List<int[]> promptIds = new ArrayList<>(n), responseIds = new ArrayList<>(n);
        for (Rollout ro : rolls) {
            promptIds.add(ro.promptIds());
            responseIds.add(ro.responseIds());
        }
        TokenBatch all = TokenBatch.promptResponses(promptIds, responseIds, actor.config().padOrEos());
        float[] old, ref, val;
        try (NDScope scope = new NDScope()) {
            old = actor.tokenLogProbs(all, false).toFloatArray();
            ref = reference.tokenLogProbs(all, false).toFloatArray();
            val = critic == null ? null : critic.values(all, false).toFloatArray();
        }
        int cols = all.cols();
        float[] adv = new float[n * (cols - 1)], ret = new float[n * (cols - 1)];
        float[] oldLp = new float[n * (cols - 1)], oldV = new float[n * (cols - 1)], act = new float[n * (cols - 1)];
        double klSum = 0, lenSum = 0;
        double[] finalReward = new double[n];
        // Critic-free: the second target is log π_ref (for the k3 term) instead of the old value; no returns.
        if (critic == null) {
            double[] kl = criticFreeTargets(rolls, cols, old, ref, finalReward, adv, oldLp, oldV, act);
            klSum = kl[0];
            lenSum = kl[1];
        } else {
        for (int r = 0; r < n; r++) {
            Rollout ro = rolls.get(r);
            int p = ro.promptIds().length, len = ro.responseIds().length;
            double s = cfg.normalizeRewards() ? moments.normalise(ro.score()) : ro.score();
            s = Math.max(-cfg.rewardClip(), Math.min(cfg.rewardClip(), s));
            finalReward[r] = s;
            double[] tokenReward = new double[len], values = new double[len];
            double kl = 0;
            for (int j = 0; j < len; j++) {
                int col = r * (cols - 1) + p + j - 1; // log-prob of response token j is predicted at column p + j − 1
                double k = old[col] - ref[col];
                kl += k;
                tokenReward[j] = -cfg.klBeta() * k + (j == len - 1 ? s : 0);
                values[j] = val[r * cols + p + j - 1]; // V of the state before token j
                oldLp[col] = old[col];
                oldV[col] = (float) values[j];
                act[col] = 1f;
            }
            double[][] ar = gae(tokenReward, values, cfg.gamma(), cfg.lambda());
            for (int j = 0; j < len; j++) {
                int col = r * (cols - 1) + p + j - 1;
                adv[col] = (float) ar[0][j];
                ret[col] = (float) ar[1][j];
            }
            klSum += kl;
            lenSum += len;
        }
        whiten(adv, act);
        }
        double logpSecs = (System.nanoTime() - tLogp) / 1e9;

        // ---- PPO epochs ----
        long tUpd = System.nanoTime();
        double pgLoss = 0, vLoss = 0, clipFrac = 0, entropy = 0; // critic-free: vLoss sums the KL loss
        int updates = 0;
        for (int e = 0; e < cfg.epochs(); e++) {
            int[] perm = permutation(n, cfg.seed() * 31 + it * 101L + e);
            for (int s0 = 0; s0 < n; s0 += cfg.minibatch()) {
                int[] rows = Arrays.copyOfRange(perm, s0, Math.min(n, s0 + cfg.minibatch()));
                double[] st = loop.update(List.of(minibatch(all, rows, oldLp, oldV, adv, ret, act))).stats();
                pgLoss += st[0];
                vLoss += st[1];
                clipFrac += st[2];
                entropy += st[3];
                updates++;
            }
        }
        double updSecs = (System.nanoTime() - tUpd) / 1e9;
        double ppl = pplSet.isEmpty() ? Double.NaN : pplTokens.perplexity(pplSet, 64);

        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("iteration", it + 1);
        if (critic == null) m.put("algorithm", cfg.algorithm().cliName()); // PPO's record as before
        m.put("rm_reward", mean(scores));
        if (golds != null) m.put("gold_reward", mean(golds));
        m.put("reward_normalised", mean(finalReward));
        m.put("kl", klSum / n);
        if (!pplSet.isEmpty()) m.put("ppl", ppl);   // no perplexity set (ppo without --ppl-data): nothing measured
        if (agreement != null) {
            m.put("rm_gold_pairs", agreement.pairs());
            putOrNull(m, "rm_gold_accuracy", agreement.accuracy());
            putOrNull(m, "rm_gold_kendall_tau", agreement.kendallTau());
            m.put("rm_gold_tau_prompts", agreement.tauGroups());
        }
        m.put("response_length", lenSum / n);
        m.put("entropy", entropy / updates);
        m.put("clip_fraction", clipFrac / updates);
        m.put("policy_loss", pgLoss / updates);
        if (critic != null) m.put("value_loss", vLoss / updates);
        else m.put("kl_loss", vLoss / updates);
        m.put("new_tokens", g.newTokens());
        m.put("rollout_tokens_per_s", g.newTokens() / Math.max(genSecs, 1e-9));
        m.put("time_generate_s", genSecs);
        m.put("time_score_s", scoreSecs);
        m.put("time_logprobs_s", logpSecs);
        m.put("time_update_s", updSecs);
        m.put("sample_prompt", rolls.get(0).prompt());
        m.put("sample_response", rolls.get(0).response());
        return m;
    }

    /** A minibatch of rollouts with its per-token targets (rows, cols − 1): old log-probs and values, advantages, returns, action mask. */
    record Minibatch(TokenBatch batch, float[][] targets) {}

    private static Minibatch minibatch(TokenBatch all, int[] rows, float[]... from) {
        TokenBatch b = all.rows(rows);
        int c1 = all.cols() - 1, bc1 = b.cols() - 1;
        float[][] picked = new float[from.length][rows.length * bc1];
        for (int k = 0; k < from.length; k++) {
            for (int r = 0; r < rows.length; r++) System.arraycopy(from[k], rows[r] * c1, picked[k], r * bc1, bc1);
        }
        return new Minibatch(b, picked);
    }

    /** Stats of {@link #step}, in order. */
    private static final List<String> STATS = List.of("policy_loss", "value_loss", "clip_fraction", "entropy");

    /** The clipped policy loss plus the clipped value loss of one minibatch (both models differentiate their part). */
    private Loop.Micro step(Minibatch mb) {
        TokenBatch b = mb.batch();
        float[][] picked = mb.targets();
        int rows = b.rows(), bc1 = b.cols() - 1;
        NDManager m = actor.manager();
        Shape sh = new Shape(rows, bc1);
        NDArray oLp = m.create(picked[0], sh), oV = m.create(picked[1], sh), A = m.create(picked[2], sh),
                R = m.create(picked[3], sh), M = m.create(picked[4], sh);
        float count = Math.max(1f, M.sum().getFloat());
        CausalLm.LogProbs out = actor.logProbs(b, true, true);
        NDArray lp = out.tokens(), ent = out.entropy();
        NDArray ratio = lp.sub(oLp).exp();
        NDArray pg = Scalars.div(clippedSurrogate(ratio, A).mul(M).sum(), count);
        NDArray v = critic.values(b, true).get(new NDIndex(":, :-1"));
        NDArray vc = oV.add(v.sub(oV).clip((float) -cfg.valueClip(), (float) cfg.valueClip()));
        NDArray vl = Scalars.mul(Scalars.div(NDArrays.maximum(v.sub(R).square(), vc.sub(R).square()).mul(M).sum(), count), 0.5f);
        double pgv = pg.getFloat(), vlv = vl.getFloat();
        double cf = clipFraction(ratio, M, count), entv = ent.mul(M).sum().getFloat() / count;
        return new Loop.Micro(pg.add(vl), pgv + vlv, (long) count, pgv, vlv, cf, entv);
    }

    /** Per token −min(ρA, clip(ρ, 1 ± ε)A), ρ = π/π_old: the clipped policy objective PPO and the critic-free methods share. */
    private NDArray clippedSurrogate(NDArray ratio, NDArray A) {
        NDArray s1 = ratio.mul(A), s2 = ratio.clip((float) (1 - cfg.clip()), (float) (1 + cfg.clip())).mul(A);
        return NDArrays.minimum(s1, s2).neg();
    }

    /** Share of the masked tokens whose ratio left [1 − ε, 1 + ε]. */
    private double clipFraction(NDArray ratio, NDArray M, float count) {
        return ratio.sub(1).abs().gt((float) cfg.clip()).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(M).sum().getFloat() / count;
    }

    /** Stats of {@link #criticFreeStep}, in order. */
    private static final List<String> CRITIC_FREE_STATS = List.of("policy_loss", "kl_loss", "clip_fraction", "entropy");

    /**
     * The critic-free loss of one minibatch: per token −min(ρA, clip(ρ, 1 ± ε)A), plus β·k3(π, π_ref) when the KL is a
     * loss term, averaged as {@link Algorithm#aggregation()} says. Targets: old log-probs, reference log-probs,
     * advantages, returns (unused), action mask.
     */
    private Loop.Micro criticFreeStep(Minibatch mb) {
        TokenBatch b = mb.batch();
        float[][] picked = mb.targets();
        int rows = b.rows(), bc1 = b.cols() - 1;
        NDManager m = actor.manager();
        Shape sh = new Shape(rows, bc1);
        NDArray oLp = m.create(picked[0], sh), refLp = m.create(picked[1], sh), A = m.create(picked[2], sh),
                M = m.create(picked[4], sh);
        NDArray W = m.create(Advantages.lossWeights(picked[4], rows, bc1, cfg.algorithm().aggregation(), cfg.maxNewTokens()), sh);
        float count = Math.max(1f, M.sum().getFloat());
        CausalLm.LogProbs out = actor.logProbs(b, true, true);
        NDArray lp = out.tokens(), ent = out.entropy();
        NDArray ratio = lp.sub(oLp).exp();
        NDArray pg = clippedSurrogate(ratio, A).mul(W).sum();
        NDArray objective = pg;
        double klv = 0;
        if (cfg.algorithm().klPlacement(cfg.klInReward()) == Advantages.KlPlacement.LOSS_K3) {
            NDArray d = refLp.sub(lp).mul(M); // masked before exp: off the response π_ref is not there (0) and exp(−log π) may overflow
            NDArray k3;
            try (NDArray one = Scalars.constant(d, 1)) {
                k3 = d.exp().sub(d).sub(one);
            }
            NDArray kl = Scalars.mul(k3.mul(W).sum(), cfg.klBeta());
            objective = pg.add(kl);
            klv = kl.getFloat();
        }
        double pgv = pg.getFloat();
        double cf = clipFraction(ratio, M, count), entv = ent.mul(M).sum().getFloat() / count;
        return new Loop.Micro(objective, pgv + klv, (long) count, pgv, klv, cf, entv);
    }

    /**
     * The critic-free targets of a rollout batch: the same normalised, clipped score as PPO's into {@code finalReward},
     * per-token advantages from {@link Advantages#tokenAdvantages} into {@code adv}, log π (rollout) into {@code oldLp},
     * log π_ref into {@code refLp}, 1 on response tokens into {@code act}; returns {Σ KL, Σ length} over rows.
     */
    private double[] criticFreeTargets(List<Rollout> rolls, int cols, float[] old, float[] ref, double[] finalReward, float[] adv,
                                       float[] oldLp, float[] refLp, float[] act) {
        int n = rolls.size();
        double[][] tokenKl = new double[n][];
        double klSum = 0, lenSum = 0;
        for (int r = 0; r < n; r++) {
            Rollout ro = rolls.get(r);
            int p = ro.promptIds().length, len = ro.responseIds().length;
            double s = cfg.normalizeRewards() ? moments.normalise(ro.score()) : ro.score();
            finalReward[r] = Math.max(-cfg.rewardClip(), Math.min(cfg.rewardClip(), s));
            tokenKl[r] = new double[len];
            for (int j = 0; j < len; j++) {
                int col = r * (cols - 1) + p + j - 1; // log-prob of response token j is predicted at column p + j − 1
                tokenKl[r][j] = old[col] - ref[col];
                klSum += tokenKl[r][j];
                oldLp[col] = old[col];
                refLp[col] = ref[col];
                act[col] = 1f;
            }
            lenSum += len;
        }
        double[][] a = Advantages.tokenAdvantages(cfg.algorithm(), finalReward, tokenKl, cfg.rollouts(), cfg.klBeta(), cfg.klInReward());
        for (int r = 0; r < n; r++) {
            int p = rolls.get(r).promptIds().length;
            for (int j = 0; j < a[r].length; j++) adv[r * (cols - 1) + p + j - 1] = (float) a[r][j];
        }
        return new double[] {klSum, lenSum};
    }

    /**
     * Generalised advantage estimation over one response: δ_t = r_t + γ V_{t+1} − V_t (V after the last token is 0),
     * A_t = δ_t + γλ A_{t+1}; returns {advantages, returns = A + V}.
     */
    static double[][] gae(double[] rewards, double[] values, double gamma, double lambda) {
        int n = rewards.length;
        double[] adv = new double[n], ret = new double[n];
        double next = 0, a = 0;
        for (int t = n - 1; t >= 0; t--) {
            double delta = rewards[t] + gamma * next - values[t];
            a = delta + gamma * lambda * a;
            adv[t] = a;
            ret[t] = a + values[t];
            next = values[t];
        }
        return new double[][] {adv, ret};
    }

    private static void whiten(float[] x, float[] mask) {
        double s = 0, s2 = 0, c = 0;
        for (int i = 0; i < x.length; i++) {
            if (mask[i] == 0) continue;
            s += x[i];
            s2 += (double) x[i] * x[i];
            c++;
        }
        if (c < 2) return;
        double mu = s / c, sd = Math.sqrt(Math.max(s2 / c - mu * mu, 0)) + 1e-8;
        for (int i = 0; i < x.length; i++) x[i] = mask[i] == 0 ? 0 : (float) ((x[i] - mu) / sd);
    }

    private static void putOrNull(ObjectNode m, String field, double v) {
        if (Double.isNaN(v)) m.putNull(field);
        else m.put(field, v);
    }

    private static double mean(double[] x) {
        double s = 0;
        int c = 0;
        for (double v : x) {
            if (Double.isNaN(v)) continue;
            s += v;
            c++;
        }
        return c == 0 ? Double.NaN : s / c;
    }
}
