package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Turn;

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
 * <p>Rendered with Jinjava, made to match how {@code transformers} renders ({@code
 * ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls): the template
 * is first rewritten ({@link Jinja2Rewriter}: Jinja2's whitespace rules, and the constructs Jinjava parses
 * differently), then rendered by a Jinjava extended with Jinja2's and Python's behaviour
 * ({@link Jinja2Runtime}). The template sees {@code messages} (maps with {@code role} and {@code content}),
 * {@code add_generation_prompt}, and {@code bos_token}/{@code eos_token} when the checkpoint names them
 * (undefined otherwise, as in {@code transformers}). Message content is only ever text: template syntax
 * inside it is printed, never run.
 *
 * <h2>Supported (each checked against Python's jinja2 in ChatTemplateTest)</h2>
 * <ul>
 *   <li>Whitespace: {@code trim_blocks}, {@code lstrip_blocks} (only where the tag starts its line),
 *       {@code -} and {@code +} on {@code {% %}}, {@code {{ }}} and {@code {# #}}; line endings made
 *       {@code \n} and one trailing newline of the template dropped.</li>
 *   <li>Globals: {@code raise_exception(msg)} (then {@link #render} throws with {@code msg}),
 *       {@code strftime_now(fmt)}; {@code {% generation %}} blocks render their contents.</li>
 *   <li>Statements: {@code if/elif/else}; {@code for} with {@code loop.index/index0/first/last/length/
 *       revindex/revindex0}, loop filters ({@code for m in messages if m.role != 'system'}, with
 *       {@code loop.*} counting only the kept items), {@code for ... else}, {@code break}/{@code continue};
 *       {@code set} (also block {@code set}), {@code namespace(...)} with {@code {% set ns.x = ... %}},
 *       reassigning {@code messages}; {@code macro}; {@code filter} blocks; {@code raw}.</li>
 *   <li>Expressions: {@code messages[0]['role']} and {@code .role}, negative indices, slices with steps
 *       ({@code messages[1:]}, {@code messages[::-1]}, {@code 'abc'[::-1]}); {@code +} and {@code ~}
 *       concatenation, arithmetic, {@code in}/{@code not in}, inline {@code if/else}; {@code not} with
 *       Jinja2's precedence ({@code not a == b} is {@code not (a == b)}); tests ({@code defined},
 *       {@code none}, {@code string}, {@code mapping}, {@code iterable}, {@code sequence}, {@code even},
 *       {@code divisibleby}, ...) also after filters ({@code messages|length is even}); filters binding
 *       tighter than operators ({@code 'a' + x | trim}); {@code '\n'} escapes; {@code d.get(k, default)},
 *       {@code d.items()}; iterating a string (characters) or a dict (keys).</li>
 *   <li>Python {@code str} methods: {@code strip/lstrip/rstrip} (optional characters),
 *       {@code upper/lower/title/capitalize}, {@code startswith/endswith} (string or tuple),
 *       {@code split/rsplit} (separator or whitespace, optional maxsplit), {@code replace} (optional
 *       count), {@code find/rfind/count}, {@code join}, {@code removeprefix/removesuffix}. Lengths, indices
 *       and slices of strings count code points, as Python does.</li>
 *   <li>Filters: {@code trim} (Python's whitespace, optional characters), {@code tojson} as
 *       {@code transformers} defines it (Python's separators, non-ASCII kept, {@code indent}),
 *       {@code string}, {@code items}, {@code length}, and Jinjava's others ({@code default}, {@code join},
 *       {@code map}, {@code selectattr}, {@code rejectattr}, {@code list}, {@code first}, {@code last},
 *       {@code upper}, {@code replace}, {@code format}, ...). A filter or test that does not exist is an
 *       error, as in Jinja2.</li>
 *   <li>Printing as Python's {@code str}: {@code True}/{@code False}, lists and dicts as their repr.</li>
 * </ul>
 *
 * <h2>Known differences from Jinja2</h2>
 * <ul>
 *   <li>Jinjava has one null for undefined and none: {@code {{ none }}} prints nothing (Jinja2:
 *       {@code None}), an undefined variable {@code is none}, and attributes of undefined values are
 *       undefined rather than an error.</li>
 *   <li>{@code ~} turns booleans into {@code true}/{@code false} (Jinja2: {@code True}); {@code +} of a
 *       string and a non-string ({@code 'a' + 1}) concatenates instead of raising; {@code 'x' * 3} (string
 *       repetition) is an error.</li>
 *   <li>Not available: Python {@code str} methods other than those above (e.g. {@code format},
 *       {@code isdigit}) unless Java's {@code String} has one of the same name and meaning, the
 *       {@code min}/{@code max} filters, {@code recursive} loops.</li>
 *   <li>{@code tools}, {@code documents} and tool calls are not passed: {@link Turn} has a role and text.</li>
 * </ul>
 */
public final class ChatTemplate implements PromptRenderer {
    /** The file newer checkpoints keep the template in; it wins over {@code tokenizer_config.json}. */
    public static final String JINJA_FILE = "chat_template.jinja";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final String template;
    /** The template as Jinjava gets it; null when rewriting it found a syntax error. */
    private final Jinja2Rewriter.Rewritten rewritten;
    private final String syntaxError;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = Objects.requireNonNull(template, "template");
        Jinja2Rewriter.Rewritten prepared = null;
        String error = null;
        try {
            prepared = Jinja2Rewriter.rewrite(template);
            for (String filter : prepared.filters) {
                if (Jinja2Runtime.JINJAVA.getGlobalContext().getFilter(filter) == null) {
                    throw new IllegalArgumentException("chat template error: no filter named '" + filter + "'");
                }
            }
            for (String test : prepared.tests) {
                if (Jinja2Runtime.JINJAVA.getGlobalContext().getExpTest(test) == null) {
                    throw new IllegalArgumentException("chat template error: no test named '" + test + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            prepared = null;
            error = e.getMessage();
        }
        this.rewritten = prepared;
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
            try {
                config = JSON.readTree(Files.readAllBytes(configFile));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + configFile + ": " + e.getMessage(), e);
            }
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
     * @throws IllegalArgumentException when the template does not parse, fails, or calls
     *     {@code raise_exception}
     */
    @Override
    public String render(List<Turn> messages, boolean addGenerationPrompt) {
        if (syntaxError != null) throw new IllegalArgumentException(syntaxError);
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Turn t : messages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", t.role());
            m.put("content", t.content());
            list.add(m);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) bindings.put("bos_token", bosToken);
        if (eosToken != null) bindings.put("eos_token", eosToken);

        RenderResult result;
        try {
            result = Jinja2Runtime.JINJAVA.renderForResult(rewritten.toString(), bindings);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("chat template failed: " + e.getMessage(), e);
        }
        TemplateError fatal = null;
        for (TemplateError error : result.getErrors()) {
            String raised = Jinja2Runtime.raisedMessage(error.getException());
            if (raised != null) {
                throw new IllegalArgumentException("chat template raised an exception: " + raised);
            }
            boolean isFatal = error.getSeverity() == TemplateError.ErrorType.FATAL
                    || error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR;
            if (fatal == null && isFatal) fatal = error;
        }
        if (fatal != null) throw new IllegalArgumentException(rewritten.describe(fatal));
        return result.getOutput();
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
