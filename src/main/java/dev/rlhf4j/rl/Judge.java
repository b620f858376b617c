package dev.rlhf4j.rl;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for each prompt, whether response A wins, ties or loses against response B. Implementations: the
 * controlled task's gold reward ({@link GoldJudge}), a reward-model checkpoint ({@link RewardModelJudge}) and an
 * HTTP reward server of OpenRLHF's {@code /get_reward} shape ({@link HttpJudge}).
 */
public interface Judge extends AutoCloseable {
    enum Verdict { WIN, TIE, LOSE }

    /** A verdict and the two scores behind it. */
    record Decision(Verdict verdict, double scoreA, double scoreB) {}

    List<Decision> judge(List<String> prompts, List<String> a, List<String> b);

    String name();

    @Override
    default void close() {}

    /** Judges by a score: A wins when its score exceeds B's by more than {@code tieBand}. */
    abstract class Scoring implements Judge {
        private final RewardFunction scores;
        private final double tieBand;

        protected Scoring(RewardFunction scores, double tieBand) {
            if (!(tieBand >= 0)) throw new IllegalArgumentException("the tie band must be ≥ 0, got " + tieBand);
            this.scores = scores;
            this.tieBand = tieBand;
        }

        @Override
        public List<Decision> judge(List<String> prompts, List<String> a, List<String> b) {
            double[] sa = scores.score(prompts, a), sb = scores.score(prompts, b);
            List<Decision> out = new ArrayList<>(sa.length);
            for (int i = 0; i < sa.length; i++) {
                if (Double.isNaN(sa[i]) || Double.isNaN(sb[i])) {
                    throw new IllegalArgumentException(name() + " cannot score prompt " + (i + 1) + ": " + prompts.get(i));
                }
                double d = sa[i] - sb[i];
                out.add(new Decision(d > tieBand ? Verdict.WIN : d < -tieBand ? Verdict.LOSE : Verdict.TIE, sa[i], sb[i]));
            }
            return out;
        }

        @Override
        public String name() {
            return scores.name() + (tieBand > 0 ? " (tie band " + tieBand + ")" : "");
        }

        @Override
        public void close() {
            scores.close();
        }
    }
}
