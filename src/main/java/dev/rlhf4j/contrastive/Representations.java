package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDArray;

/** What is contrasted (the paper's §4), built from one view's features of the chosen and rejected responses. */
public final class Representations {
    private Representations() {}

    /**
     * @param featuresChosen   (B, H) f(x, y_c) of one view
     * @param featuresRejected (B, H) f(x, y_r) of the same view
     * @param contrast         {@code pairs}: [f_c; f_r]; {@code difference}: [f_c − f_r; f_r − f_c]
     * @return (2B, H); row i and row i + B of the two views' results correspond as the objective expects
     */
    public static NDArray views(NDArray featuresChosen, NDArray featuresRejected, String contrast) {
        if (!featuresChosen.getShape().equals(featuresRejected.getShape()) || featuresChosen.getShape().dimension() != 2) {
            throw new IllegalArgumentException("features must be two (B, H) arrays of the same shape, got "
                    + featuresChosen.getShape() + " and " + featuresRejected.getShape());
        }
        return switch (contrast) {
            case "pairs" -> featuresChosen.concat(featuresRejected, 0);
            case "difference" -> {
                NDArray d = featuresChosen.sub(featuresRejected);
                yield d.concat(d.neg(), 0);
            }
            default -> throw new IllegalArgumentException("contrast must be pairs or difference, got '" + contrast + "'");
        };
    }
}
