package dev.rlhf4j.model.decoder;

/**
 * Rotary inverse frequencies as transformers computes them (float32, then held in the checkpoint's type), with its
 * linear and llama3 scalings.
 */
final class RotaryTables {
    private RotaryTables() {}

    /** θ_i for i in [0, head_dim/2): 1 / base^(2i / head_dim), scaled as the config says. */
    static float[] inverseFrequencies(DecoderConfig c) {
        int dim = c.headDim();
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1f / (float) Math.pow(c.ropeTheta(), exponent);
        }
        switch (c.ropeScaling()) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) inv[i] = (float) (inv[i] / c.ropeFactor());
            }
            case "llama3" -> {
                double factor = c.ropeFactor(), low = c.ropeLowFreqFactor(), high = c.ropeHighFreqFactor();
                double old = c.ropeOriginalMax();
                double lowWavelen = old / low, highWavelen = old / high;
                for (int i = 0; i < inv.length; i++) {
                    double f = inv[i];
                    double wavelen = 2 * Math.PI / f;
                    double scaled = wavelen > lowWavelen ? f / factor : f;
                    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                        double smooth = (old / wavelen - low) / (high - low);
                        scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                    }
                    inv[i] = (float) scaled;
                }
            }
            default -> { }
        }
        // transformers holds these in the model's type (a buffer cast with the weights): bfloat16 for most checkpoints.
        for (int i = 0; i < inv.length; i++) inv[i] = c.roundToDtype(inv[i]);
        return inv;
    }
}
