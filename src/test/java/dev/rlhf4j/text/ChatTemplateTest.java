package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Turn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Templates written for this test in the styles of popular model families. Every expected string was
 * worked out by hand from the template and then confirmed once with Python's jinja2 3.1.6 in the setup
 * {@code transformers} renders with (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
 * loopcontrols, raise_exception).
 */
class ChatTemplateTest {
    static Turn system(String content) {
        return new Turn(Turn.SYSTEM, content);
    }

    // ChatML: <|im_start|>role\ncontent<|im_end|>\n, with a default system turn.
    static final String CHATML = """
            {%- if messages[0]['role'] != 'system' %}
                {{- '<|im_start|>system\\nYou are a careful assistant.<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    // Llama-2: [INST] ... [/INST], system prompt folded into the first user turn, roles must alternate.
    static final String LLAMA2 = """
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = '<<SYS>>\\n' + messages[0]['content'] | trim + '\\n<</SYS>>\\n\\n' %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system_message = '' %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
                {%- endif %}
                {%- if loop.first %}
                    {%- set content = system_message + message['content'] %}
                {%- else %}
                    {%- set content = message['content'] %}
                {%- endif %}
                {%- if message['role'] == 'user' %}
                    {{- bos_token + '[INST] ' + content | trim + ' [/INST]' }}
                {%- else %}
                    {{- ' ' + content | trim + ' ' + eos_token }}
                {%- endif %}
            {%- endfor %}
            """;

    // Zephyr-like: no '-' anywhere, so trim_blocks/lstrip_blocks decide the layout; eos_token ends turns.
    static final String ZEPHYR = """
            {% for message in messages %}
                {% if message.role == 'system' %}
            <|system|>
            {{ message.content }}{{ eos_token }}
                {% elif message.role == 'user' %}
            <|user|>
            {{ message.content }}{{ eos_token }}
                {% else %}
            <|assistant|>
            {{ message.content }}{{ eos_token }}
                {% endif %}
            {% endfor %}
            {% if add_generation_prompt %}
            <|assistant|>
            {% endif %}
            """;

    // namespace(), a loop filter and loop.last: the system prompt goes into the last user turn.
    static final String NAMESPACE = """
            {#- The system prompt goes into the last user turn. -#}
            {%- set ns = namespace(system='', users=0) %}
            {%- for message in messages %}
                {%- if message['role'] == 'system' %}
                    {%- set ns.system = message['content'] %}
                {%- elif message['role'] == 'user' %}
                    {%- set ns.users = ns.users + 1 %}
                {%- endif %}
            {%- endfor %}
            {{- bos_token }}
            {%- for message in messages if message['role'] != 'system' %}
                {%- if message['role'] == 'user' %}
                    {%- if loop.last and ns.system %}
                        {{- '[INST] ' + ns.system + '\\n\\n' + message['content'] + '[/INST]' }}
                    {%- else %}
                        {{- '[INST] ' + message['content'] + '[/INST]' }}
                    {%- endif %}
                {%- else %}
                    {{- ' ' + message['content'] + eos_token }}
                {%- endif %}
            {%- endfor %}
            {{- '' if ns.users > 0 else raise_exception('No user message to answer.') }}
            """;

    // Gemma-like: .strip() on content, assistant renamed, no system role.
    static final String STRIP = """
            {{ bos_token }}
            {%- if messages[0]['role'] == 'system' %}
                {{- raise_exception('This template has no system role.') }}
            {%- endif %}
            {%- for message in messages %}
                {%- set role = 'model' if message['role'] == 'assistant' else message['role'] %}
                {{- '<turn:' + role + '>\\n' + message['content'].strip() + '</turn>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<turn:model>\\n' }}
            {%- endif %}
            """;

    // Reasoning-model style: messages[::-1], split/lstrip to drop earlier turns' thinking.
    static final String REASONING = """
            {%- set ns = namespace(last_user=-1) %}
            {%- for message in messages[::-1] %}
                {%- if ns.last_user == -1 and message.role == 'user' %}
                    {%- set ns.last_user = (messages|length - 1) - loop.index0 %}
                {%- endif %}
            {%- endfor %}
            {%- for message in messages %}
                {%- set content = message.content %}
                {%- if message.role == 'assistant' and '</think>' in content and loop.index0 < ns.last_user %}
                    {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
                {%- endif %}
                {{- '<|' + message.role + '|>\\n' + content + '<|end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|assistant|>\\n<think>\\n' }}
            {%- endif %}
            """;

    static String render(String template, boolean generationPrompt, Turn... turns) {
        return ChatTemplate.of(template, "<s>", "</s>").render(List.of(turns), generationPrompt);
    }

    @Test
    void chatMl() {
        assertThat(render(CHATML, false, Turn.user("What is 2+2?"), Turn.assistant("4.")))
                .isEqualTo("<|im_start|>system\nYou are a careful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4.<|im_end|>\n");
        assertThat(render(CHATML, true, system("Be terse."), Turn.user("Hi")))
                .isEqualTo("<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void llama2FoldsTheSystemPromptIntoTheFirstUserTurn() {
        assertThat(render(LLAMA2, true, system("  Answer briefly. "), Turn.user("Capital of France?"),
                Turn.assistant("Paris."), Turn.user("And of Italy?")))
                .isEqualTo("<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\nCapital of France? [/INST] Paris. </s>"
                        + "<s>[INST] And of Italy? [/INST]");
        assertThat(render(LLAMA2, false, Turn.user(" Hi "), Turn.assistant(" Hello ")))
                .isEqualTo("<s>[INST] Hi [/INST] Hello </s>");
    }

    @Test
    void llama2RaisesWhenRolesDoNotAlternate() {
        for (List<Turn> bad : List.of(List.of(Turn.user("a"), Turn.user("b")),
                List.of(system("s"), Turn.assistant("b")))) {
            ChatTemplate t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
            assertThatThrownBy(() -> t.render(bad, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chat template")
                    .hasMessageEndingWith("Conversation roles must alternate user/assistant/user/assistant/...");
        }
    }

    @Test
    void zephyrLikeLayoutComesFromTrimAndLstripBlocks() {
        assertThat(render(ZEPHYR, false, system("Be terse."), Turn.user("Hi"), Turn.assistant("Hello")))
                .isEqualTo("<|system|>\nBe terse.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello</s>\n");
        assertThat(render(ZEPHYR, true, Turn.user("Hi"))).isEqualTo("<|user|>\nHi</s>\n<|assistant|>\n");
    }

    @Test
    void namespaceLoopFilterAndLoopLast() {
        assertThat(render(NAMESPACE, false, system("Be terse."), Turn.user("Hi"), Turn.assistant("Hello"),
                Turn.user("Bye")))
                .isEqualTo("<s>[INST] Hi[/INST] Hello</s>[INST] Be terse.\n\nBye[/INST]");
        assertThat(render(NAMESPACE, false, Turn.user("Hi"), Turn.assistant("Hello")))
                .isEqualTo("<s>[INST] Hi[/INST] Hello</s>");
        assertThatThrownBy(() -> render(NAMESPACE, false, system("Be terse.")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("No user message to answer.");
    }

    @Test
    void pythonStripOnContent() {
        assertThat(render(STRIP, true, Turn.user("  Hello there \n"), Turn.assistant("\tGeneral Kenobi.  ")))
                .isEqualTo("<s><turn:user>\nHello there</turn>\n<turn:model>\nGeneral Kenobi.</turn>\n<turn:model>\n");
        assertThatThrownBy(() -> render(STRIP, false, system("x"), Turn.user("y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("This template has no system role.");
    }

    @Test
    void reversedSliceSplitAndLstrip() {
        assertThat(render(REASONING, false, Turn.user("Q1"), Turn.assistant("<think>\nhmm\n</think>\n\nA1"),
                Turn.user("Q2"), Turn.assistant("<think>ok</think>A2")))
                .isEqualTo("<|user|>\nQ1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nQ2<|end|>\n"
                        + "<|assistant|>\n<think>ok</think>A2<|end|>\n");
        assertThat(render(REASONING, true, Turn.user("Q1"))).isEqualTo("<|user|>\nQ1<|end|>\n<|assistant|>\n<think>\n");
    }

    /** One Jinja2 construct each, rendered over {@link #DIALOGUE}; expected strings confirmed with jinja2. */
    static Stream<Arguments> jinja2Semantics() {
        return Stream.of(
                // lstrip_blocks only where the tag starts its line; trim_blocks leaves "  \n" after a tag.
                Arguments.of("  {% if true %}  X  {% endif %}  \nY",
                        "  X    \nY"),
                Arguments.of("{{- '  a  ' -}}  {{- 'b' }}",
                        "  a  b"),
                Arguments.of("A\n  {%- if true %}\n  B\n  {%+ endif %}\nC",
                        "A  B\n  C"),
                Arguments.of("{# c #}\nA  {# d #}\nB",
                        "A  B"),
                Arguments.of("{% if true +%}\nkeep\n{% endif %}",
                        "\nkeep\n"),
                Arguments.of("{% if true %}\r\nA\r\n{% endif %}\r\n",
                        "A\n"),
                Arguments.of("{{ 'a\\nb' }}|{{ \"c\\td\" }}",
                        "a\nb|c\td"),
                // not binds looser than comparisons and tests
                Arguments.of("{% if not messages[0]['role'] == 'user' %}S{% endif %}",
                        "S"),
                Arguments.of("{{ 'a' if not messages[0].role in ['user', 'assistant'] else 'b' }}",
                        "a"),
                // loop filters, for-else, iterating a string
                Arguments.of("{% for m in messages if m.role == 'tool' %}{{ m.role }}{% else %}none{% endfor %}",
                        "none"),
                Arguments.of("{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ m.role }}{% if loop.last %}!{% endif %},{% endfor %}",
                        "1user,2assistant,3user!,"),
                Arguments.of("{% for c in messages[1].role %}{{ c }},{% endfor %}",
                        "u,s,e,r,"),
                Arguments.of("{% for m in messages %}{{ loop.index }}/{{ loop.length }}/{{ loop.revindex0 }}{% if not loop.last %},{% endif %}{% endfor %}",
                        "1/4/3,2/4/2,3/4/1,4/4/0"),
                Arguments.of("{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{% if loop.index0 == 3 %}{% break %}{% endif %}{{ m.role }};{% endfor %}",
                        "system;assistant;"),
                Arguments.of("{% if messages|length is even %}even{% else %}odd{% endif %}",
                        "even"),
                // printing as Python's str
                Arguments.of("{{ true }}|{{ [1, 'a', none, true] }}|{{ {'k': 'v'} }}|{{ 1.5 }}|{{ messages|length > 2 }}",
                        "True|[1, 'a', None, True]|{'k': 'v'}|1.5|True"),
                Arguments.of("{{ messages[0].get('content') }}|{{ messages[0].get('nope', 'dflt') }}",
                        "  Be nice. |dflt"),
                Arguments.of("{% for k, v in messages[1]|items %}{{ k }}={{ v }};{% endfor %}",
                        "role=user;content=Hi;"),
                Arguments.of("{{ messages[1] | tojson }}|{{ 'é\"' | tojson }}",
                        "{\"role\": \"user\", \"content\": \"Hi\"}|\"é\\\"\""),
                // indices and slices
                Arguments.of("{{ messages[-1].role }}|{{ messages[1:]|length }}|{{ messages[:-1]|length }}|{{ messages[::2]|map(attribute='role')|join(',') }}",
                        "user|3|3|system,assistant"),
                Arguments.of("{{ 'abcdef'[::2] }}|{{ 'abcdef'[::-1] }}|{{ 'abcdef'[1:-1] }}|{{ 'abc'[-1] }}",
                        "ace|fedcba|bcde|c"),
                // Python string methods and trim
                Arguments.of("{{ 'hello world'.title() }}|{{ 'a.b.c'.split('.')|length }}|{{ 'xxhixx'.strip('x') }}|{{ 'Hi'.upper() }}|{{ 'hello'.startswith('he') }}|{{ 'a-b'.replace('-', '+') }}",
                        "Hello World|3|hi|HI|True|a+b"),
                Arguments.of("{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|{{ messages[3].content | trim }}|",
                        "Be nice. |  Be nice.|Why?|"),
                Arguments.of("{% set ns = namespace(n=0, last='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.n }} {{ ns.last }}",
                        "4 user"),
                Arguments.of("{% if foo is defined %}D{% else %}U{% endif %}|{{ foo }}|{{ foo | default('dflt') }}",
                        "U||dflt"),
                Arguments.of("{% macro turn(m) %}[{{ m.role }}]{% endmacro %}{% for m in messages %}{{ turn(m) }}{% endfor %}",
                        "[system][user][assistant][user]"),
                Arguments.of("{% raw %}{{ not rendered }}{% endraw %}",
                        "{{ not rendered }}"),
                Arguments.of("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('|') }}",
                        "Hi|Why?\n"),
                Arguments.of("{% filter upper %}{{ messages[1].content }}{% endfilter %}",
                        "HI"),
                // template delimiters inside string literals
                Arguments.of("{{ '{{' }}|{{ '}}' }}|{% set x = '%}' %}{{ x }}|{{ \"it's\" }}|{{ '{%' ~ '#}' }}",
                        "{{|}}|%}|it's|{%#}"),
                // strings are sequences of code points, as in Python
                Arguments.of("{{ 'Hi 😀 '|length }}|{{ 'a😀b'[1] }}|{{ 'a😀b'[::-1] }}|{{ 'a😀b'.find('b') }}",
                        "5|😀|b😀a|2"));
    }

    static final List<Turn> DIALOGUE = List.of(system("  Be nice. "), Turn.user("Hi"), Turn.assistant("Hello"),
            Turn.user("Why?\n"));

    @ParameterizedTest
    @MethodSource
    void jinja2Semantics(String template, String expected) {
        assertThat(ChatTemplate.of(template, "<s>", "</s>").render(DIALOGUE, true)).isEqualTo(expected);
    }

    @Test
    void messageContentIsNeverInterpretedAsATemplate() {
        // Printed values are data, never template text rendered again.
        String content = "Explain {{ 7*7 }} and {% if true %}yes{% endif %} {# c #}";
        String t = "{% for m in messages %}{{ m.content }}|{{ '<' + m.content + '>' }}{% endfor %}";
        assertThat(ChatTemplate.of(t, null, null).render(List.of(Turn.user(content)), false))
                .isEqualTo(content + "|<" + content + ">");
    }

    @Test
    void generationBlocksRenderTheirContents() {
        String t = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}"
                + "{% else %}{{ m.content }}{% endif %}|{% endfor %}";
        assertThat(ChatTemplate.of(t, null, null).render(List.of(Turn.user("q"), Turn.assistant("a")), false))
                .isEqualTo("q|a|");
    }

    @Test
    void extraMessageFieldsReachTheTemplate() {
        // Fields beyond role and content (name, reasoning_content, tool calls, content parts) as transformers
        // passes them; expected string confirmed with jinja2.
        String t = """
                {%- for m in messages %}
                {{- '<|' + m.role + (' name=' + m.name if m.name is defined else '') + '|>' }}
                {%- if m.reasoning_content %}{{ '<think>' + m.reasoning_content.strip() + '</think>' }}{% endif %}
                {%- if m.tool_calls %}{% for c in m.tool_calls %}{{ c.function.name }}({{ c.function.arguments|tojson }}){% endfor %}{% endif %}
                {{- m.content if m.content is string else m.content|map(attribute='text')|join(' ') }}
                {%- endfor %}""";
        Map<String, Object> user = new LinkedHashMap<>(Map.of("role", "user", "content", "Hi"));
        user.put("name", "ann");
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", "Hello");
        assistant.put("reasoning_content", " think ");
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x", 1);
        arguments.put("y", "é");
        assistant.put("tool_calls", List.of(Map.of("function", Map.of("name", "f", "arguments", arguments))));
        Map<String, Object> parts = Map.of("role", "user", "content",
                List.of(Map.of("type", "text", "text", "a"), Map.of("type", "text", "text", "b")));
        assertThat(ChatTemplate.of(t, null, null).renderMessages(List.of(user, assistant, parts), false))
                .isEqualTo("<|user name=ann|>Hi<|assistant|><think>think</think>f({\"x\": 1, \"y\": \"é\"})Hello<|user|>a b");
    }

    @Test
    void missingSpecialTokensAreUndefined() {
        String t = "{% if bos_token is defined %}{{ bos_token }}{% else %}no-bos{% endif %}|{{ eos_token }}|";
        assertThat(ChatTemplate.of(t, null, null).render(List.of(), false)).isEqualTo("no-bos||");
        assertThat(ChatTemplate.of(t, "<s>", "</s>").render(List.of(), false)).isEqualTo("<s>|</s>|");
    }

    // ---------------------------------------------------------------------------------------------
    // Errors

    @Test
    void syntaxErrorsNameTheChatTemplateAndTheLine() {
        // Messages and lines as jinja2 3.1.6 reports them (an unclosed block at the end of the template).
        assertThatThrownBy(() -> render("line one\n{% if messages %}\nunclosed", false, Turn.user("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template syntax error at line 3: Unexpected end of template. Jinja was looking for the"
                        + " following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
        assertThatThrownBy(() -> render("ok\n{{ messages[0].role ", false, Turn.user("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template syntax error at line 2: unexpected end of template, expected 'end of print statement'");
        assertThatThrownBy(() -> render("{# never closed", false))
                .hasMessage("chat template syntax error at line 1: Missing end of comment tag");
        assertThatThrownBy(() -> render("{{ 1 + }}", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template syntax error at line 1: unexpected 'end of print statement'");
        assertThatThrownBy(() -> render("{% endif %}", false))
                .hasMessage("chat template syntax error at line 1: Encountered unknown tag 'endif'.");
        assertThatThrownBy(() -> render("a\n{% nosuchtag %}", false))
                .hasMessage("chat template syntax error at line 2: Encountered unknown tag 'nosuchtag'.");
    }

    @Test
    void runtimeErrorsNameTheLine() {
        assertThatThrownBy(() -> render("a\n{{ x.y }}", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template error at line 2: 'x' is undefined");
        assertThatThrownBy(() -> render("a\n\n{{ 'a' + 1 }}", false))
                .hasMessage("chat template error at line 3: can only concatenate str (not \"int\") to str");
    }

    @Test
    void unknownFiltersAndTestsAreErrorsAsInJinja2() {
        // At compile time, except inside an if or an inline if, where only evaluating them fails (issue 20, item 7).
        assertThatThrownBy(() -> render("{{ messages | nosuchfilter }}", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template syntax error at line 1: No filter named 'nosuchfilter'.");
        assertThatThrownBy(() -> render("{% if true %}{% for m in messages %}{{ m | nosuch }}{% endfor %}{% endif %}", false))
                .hasMessage("chat template syntax error at line 1: No filter named 'nosuch'.");
        assertThat(render("{% if false %}{{ 1 is nosuchtest }}{{ 1 | nosuchfilter }}{% endif %}ok", false)).isEqualTo("ok");
        assertThat(render("{{ 'a' if true else (1 | nosuchfilter) }}", false)).isEqualTo("a");
        assertThatThrownBy(() -> render("{% if true %}{{ 1 is nosuchtest }}{% endif %}", false))
                .hasMessage("chat template error at line 1: No test named 'nosuchtest' found.");
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.of("{{ raise_exception('Only ' + messages|length|string + ' turns') }}", null, null);
        assertThatThrownBy(() -> t.render(List.of(Turn.user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template raised an exception: Only 1 turns");
    }

    // ---------------------------------------------------------------------------------------------
    // Checkpoint directories

    static final ObjectMapper JSON = Json.MAPPER;
    static final String SIMPLE = "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}{% endfor %}";

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    @Test
    void fromDirectoryReadsTheStringForm(@TempDir Path dir) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.put("chat_template", SIMPLE);
        config.put("bos_token", "<s>");
        config.put("eos_token", "</s>");
        config.put("model_max_length", 512);
        write(dir.resolve("tokenizer_config.json"), config.toPrettyString());

        ChatTemplate t = ChatTemplate.fromDirectory(dir).orElseThrow();
        assertThat(t.template()).isEqualTo(SIMPLE);
        assertThat(t.bosToken()).isEqualTo("<s>");
        assertThat(t.eosToken()).isEqualTo("</s>");
        assertThat(t.render(List.of(Turn.user("hi"), Turn.assistant("yo")), false)).isEqualTo("<s>user: hi</s>assistant: yo</s>");
    }

    @Test
    void fromDirectoryPicksTheDefaultOfTheListFormAndReadsAddedTokenObjects(@TempDir Path dir) throws IOException {
        write(dir.resolve("tokenizer_config.json"), """
                {
                  "added_tokens_decoder": {},
                  "bos_token": {"__type": "AddedToken", "content": "<|begin|>", "lstrip": false, "normalized": true,
                                "rstrip": false, "single_word": false},
                  "eos_token": {"__type": "AddedToken", "content": "<|end|>", "lstrip": false, "normalized": true,
                                "rstrip": false, "single_word": false},
                  "chat_template": [
                    {"name": "tool_use", "template": "TOOLS"},
                    {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"},
                    {"name": "rag", "template": "RAG"}
                  ]
                }
                """);
        ChatTemplate t = ChatTemplate.fromDirectory(dir).orElseThrow();
        assertThat(t.template()).isEqualTo("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}");
        assertThat(t.render(List.of(Turn.user("hi")), false)).isEqualTo("<|begin|>hi<|end|>");
    }

    @Test
    void aListWithoutDefaultIsAnError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        write(file, "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}]}");
        assertThatThrownBy(() -> ChatTemplate.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("default");
    }

    @Test
    void theJinjaFileTakesPrecedenceAndKeepsTheConfigsTokens(@TempDir Path dir) throws IOException {
        write(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"OLD\", \"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        // As saved by newer transformers: its own file, here with Windows line endings and a final newline.
        String jinja = "{%- for m in messages %}\r\n{{- bos_token + m.content + eos_token }}\r\n{%- endfor %}\r\n";
        write(dir.resolve("chat_template.jinja"), jinja);
        ChatTemplate t = ChatTemplate.fromDirectory(dir).orElseThrow();
        assertThat(t.template()).isEqualTo(jinja);
        assertThat(t.render(List.of(Turn.user("a"), Turn.assistant("b")), false)).isEqualTo("<s>a</s><s>b</s>");
    }

    @Test
    void theJinjaFileAloneIsEnough(@TempDir Path dir) throws IOException {
        write(dir.resolve("chat_template.jinja"), "{{ messages|length }} turns\n");
        ChatTemplate t = ChatTemplate.fromDirectory(dir).orElseThrow();
        assertThat(t.bosToken()).isNull();
        assertThat(t.render(List.of(Turn.user("a")), true)).isEqualTo("1 turns");
    }

    @Test
    void noTemplateIsEmpty(@TempDir Path dir) throws IOException {
        assertThat(ChatTemplate.fromDirectory(dir)).isEmpty();
        write(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"model_max_length\": 512}");
        assertThat(ChatTemplate.fromDirectory(dir)).isEmpty();
        write(dir.resolve("tokenizer_config.json"), "{\"chat_template\": null}");
        assertThat(ChatTemplate.fromDirectory(dir)).isEmpty();
    }

    @Test
    void badJsonNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        write(file, "{\"chat_template\": \"{{ x }}\",");
        assertThatThrownBy(() -> ChatTemplate.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
        write(file, "[1, 2]");
        assertThatThrownBy(() -> ChatTemplate.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
        write(file, "{\"chat_template\": 42}");
        assertThatThrownBy(() -> ChatTemplate.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void toTokenizerConfigRoundTripsThroughADirectory(@TempDir Path dir) throws IOException {
        ChatTemplate original = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        ObjectNode saved = JSON.createObjectNode();
        saved.put("model_max_length", 4096);
        saved.setAll(original.toTokenizerConfig());
        assertThat(saved.get("chat_template").asText()).isEqualTo(LLAMA2);
        assertThat(saved.get("bos_token").asText()).isEqualTo("<s>");
        assertThat(saved.get("eos_token").asText()).isEqualTo("</s>");
        write(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(saved));

        Optional<ChatTemplate> loaded = ChatTemplate.fromDirectory(dir);
        assertThat(loaded).isPresent();
        assertThat(loaded.get().template()).isEqualTo(LLAMA2);
        List<Turn> dialogue = List.of(system("s"), Turn.user("u"), Turn.assistant("a"));
        assertThat(loaded.get().render(dialogue, false)).isEqualTo(original.render(dialogue, false));

        ObjectNode noTokens = ChatTemplate.of("x", null, null).toTokenizerConfig();
        assertThat(noTokens.has("bos_token")).isFalse();
        assertThat(noTokens.get("chat_template").asText()).isEqualTo("x");
    }
}
