package dev.rlhf4j.rl;

/** A reward server as the judge: {@code POST URL {"query": [...]}} → {@code {"rewards": [...]}} (OpenRLHF's shape). */
public final class HttpJudge extends Judge.Scoring {
    public HttpJudge(String url, String apiKey, double tieBand) {
        super(new HttpRewardFunction(url, apiKey), tieBand);
    }
}
