package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDManager;

/** Builds the contrastive objective a {@link ContrastiveConfig} names. */
public final class ContrastiveObjectives {
    private ContrastiveObjectives() {}

    /**
     * @param manager owns SwAV's prototypes (unused for SimCSE)
     * @param hidden  H, the width of the representations
     * @param seed    seeds SwAV's prototype initialisation
     */
    public static ContrastiveObjective create(ContrastiveConfig cfg, NDManager manager, int hidden, long seed) {
        return switch (cfg.method()) {
            case "simcse" -> new SimCse(cfg.tau());
            case "swav" -> new Swav(manager, hidden, cfg.swavK(), cfg.tau(), cfg.sinkhornIters(), cfg.sinkhornEps(), seed);
            default -> throw new IllegalArgumentException("unknown contrastive method '" + cfg.method() + "'");
        };
    }
}
