package dev.rlhf4j.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the engine's fp32 matrix multiply reaches on this machine, now: the denominator of model FLOP
 * utilisation. Measured in the same process just before the model runs, so load from other processes
 * and the engine's thread settings weigh on both numbers alike.
 */
public final class GemmPeak {
    private GemmPeak() {}

    /** One (m × k) · (k × n) product: the median seconds of one call and the FLOP/s it gives (2·m·k·n per call). */
    public record Result(long m, long k, long n, double seconds, double gflops) {}

    /**
     * Times each shape {@code repeats} times after one warm-up; each timing loops enough calls to last about
     * 50 ms at 100 GFLOP/s (at most 100), so call overhead does not count.
     *
     * @param shapes rows of {m, k, n}
     */
    public static List<Result> measure(Device device, List<long[]> shapes, int repeats) {
        List<Result> out = new ArrayList<>();
        try (NDManager manager = Engines.newManager(device)) {
            manager.getEngine().setRandomSeed(0);
            for (long[] s : shapes) {
                long m = s[0], k = s[1], n = s[2];
                NDArray a = manager.randomNormal(new Shape(m, k));
                NDArray b = manager.randomNormal(new Shape(k, n));
                int inner = (int) Math.min(100, Math.max(1, 5e9 / (2.0 * m * k * n)));
                double[] t = new double[repeats];
                for (int r = -1; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    try (NDScope scope = new NDScope()) {
                        for (int i = 0; i < inner; i++) a.matMul(b);
                    }
                    if (r >= 0) t[r] = (System.nanoTime() - t0) / 1e9 / inner;
                }
                double med = median(t);
                out.add(new Result(m, k, n, med, 2.0 * m * k * n / med / 1e9));
                a.close();
                b.close();
            }
        }
        return out;
    }

    /** The fastest of the measured shapes, GFLOP/s. */
    public static double peak(List<Result> results) {
        return results.stream().mapToDouble(Result::gflops).max().orElse(Double.NaN);
    }

    /** The median of {@code v} (the mean of the middle two for an even length); {@code v} is left as it is. */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
