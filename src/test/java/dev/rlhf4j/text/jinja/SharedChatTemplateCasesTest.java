package dev.rlhf4j.text.jinja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.SharedFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * All 453 cases of {@code ../shared/data/chat-templates/cases.jsonl}: real chat templates rendered by
 * Python's jinja2 as transformers sets it up. Each must render exactly {@code expected}, or raise where
 * jinja2 raised. Variables as transformers passes them: {@code messages}, {@code tools=None},
 * {@code documents=None}, {@code add_generation_prompt}, and the special tokens the case has (a null token
 * is not passed, so it is undefined).
 */
class SharedChatTemplateCasesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Case(String id, String name, String template, Map<String, Object> variables, String expected, boolean error) {}

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String line : Files.readAllLines(SharedFiles.get("data/chat-templates/cases.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode c = JSON.readTree(line);
            Map<String, Object> vars = new HashMap<>();
            List<Object> messages = new ArrayList<>();
            for (JsonNode m : c.get("messages")) {
                Map<String, Object> msg = new LinkedHashMap<>();
                m.properties().forEach(e -> msg.put(e.getKey(), e.getValue().asText()));
                messages.add(msg);
            }
            vars.put("messages", messages);
            vars.put("tools", null);
            vars.put("documents", null);
            vars.put("add_generation_prompt", c.get("add_generation_prompt").asBoolean());
            for (String token : List.of("bos_token", "eos_token")) {
                if (c.hasNonNull(token)) vars.put(token, c.get(token).asText());
            }
            boolean error = c.path("expected_error").asBoolean(false);
            out.add(new Case(c.get("id").asText(), c.get("template_name").asText(), c.get("template").asText(), vars,
                    error ? null : c.get("expected").asText(), error));
        }
        return out;
    }

    @Test
    void everySharedCaseRendersAsJinja2() throws IOException {
        List<Case> cases = cases();
        assertThat(cases).hasSize(453);
        Map<String, Template> parsed = new HashMap<>();
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (Case c : cases) {
            String got;
            String error = null;
            try {
                Template t = parsed.get(c.template());
                if (t == null) {
                    t = Template.parse(c.template());
                    parsed.put(c.template(), t);
                }
                got = t.render(c.variables());
            } catch (TemplateException e) {
                got = null;
                error = e.getMessage();
            }
            boolean ok = c.error() ? got == null : c.expected().equals(got);
            if (ok) {
                passed++;
            } else {
                failures.add(c.id() + " " + c.name() + ": " + (c.error() ? "expected an error, got " + JSON.valueToTree(got)
                        : error != null ? error : "expected " + JSON.valueToTree(c.expected()) + "\n   got      " + JSON.valueToTree(got)));
            }
        }
        System.out.println("chat-template cases passing: " + passed + " / " + cases.size());
        assertThat(failures).as("cases not rendered as jinja2 renders them").isEmpty();
        assertThat(passed).isEqualTo(453);
    }
}
