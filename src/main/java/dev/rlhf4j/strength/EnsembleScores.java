package dev.rlhf4j.strength;

import java.util.ArrayList;
import java.util.List;

/** Each pair's rewards from the members that scored it, in member order; reduced to μ̂ and σ̂ at the end. */
public final class EnsembleScores {
    private final List<List<Float>> chosen, rejected;

    public EnsembleScores(int pairs) {
        chosen = new ArrayList<>(pairs);
        rejected = new ArrayList<>(pairs);
        for (int i = 0; i < pairs; i++) {
            chosen.add(new ArrayList<>());
            rejected.add(new ArrayList<>());
        }
    }

    /**
     * One member's rewards of the pairs at {@code indices} ({@code s[0]} chosen, {@code s[1]} rejected). Members
     * must be added in order, so every pair's lists are in member order.
     */
    public void add(List<Integer> indices, float[][] s) {
        for (int j = 0; j < indices.size(); j++) {
            chosen.get(indices.get(j)).add(s[0][j]);
            rejected.get(indices.get(j)).add(s[1][j]);
        }
    }

    public float[] chosen(int pair) {
        return toArray(chosen.get(pair));
    }

    public float[] rejected(int pair) {
        return toArray(rejected.get(pair));
    }

    public List<PairStrength> strengths() {
        List<PairStrength> out = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) out.add(PairStrength.of(chosen(i), rejected(i)));
        return out;
    }

    private static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
