package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.lora.Adapters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rlhf4j score}: adds rewards to every record of a file. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score records with a reward model and write them back with rewards added.",
                "Pair records get chosen_reward and rejected_reward; records of {prompt, response} get reward."})
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Reward-model checkpoint directory.")
    Path model;

    @Option(names = "--adapter", description = "A PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors) "
            + "put on --model as its base (default: none; --model may also name an adapter directory alone, whose "
            + "base_model_name_or_path is then the base).")
    Path adapter;

    @Option(names = "--data", required = true, description = "Pairs (any format), or JSONL of {prompt, response}.")
    Path data;

    @Option(names = "--out", required = true, description = "Output JSONL (.gz compresses).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Option(names = "--uncalibrated", defaultValue = "false",
            description = "Write raw rewards even when the checkpoint carries a calibrated temperature or a reward "
                    + "normalisation (default: ${DEFAULT-VALUE}: (r − mean) / std when normalised, else rewards divided by "
                    + "the temperature, so that σ(r_c − r_r) reads as a probability).")
    boolean uncalibrated;

    @Mixin DataOptions dataOptions;

    @Override
    public Integer call() throws Exception {
        try (RewardModel rm = Adapters.rewardModel(model, adapter, device.get(), !uncalibrated)) {
            if (rm.normalization() != null) {
                System.err.printf(java.util.Locale.ROOT, "rewards %s (normalisation mean %.6g, std %.6g%s)%n",
                        uncalibrated ? "raw" : "normalised", rm.normalization().mean(), rm.normalization().std(),
                        uncalibrated ? ", not applied" : ", applied; it replaces any temperature");
            } else if (rm.calibration() != null) {
                System.err.printf(java.util.Locale.ROOT, "rewards on the %s scale (calibrated temperature %.4f%s)%n",
                        uncalibrated ? "raw" : "calibrated", rm.calibration().path("temperature").asDouble(),
                        uncalibrated ? ", not applied" : ", applied");
            }
            List<ObjectNode> records = singleResponses(data);
            if (records != null) {
                float[] rewards = responseRewards(rm, records, batchSize);
                for (int i = 0; i < records.size(); i++) records.get(i).put("reward", rewards[i]);
            } else {
                List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
                float[][] s = PairScorer.score(rm, pairs, batchSize);
                records = new ArrayList<>(pairs.size());
                for (int i = 0; i < pairs.size(); i++) {
                    ObjectNode r = pairs.get(i).record().deepCopy();
                    r.put("chosen_reward", s[0][i]);
                    r.put("rejected_reward", s[1][i]);
                    records.add(r);
                }
            }
            Jsonl.write(out, records);
            System.out.println("scored " + records.size() + " records -> " + out.toAbsolutePath());
        }
        return Main.OK;
    }

    /** Rewards of {prompt, response} records (the prompt as one user turn): what {@code score} adds as 'reward'. */
    public static float[] responseRewards(RewardModel rm, List<ObjectNode> records, int batchSize) {
        List<List<Turn>> ctx = new ArrayList<>();
        List<String> resp = new ArrayList<>();
        for (ObjectNode r : records) {
            ctx.add(List.of(Turn.user(r.path("prompt").asText())));
            resp.add(r.path("response").asText());
        }
        return rm.score(rm.encoder().encode(ctx, resp), batchSize);
    }

    /** Whether a record is a single response ({prompt, response}) rather than a pair. */
    public static boolean isSingleResponse(JsonNode n) {
        return n.isObject() && n.has("response") && !n.has("chosen");
    }

    /** The records when the file holds single responses ({prompt, response} objects), else null. */
    private static List<ObjectNode> singleResponses(Path file) throws Exception {
        try (BufferedReader in = Jsonl.openText(file)) {
            String first;
            while ((first = in.readLine()) != null && first.isBlank()) { }
            if (first == null) throw new IllegalArgumentException(file + ": empty file");
            JsonNode n = Json.MAPPER.readTree(first);
            if (!isSingleResponse(n)) return null;
            List<ObjectNode> out = new ArrayList<>();
            int line = 1;
            out.add((ObjectNode) n);
            for (String l; (l = in.readLine()) != null; ) {
                line++;
                if (l.isBlank()) continue;
                JsonNode r = Json.MAPPER.readTree(l);
                if (!r.isObject() || !r.path("response").isTextual()) {
                    throw new IllegalArgumentException(file + ":" + line + ": expected an object with a string 'response'");
                }
                out.add((ObjectNode) r);
            }
            return out;
        }
    }
}
