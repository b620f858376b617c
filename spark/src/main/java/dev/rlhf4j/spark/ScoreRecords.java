package dev.rlhf4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.cli.ScoreCommand;
import dev.rlhf4j.data.DataException;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferenceFormat;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.strength.PairStrength;
import dev.rlhf4j.strength.StrengthEstimator;
import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** One partition of the Spark score job: loads the models once, then scores the records chunk by chunk. */
final class ScoreRecords {
    private ScoreRecords() {}

    static final String CHOSEN = "chosen_reward", REJECTED = "rejected_reward", REWARD = "reward", REWARDS = "rewards";
    /** Records parsed and scored together: bounds memory, and is large enough for length-sorted batches. */
    static final int CHUNK = 8192;

    /**
     * @param responses  records are {prompt, response} (else pairs in {@code pairFormat})
     * @param dataName   the input's name, for error messages (record numbers count from 1 in input order)
     */
    record Job(List<String> models, HadoopIo io, boolean responses, String pairFormat, boolean skipInvalid, int batchSize,
               String device, String dataName, LongAccumulator done, LongAccumulator skipped) implements Serializable {}

    static Iterator<String> run(Job job, Iterator<Tuple2<Long, String>> records) {
        if (!records.hasNext()) return Collections.emptyIterator();
        Engines.prepareThread(); // a Spark task thread, not the one that started the engine
        List<RewardModel> models = new ArrayList<>();
        TaskContext task = TaskContext.get();
        try {
            for (String m : job.models()) models.add(RewardModels.load(job.io().local(m), Engines.device(job.device())));
        } catch (RuntimeException e) {
            models.forEach(RewardModel::close);
            throw e;
        }
        Runnable close = () -> models.forEach(RewardModel::close);
        if (task != null) {
            task.addTaskCompletionListener(new TaskCompletionListener() {
                @Override
                public void onTaskCompletion(TaskContext context) {
                    close.run();
                }
            });
        }
        PreferenceFormat format = job.responses() ? null : PreferenceDataset.format(job.pairFormat());
        return new Iterator<>() {
            Iterator<String> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && records.hasNext()) current = chunk(job, models, format, records).iterator();
                if (!current.hasNext() && task == null) close.run();
                return current.hasNext();
            }

            @Override
            public String next() {
                if (!hasNext()) throw new NoSuchElementException();
                return current.next();
            }
        };
    }

    private static List<String> chunk(Job job, List<RewardModel> models, PreferenceFormat format, Iterator<Tuple2<Long, String>> it) {
        List<ObjectNode> records = new ArrayList<>();
        List<PreferencePair> pairs = new ArrayList<>();
        while (it.hasNext() && records.size() < CHUNK) {
            Tuple2<Long, String> t = it.next();
            String text = t._2();
            if (text.isBlank()) continue;
            int number = (int) Math.min(Integer.MAX_VALUE, t._1() + 1);
            try {
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(text);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new DataException(job.dataName(), number, "bad JSON at column " + e.getLocation().getColumnNr() + ": "
                            + e.getOriginalMessage(), e);
                }
                if (!(node instanceof ObjectNode record)) {
                    throw new DataException(job.dataName(), number, "record is not a JSON object");
                }
                if (job.responses()) {
                    if (!record.path("response").isTextual()) {
                        throw new DataException(job.dataName(), number, "expected an object with a string 'response'");
                    }
                    records.add(record);
                } else {
                    pairs.add(format.parse(record, job.dataName(), number));
                    records.add(record);
                }
            } catch (DataException e) {
                if (!job.skipInvalid()) throw e;
                job.skipped().add(1);
            }
        }
        int n = records.size();
        int m = models.size();
        float[][] a = new float[m][], b = new float[m][];
        for (int k = 0; k < m; k++) {
            if (job.responses()) {
                a[k] = ScoreCommand.responseRewards(models.get(k), records, job.batchSize());
            } else {
                float[][] s = PairScorer.score(models.get(k), pairs, job.batchSize());
                a[k] = s[0];
                b[k] = s[1];
            }
        }
        List<String> out = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                float[] x = column(a, i), y = job.responses() ? null : column(b, i);
                ObjectNode r;
                if (job.responses()) {
                    r = records.get(i).deepCopy();
                    if (m == 1) {
                        r.put(REWARD, x[0]);
                    } else {
                        r.put(REWARD, mean(x));
                        r.put(REWARD + "_std", std(x));
                        ArrayNode l = r.putArray(REWARDS);
                        for (float v : x) l.add(v);
                    }
                } else if (m == 1) {
                    r = pairs.get(i).record().deepCopy(); // what 'rlhf4j score' writes
                    r.put(CHOSEN, x[0]);
                    r.put(REJECTED, y[0]);
                } else {
                    r = StrengthEstimator.withStrength(pairs.get(i).record(), PairStrength.of(x, y));
                    r.put(CHOSEN, mean(x));
                    r.put(REJECTED, mean(y));
                    r.put(CHOSEN + "_std", std(x));
                    r.put(REJECTED + "_std", std(y));
                }
                out.add(Json.MAPPER.writeValueAsString(r));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        job.done().add(n);
        return out;
    }

    private static float[] column(float[][] a, int i) {
        float[] c = new float[a.length];
        for (int k = 0; k < a.length; k++) c[k] = a[k][i];
        return c;
    }

    static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    }

    /** Population standard deviation, as σ̂ of strength. */
    static double std(float[] x) {
        double mu = mean(x), ss = 0;
        for (float v : x) ss += (v - mu) * (v - mu);
        return Math.sqrt(ss / x.length);
    }
}
