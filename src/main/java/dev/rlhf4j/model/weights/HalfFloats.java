package dev.rlhf4j.model.weights;

/** IEEE half (fp16) and bfloat16 bit patterns to fp32, in plain Java (no DJL, no Java 20 API). */
final class HalfFloats {
    private HalfFloats() {}

    /** bfloat16 is the top half of an fp32: widening is exact, {@code bits << 16}. */
    static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** IEEE 754 binary16 to binary32, exact for every input (subnormals, infinities, NaN payloads). */
    static float halfToFloat(int bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) { // Inf / NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // +-0
            }
            // Subnormal: value = mant * 2^-24, exactly representable in fp32.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
    }
}
