package dev.rlhf4j.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reward model the server scores with, under the name clients see.
 *
 * @param source the checkpoint directory, or null for a model built in memory (tests)
 */
public record ServedModel(String name, Path source, RewardModel model) {

    /** Loads a checkpoint directory (what {@code score --model} loads), named after the directory. */
    public static ServedModel load(Path dir, ai.djl.Device device) {
        return load(dir, null, device);
    }

    /**
     * {@code dir} with the PEFT SEQ_CLS adapter {@code adapter} on it as its base (null: {@code dir} alone, what
     * {@code score --model --adapter} loads), named after the adapter's directory when there is one, else after {@code dir}.
     */
    public static ServedModel load(Path dir, Path adapter, ai.djl.Device device) {
        Path abs = (adapter != null ? adapter : dir).toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
        return new ServedModel(name, abs, dev.rlhf4j.model.lora.Adapters.rewardModel(dir, adapter, device, true));
    }

    /** Whether the model is a decoder (its family says): it scores a rendered text as sent. */
    public boolean isDecoder() {
        return model.backbone().family().isDecoder();
    }

    /**
     * Model inputs of the items. Encoders read (context, response); decoders score an item's rendered text as
     * it is ({@code [BOS] text EOS}) and render (context, response) with their template otherwise, as
     * {@code score} does.
     */
    public List<EncodedSequence> encode(List<ScoreItem> items) {
        SequenceEncoder enc = model.encoder();
        List<Integer> renderedAt = new ArrayList<>(), pairedAt = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            (isDecoder() && items.get(i).rendered() != null ? renderedAt : pairedAt).add(i);
        }
        EncodedSequence[] out = new EncodedSequence[items.size()];
        if (!renderedAt.isEmpty()) {
            List<EncodedSequence> s = enc.encodeRendered(renderedAt.stream().map(i -> items.get(i).rendered()).toList());
            for (int k = 0; k < s.size(); k++) out[renderedAt.get(k)] = s.get(k);
        }
        if (!pairedAt.isEmpty()) {
            List<EncodedSequence> s = enc.encode(pairedAt.stream().map(i -> items.get(i).context()).toList(),
                    pairedAt.stream().map(i -> items.get(i).response()).toList());
            for (int k = 0; k < s.size(); k++) out[pairedAt.get(k)] = s.get(k);
        }
        return List.of(out);
    }

    /** What {@code GET /v1/models} says of the model: name, kind, backbone, input budget and a provenance summary. */
    public ObjectNode describe() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        if (source != null) o.put("path", source.toString());
        o.put("kind", isDecoder() ? "decoder" : "encoder");
        o.put("backbone", model.backboneName());
        o.put("pooling", model.pooling().name().toLowerCase());
        o.put("max_length", model.encoder().maxLength());
        Path prov = source == null ? null : source.resolve(RewardModels.PROVENANCE);
        if (prov != null && Files.isRegularFile(prov)) {
            JsonNode p = dev.rlhf4j.data.Json.read(prov);
            ObjectNode s = o.putObject("provenance");
            for (String f : List.of("tool", "version", "command", "seed", "created")) {
                if (p.has(f)) s.set(f, p.get(f));
            }
            ObjectNode inputs = s.putObject("inputs");
            p.path("inputs").fields().forEachRemaining(e -> inputs.put(e.getKey(), e.getValue().path("sha256").asText()));
        } else {
            o.putNull("provenance");
        }
        return o;
    }
}
