package dev.rlhf4j.provenance;

/**
 * The tensor engine a run used, as provenance records it.
 *
 * @param description    engine name and versions, e.g. {@code PyTorch 2.7.1 (DJL 0.36.0)}
 * @param intraOpThreads threads libtorch splits one op over (results of some ops depend on it)
 * @param interOpThreads threads libtorch runs independent ops on
 */
public record EngineInfo(String description, int intraOpThreads, int interOpThreads) {}
