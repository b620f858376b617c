package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rlhf4j.data.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.text.jinja.Template;
import dev.rlhf4j.text.jinja.TemplateException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Hugging Face chat template: the Jinja2 program a checkpoint ships (in {@code tokenizer_config.json}
 * or {@code chat_template.jinja}) that turns a dialogue into the one string the model was trained on.
 *
 * <p>Rendered by {@link Template}, rlhf4j's interpreter of the Jinja2 that chat templates use, whose output
 * is Python jinja2's as {@code transformers} sets it up ({@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)} with loop controls, its {@code tojson}, {@code raise_exception} and
 * {@code strftime_now}): Python values (None apart from undefined, {@code True}, {@code 1.0}, list and dict
 * reprs), str/list/dict methods, jinja2's filters and tests, loop variables, {@code namespace}, macros,
 * recursive loops, {@code {% generation %}} blocks. The template is parsed once, here; each
 * {@link #render} only evaluates it.
 *
 * <p>The template sees {@code messages} (maps with {@code role} and {@code content}, and through
 * {@link #renderMessages} any other field a message carries), {@code tools=None}, {@code documents=None},
 * {@code add_generation_prompt}, and {@code bos_token}/{@code eos_token} when the checkpoint names them
 * (undefined otherwise, as in {@code transformers}). Message content is only ever data: template syntax
 * inside it is printed, never run. Every one of the 453 cases of {@code ../shared/data/chat-templates}
 * renders as jinja2 renders it (SharedChatTemplateCasesTest).
 */
public final class ChatTemplate implements PromptRenderer {
    /** The file newer checkpoints keep the template in; it wins over {@code tokenizer_config.json}. */
    public static final String JINJA_FILE = "chat_template.jinja";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final String template;
    /** The parsed template; null when it does not parse (then {@link #syntaxError} is thrown by render). */
    private final Template parsed;
    private final TemplateException syntaxError;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = Objects.requireNonNull(template, "template");
        Template p = null;
        TemplateException error = null;
        try {
            p = Template.parse(template);
        } catch (TemplateException e) {
            error = e;
        }
        this.parsed = p;
        this.syntaxError = error;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** A template with the given special tokens; {@code null} tokens are left undefined in the template. */
    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return new ChatTemplate(template, bosToken, eosToken);
    }

    /**
     * The chat template of a checkpoint directory: {@code chat_template.jinja} if present, else the
     * {@code chat_template} of {@code tokenizer_config.json} (a string, or a list of named templates of
     * which {@code default} is used); {@code bos_token}/{@code eos_token} come from
     * {@code tokenizer_config.json} either way. Empty when neither file holds a template.
     *
     * @throws IllegalArgumentException when a file cannot be read or parsed, or a list of templates has no
     *     {@code default}
     */
    public static Optional<ChatTemplate> fromDirectory(Path dir) {
        Path configFile = dir.resolve(TOKENIZER_CONFIG);
        JsonNode config = JSON.createObjectNode();
        if (Files.isRegularFile(configFile)) {
            config = dev.rlhf4j.data.Json.read(configFile);
            if (config == null || !config.isObject()) {
                throw new IllegalArgumentException("cannot read " + configFile + ": not a JSON object");
            }
        }
        String bos = tokenText(config.get("bos_token"), "bos_token", configFile);
        String eos = tokenText(config.get("eos_token"), "eos_token", configFile);

        Path jinjaFile = dir.resolve(JINJA_FILE);
        if (Files.isRegularFile(jinjaFile)) {
            try {
                return Optional.of(of(Files.readString(jinjaFile, StandardCharsets.UTF_8), bos, eos));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + jinjaFile + ": " + e.getMessage(), e);
            }
        }
        return fromTokenizerConfig(config, configFile);
    }

    /**
     * The chat template held in a tokenizer_config.json's content ({@code chat_template} as a string, or a
     * list of named templates of which {@code default} is used); empty when it holds none.
     *
     * @param where the file the content came from, for error messages
     */
    public static Optional<ChatTemplate> fromTokenizerConfig(JsonNode config, Path where) {
        if (config == null || !config.isObject()) return Optional.empty();
        String bos = tokenText(config.get("bos_token"), "bos_token", where);
        String eos = tokenText(config.get("eos_token"), "eos_token", where);
        JsonNode node = config.get("chat_template");
        if (node == null || node.isNull()) return Optional.empty();
        if (node.isTextual()) return Optional.of(of(node.asText(), bos, eos));
        if (node.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : node) {
                String name = entry.path("name").asText(null);
                names.add(name);
                if ("default".equals(name) && entry.path("template").isTextual()) {
                    return Optional.of(of(entry.get("template").asText(), bos, eos));
                }
            }
            throw new IllegalArgumentException(where + ": chat_template lists " + names
                    + " but no template named \"default\"");
        }
        throw new IllegalArgumentException(where + ": chat_template is neither a string nor a list");
    }

    /** A special token of {@code tokenizer_config.json}: a string, an AddedToken object, or absent. */
    private static String tokenText(JsonNode node, String field, Path file) {
        if (node == null || node.isNull()) return null;
        if (node.isTextual()) return node.asText();
        if (node.isObject() && node.path("content").isTextual()) return node.get("content").asText();
        throw new IllegalArgumentException(file + ": " + field + " is neither a string nor an object with content");
    }

    /**
     * The dialogue as the template renders it.
     *
     * @param addGenerationPrompt append the prompt that opens the assistant's next turn
     * @throws IllegalArgumentException ({@link TemplateException}) when the template does not parse, fails,
     *     or calls {@code raise_exception}; the message names the template line
     */
    @Override
    public String render(List<Turn> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Turn t : messages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", t.role());
            m.put("content", t.content());
            list.add(m);
        }
        return renderMessages(list, addGenerationPrompt);
    }

    /**
     * The dialogue as the template renders it, each message a map with {@code role}, {@code content} and
     * any further fields the template reads ({@code name}, {@code reasoning_content}, {@code tool_calls},
     * ...): Strings, numbers, Booleans, nulls, Lists, Maps or Jackson nodes.
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        if (syntaxError != null) throw syntaxError;
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", messages);
        bindings.put("tools", null);
        bindings.put("documents", null);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) bindings.put("bos_token", bosToken);
        if (eosToken != null) bindings.put("eos_token", eosToken);
        return parsed.render(bindings);
    }

    /** The template text as the checkpoint had it (for saving). */
    public String template() {
        return template;
    }

    /** {@code bos_token}, or {@code null} when the checkpoint names none. */
    public String bosToken() {
        return bosToken;
    }

    /** {@code eos_token}, or {@code null} when the checkpoint names none. */
    public String eosToken() {
        return eosToken;
    }

    /**
     * The {@code tokenizer_config.json} fields that keep this template with a saved checkpoint:
     * {@code chat_template}, and {@code bos_token}/{@code eos_token} where set. Merge it into an existing
     * config with {@link ObjectNode#setAll(ObjectNode)}.
     */
    public ObjectNode toTokenizerConfig() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("chat_template", template);
        if (bosToken != null) node.put("bos_token", bosToken);
        if (eosToken != null) node.put("eos_token", eosToken);
        return node;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + template.length() + " chars, bos=" + bosToken + ", eos=" + eosToken + "]";
    }
}
