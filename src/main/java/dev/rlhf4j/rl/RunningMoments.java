package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

/** Mean and variance of every reward seen so far (Welford), for normalising rewards across iterations. */
final class RunningMoments {
    private long count;
    private double mean, m2;

    void update(double[] xs) {
        for (double x : xs) {
            if (!Double.isFinite(x)) continue;
            count++;
            double d = x - mean;
            mean += d / count;
            m2 += d * (x - mean);
        }
    }

    double normalise(double x) {
        double sd = count > 1 ? Math.sqrt(m2 / (count - 1)) : 1;
        return (x - mean) / Math.max(sd, 1e-6);
    }

    ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("count", count);
        o.put("mean", mean);
        o.put("m2", m2);
        return o;
    }

    void restore(JsonNode o) {
        count = o.path("count").asLong();
        mean = o.path("mean").asDouble();
        m2 = o.path("m2").asDouble();
    }
}
