package dev.rlhf4j.text.jinja;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One probe per construct of issue 20 (items 1-8 and the "also unsupported" list) and per construct chat
 * templates use, rendered over {@link #DIALOGUE} with the variables transformers passes. The expected
 * strings follow from jinja2's semantics; each was confirmed once with Python's jinja2 3.1.6 set up as
 * transformers sets it up (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its
 * tojson, raise_exception, strftime_now) and is stored here literally.
 */
class JinjaProbesTest {
    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    static final List<Map<String, Object>> DIALOGUE = List.of(message("system", "  Be nice. "), message("user", "Hi"),
            message("assistant", "Hello"), message("user", "Why?\n"));

    static Map<String, Object> variables() {
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", new ArrayList<>(DIALOGUE));
        vars.put("tools", null);
        vars.put("documents", null);
        vars.put("add_generation_prompt", true);
        vars.put("bos_token", "<s>");
        vars.put("eos_token", "</s>");
        return vars;
    }

    static Stream<Arguments> renders() {
        return Stream.of(
                Arguments.of("1 literal brace",
                        "{\"a\": 1{%- if true %}, \"b\": 2{% endif %}}",
                        "{\"a\": 1, \"b\": 2}"),
                Arguments.of("1 literal brace",
                        "a{ {%- if true %}x{% endif %}",
                        "a{x"),
                Arguments.of("1 literal brace",
                        "{{ '{' }}{%- if true %}x{% endif %}{{ '}' }}",
                        "{x}"),
                Arguments.of("1 literal brace",
                        "[{% for m in messages %}{{ '{' }}{{ m.role }}{{ '}' }}{% endfor %}]",
                        "[{system}{user}{assistant}{user}]"),
                Arguments.of("2 kwarg filter",
                        "{% set ns = namespace(n=messages|length - 1, s=messages[0].content|trim) %}{{ ns.n }}|{{ ns.s }}",
                        "3|Be nice."),
                Arguments.of("2 kwarg filter",
                        "{{ messages|map(attribute='role')|join(d='|') }}",
                        "system|user|assistant|user"),
                Arguments.of("3 slice arithmetic",
                        "{% set ns = namespace(i=1) %}{{ messages[:ns.i+1]|length }}|{{ messages[ns.i+1:]|map(attribute='role')|join(',') }}|{{ messages[ns.i-1:ns.i*2+1:2]|length }}",
                        "2|assistant,user|2"),
                Arguments.of("3 slice arithmetic",
                        "{{ messages[-2:]|map(attribute='role')|join(',') }}|{{ messages[1:-1]|length }}|{{ 'abcdef'[1+1:-1] }}|{{ 'abc'[::-1] }}|{{ [1,2,3,4][::-2] }}",
                        "assistant,user|2|cde|cba|[4, 2]"),
                Arguments.of("4 strftime_now",
                        "{{ strftime_now is defined }}|{{ strftime_now('%Y-%m-%d')|length }}|{% if strftime_now is defined %}has{% else %}fallback{% endif %}",
                        "True|10|has"),
                Arguments.of("5 dict in parens",
                        "{% for x in ({'a': 1, 'b': 2}) %}{{ x }};{% endfor %}|{{ ({'a': 1}) }}|{% for k, v in ({'a': 1, 'b': [2]}).items() %}{{ k }}={{ v }};{% endfor %}",
                        "a;b;|{'a': 1}|a=1;b=[2];"),
                Arguments.of("5 dict in parens",
                        "{{ {'k': 'v', 'n': none, 't': true, 'f': 1.5, 'l': [1, 'x']} }}|{{ ({'a': 1}).get('a') }}|{{ {'a': {'b': 2}}['a']['b'] }}",
                        "{'k': 'v', 'n': None, 't': True, 'f': 1.5, 'l': [1, 'x']}|1|2"),
                Arguments.of("6 loop",
                        "{% for m in messages %}{{ loop.previtem.role if loop.previtem is defined else '-' }}>{{ m.role }}>{{ loop.nextitem.role if loop.nextitem is defined else '-' }};{% endfor %}",
                        "->system>user;system>user>assistant;user>assistant>user;assistant>user>-;"),
                Arguments.of("6 loop",
                        "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.cycle('a', 'b') }},{% endfor %}",
                        "1043TrueFalse4a,2132FalseFalse4b,3221FalseFalse4a,4310FalseTrue4b,"),
                Arguments.of("6 loop",
                        "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }}{{ '' if loop.last else ',' }}{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}",
                        "1:user,2:assistant,3:user|empty"),
                Arguments.of("6 loop",
                        "{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{% if loop.index0 == 3 %}{% break %}{% endif %}{{ m.role }};{% endfor %}",
                        "system;assistant;"),
                Arguments.of("6 loop",
                        "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.depth }}{{ a }}{{ b }}{{ loop.changed(a) }} {% endfor %}{% endfor %}",
                        "11xTrue 11yFalse 12xTrue 12yFalse "),
                Arguments.of("7 unknown filter",
                        "{% if false %}{{ x | nosuchfilter }}{% elif messages|length > 10 %}{{ 1 is nosuchtest }}{% endif %}ok|{{ 'a' if true else x|nosuch }}",
                        "ok|a"),
                Arguments.of("8 undefined/none",
                        "[{{ foo }}]|[{{ none }}]|[{{ None }}]|{{ none|default('d') }}|{{ foo|default('d') }}|{{ none|string }}|{{ foo|string }}|{{ ''|default('e', true) }}|{{ none|default('n', boolean=true) }}",
                        "[]|[None]|[None]|None|d|None||e|n"),
                Arguments.of("8 undefined/none",
                        "{{ tools }}|{{ documents }}|{{ tools is none }}|{{ tools is defined }}|{{ foo is defined }}|{{ foo is undefined }}|{{ foo is none }}|{{ none is none }}|{{ tools is not none }}",
                        "None|None|True|True|False|True|False|True|False"),
                Arguments.of("8 undefined/none",
                        "[{{ none.x }}]|[{{ messages[0].nope }}]|{{ messages[0].nope is defined }}|{{ messages[9] is defined }}|[{{ foo ~ 'a' }}]|{{ foo|length }}|{{ (foo|list)|length }}|{% for x in foo %}x{% endfor %}|{{ not foo }}|{{ foo == foo }}|{{ foo == none }}",
                        "[]|[]|False|False|[a]|0|0||True|True|False"),
                Arguments.of("8 undefined/none",
                        "{% if tools %}T{% else %}F{% endif %}|{% if documents is not none %}D{% endif %}|{{ tools|tojson }}|{{ none ~ '' }}|{{ [none, foo is defined] }}",
                        "F||null|None|[None, False]"),
                Arguments.of("str * n",
                        "{{ '-' * 5 }}|{{ 3 * 'ab' }}|{{ [1, 2] * 2 }}|{{ 'x' * 0 }}|{{ '=' * (messages|length) }}",
                        "-----|ababab|[1, 2, 1, 2]||===="),
                Arguments.of(".format",
                        "{{ '{}: {}'.format(messages[1].role, messages[1].content) }}|{{ '{0}{1}{0}'.format('a', 'b') }}|{{ '{name}!'.format(name='x') }}|{{ '{:>5}|{:<4}|{:^7}|{:05.2f}|{:,}'.format('r', 'l', 'c', 3.14159, 1234567) }}|{{ '{{}}'.format() }}",
                        "user: Hi|aba|x!|    r|l   |   c   |03.14|1,234,567|{}"),
                Arguments.of("% formatting",
                        "{{ '%s and %s' % ('a', 1) }}|{{ '%d%%' % 50 }}|{{ '%05.1f' % 2.25 }}|{{ '%-4s|' % 'ab' }}|{{ '%(r)s=%(c)s' % {'r': 'user', 'c': 1} }}|{{ '%x %o %r' % (255, 8, 'q') }}|{{ 'x%sy' % none }}|{{ '%.3e' % 12345.678 }}",
                        "a and 1|50%|002.2|ab  ||user=1|ff 10 'q'|xNoney|1.235e+04"),
                Arguments.of("min/max",
                        "{{ [3, 1, 2]|min }}|{{ [3, 1, 2]|max }}|{{ ['b', 'A', 'c']|min }}|{{ ['b', 'A', 'c']|max(case_sensitive=true) }}|{{ messages|max(attribute='content') }}|[{{ []|min }}]",
                        "1|3|A|c|{'role': 'user', 'content': 'Why?\\n'}|[]"),
                Arguments.of("recursive loop",
                        "{% set tree = [{'n': 'a', 'c': [{'n': 'b', 'c': []}, {'n': 'c', 'c': [{'n': 'd', 'c': []}]}]}] %}{% for node in tree recursive %}{{ node.n }}{{ loop.depth }}{% if node.c %}({{ loop(node.c) }}){% endif %}{% endfor %}",
                        "a1(b2c2(d3))"),
                Arguments.of("str methods",
                        "{{ '  a b  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}",
                        "a b|hi|a|a|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']|['l1', 'l2', 'l3']"),
                Arguments.of("str methods",
                        "{{ 'hello'.startswith('he') }}|{{ 'hello'.startswith(('x', 'h')) }}|{{ 'hello'.endswith('lo') }}|{{ 'a-b-c'.replace('-', '+') }}|{{ 'a-b-c'.replace('-', '+', 1) }}|{{ 'Hi'.upper() }}|{{ 'Hi'.lower() }}|{{ \"they're bill's friends\".title() }}|{{ 'hELLO wORLD'.capitalize() }}",
                        "True|True|True|a+b+c|a+b-c|HI|hi|They'Re Bill'S Friends|Hello world"),
                Arguments.of("str methods",
                        "{{ 'abcabc'.find('c') }}|{{ 'abcabc'.rfind('c') }}|{{ 'abcabc'.count('bc') }}|{{ ', '.join(['a', 'b']) }}|{{ 'prefix-x'.removeprefix('prefix-') }}|{{ '42'.isdigit() }}|{{ 'a=b'.partition('=') }}|{{ 'ab'.center(6, '*') }}|{{ '7'.zfill(3) }}",
                        "2|5|2|a, b|x|True|('a', '=', 'b')|**ab**|007"),
                Arguments.of("dict methods",
                        "{{ messages[1].items()|list }}|{{ messages[1].keys()|list }}|{{ messages[1].values()|list }}|{{ messages[1].get('role') }}|{{ messages[1].get('x', 'dflt') }}|{{ messages[1].get('x') }}|{% for k, v in messages[1].items() %}{{ k }}:{{ v }};{% endfor %}",
                        "[('role', 'user'), ('content', 'Hi')]|['role', 'content']|['user', 'Hi']|user|dflt|None|role:user;content:Hi;"),
                Arguments.of("sandbox",
                        "{{ messages.append is defined }}|{{ {}.update is defined }}|[{{ [].pop }}]",
                        "False|False|[]"),
                Arguments.of("arithmetic",
                        "{{ 1 // 0.1 }}|{{ -1 // 0.1 }}|{{ 7.0 // 2 }}|{{ 'ab' % [1, 2] }}|{{ 'ab' % {'k': 1} }}",
                        "9.0|-10.0|3.0|ab|ab"),
                Arguments.of("slicing",
                        "{{ messages[1].content[:1] }}{{ messages[1].role[1:] }}",
                        "Hser"),
                Arguments.of("list methods",
                        "{{ [1, 2, 1].count(1) }}|{{ ['a', 'b'].index('b') }}|{{ messages|length }}",
                        "2|1|4"),
                Arguments.of("filters",
                        "{{ '  x  '|trim }}|{{ 'xxyxx'|trim('x') }}|{{ messages|length }}|{{ messages|count }}|{{ 'abc'|length }}|{{ 'hi'|upper }}|{{ 'HI'|lower }}|{{ 'hello world-wide'|title }}|{{ 'hELLO'|capitalize }}|{{ 'a-b'|replace('-', '+') }}",
                        "x|y|4|4|3|HI|hi|Hello World-Wide|Hello|a+b"),
                Arguments.of("filters",
                        "{{ [1, 2, 3]|join(', ') }}|{{ messages|map(attribute='role')|join }}|{{ messages|first|tojson }}|{{ (messages|last).role }}|{{ 'abc'|list }}|{{ 'abc'|first }}|{{ [3, 1, 2]|sort }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ messages|sort(attribute='role')|map(attribute='role')|join(',') }}",
                        "1, 2, 3|systemuserassistantuser|{\"role\": \"system\", \"content\": \"  Be nice. \"}|user|['a', 'b', 'c']|a|[1, 2, 3]|[3, 2, 1]|assistant,system,user,user"),
                Arguments.of("filters",
                        "{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }}|{{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|list }}|{{ [1, 2, 3, 4]|select('even')|list }}|{{ [1, 2, 3, 4]|reject('odd')|list }}|{{ [0, 1, '', 'a', none]|select|list }}|{{ messages|selectattr('role', 'in', ['system', 'assistant'])|list|length }}",
                        "['Hi', 'Why?\\n']|['system', 'assistant']|[2, 4]|[2, 4]|[1, 'a']|2"),
                Arguments.of("filters",
                        "{{ ['a', 'b']|map('upper')|list }}|{{ [1.5, 2.5]|map('round')|list }}|{{ messages|map(attribute='nope', default='d')|list }}|{{ [{'a': {'b': 1}}]|map(attribute='a.b')|list }}|{{ [[1, 2]]|map(attribute='1')|list }}",
                        "['A', 'B']|[2.0, 2.0]|['d', 'd', 'd', 'd']|[1]|[2]"),
                Arguments.of("filters",
                        "{{ '3'|int + 1 }}|{{ '3.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ '0x1A'|int(0, 16) }}|{{ '2.5'|float }}|{{ 3|float }}|{{ 'x'|float }}|{{ 2.675|round(2) }}|{{ 2.5|round }}|{{ 3.14159|round(2, 'floor') }}|{{ 7|round }}|{{ -3|abs }}|{{ -2.5|abs }}",
                        "4|3|0|7|26|2.5|3.0|0.0|2.67|2.0|3.14|7|3|2.5"),
                Arguments.of("filters",
                        "{{ [1, 2, 3]|sum }}|{{ [1.5, 2]|sum }}|{{ messages|map(attribute='content')|map('length')|sum }}|{{ [{'n': 2}, {'n': 3}]|sum(attribute='n') }}|{{ [1, 2, 1, 3]|unique|list }}|{{ ['a', 'A', 'b']|unique|list }}|{{ {'b': 1, 'a': 2}|dictsort }}|{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}",
                        "6|3.5|23|5|[1, 2, 3]|['a', 'b']|[('a', 2), ('b', 1)]|[('a', 2), ('b', 1)]"),
                Arguments.of("filters",
                        "{{ [1, 2, 3]|reverse|list }}|{{ 'abc'|reverse }}|{{ '<b>'|safe }}|{{ {'a': 1, 'b': 2}|items|list }}|{{ [1, 2, 3, 4, 5]|batch(2)|list }}|{{ [1, 2, 3]|batch(2, 'x')|list }}|{{ '%s-%s'|format('a', 'b') }}|{{ 'a b  c'|wordcount }}|{{ '<a href=\"x\">'|e }}",
                        "[3, 2, 1]|cba|<b>|[('a', 1), ('b', 2)]|[[1, 2], [3, 4], [5]]|[[1, 2], [3, 'x']]|a-b|3|&lt;a href=&#34;x&#34;&gt;"),
                Arguments.of("indent",
                        "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}|{{ 'x\\n'|indent(3) }}|",
                        "a\n    b\n\n    c|  a\n  b|a\n> \n> b|x\n|"),
                Arguments.of("tojson",
                        "{{ messages[1]|tojson }}|{{ '\u00e9 \"q\" \\\\ \\n \\t \\u0001 \ud83d\ude00'|tojson }}|{{ [1, 1.5, true, none, 'x']|tojson }}|{{ {'a': [1, {'b': none}]}|tojson(indent=2) }}|{{ {'z': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ {}|tojson(indent=2) }}|{{ '\u00e9'|tojson(ensure_ascii=true) }}|{{ (1, 2)|tojson }}|{{ {1: 'int key'}|tojson }}",
                        "{\"role\": \"user\", \"content\": \"Hi\"}|\"\u00e9 \\\"q\\\" \\\\ \\n \\t \\u0001 \ud83d\ude00\"|[1, 1.5, true, null, \"x\"]|{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}|{\"a\": 2, \"z\": 1}|{}|\"\\u00e9\"|[1, 2]|{\"1\": \"int key\"}"),
                Arguments.of("tests",
                        "{{ 'a' is string }}|{{ 1 is string }}|{{ 1 is number }}|{{ 1.5 is number }}|{{ true is number }}|{{ 1 is integer }}|{{ 1.0 is float }}|{{ {} is mapping }}|{{ [] is mapping }}|{{ [] is iterable }}|{{ 'a' is iterable }}|{{ none is iterable }}|{{ [] is sequence }}|{{ {} is sequence }}|{{ 1 is sequence }}",
                        "True|False|True|True|True|True|True|True|False|True|True|False|True|True|False"),
                Arguments.of("tests",
                        "{{ true is boolean }}|{{ 1 is boolean }}|{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ 0 is false }}|{{ 'a' is in 'abc' }}|{{ 2 is in [1, 2] }}|{{ 1 is equalto 1 }}|{{ 1 is eq 1.0 }}|{{ 'a' is ne 'b' }}|{{ 3 is odd }}|{{ 3 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}|{{ 2 is gt 1 }}|{{ 2 is lessthan 1 }}|{{ 'ab' is lower }}|{{ 'AB' is upper }}|{{ raise_exception is callable }}|{{ none is sameas none }}",
                        "True|False|True|False|True|False|True|True|True|True|True|True|False|True|False|True|False|True|True|True|True"),
                Arguments.of("tests",
                        "{{ messages|selectattr('content', 'string')|list|length }}|{% if messages[0].content is string and messages[0].content is not mapping %}str{% endif %}|{{ messages|length is even }}|{{ (messages|length) is divisibleby 2 }}|{{ 'trim' is filter }}|{{ 'odd' is test }}|{{ 'nope' is filter }}",
                        "4|str|True|True|True|True|False"),
                Arguments.of("namespace",
                        "{% set ns = namespace(count=0, roles=[]) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% set ns.roles = ns.roles + [m.role] %}{% endfor %}{{ ns.count }}|{{ ns.roles }}|{% set ns2 = namespace({'a': 1}, b=2) %}{{ ns2.a }}{{ ns2.b }}",
                        "4|['system', 'user', 'assistant', 'user']|12"),
                Arguments.of("scoping",
                        "{% set x = 0 %}{% for m in messages %}{% set x = x + 1 %}{{ x }}{% endfor %}|{{ x }}|{% if true %}{% set y = 5 %}{% endif %}{{ y }}|{% for m in messages %}{% set z = 1 %}{% endfor %}{{ z is defined }}",
                        "1111|0|5|False"),
                Arguments.of("macro",
                        "{% macro turn(role, content='none', sep=': ') %}[{{ role }}{{ sep }}{{ content }}]{% endmacro %}{{ turn('u') }}{{ turn('u', 'c') }}{{ turn('u', sep='=', content='k') }}{{ turn(*['a', 'b']) }}{{ turn(**{'role': 'r'}) }}",
                        "[u: none][u: c][u=k][a: b][r: none]"),
                Arguments.of("macro",
                        "{% macro outer() %}<{{ caller() }}>{% endmacro %}{% call outer() %}inner {{ messages|length }}{% endcall %}|{% macro m2() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m2(1, 2, k=3) }}|{% macro rec(n) %}{{ n }}{% if n > 0 %}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}",
                        "<inner 4>|(1, 2){'k': 3}|3210"),
                Arguments.of("set block",
                        "{% set block %}{% for m in messages %}{{ m.role[0] }}{% endfor %}{% endset %}{{ block }}|{{ block|length }}|{% set up | upper %}shout {{ messages[1].content }}{% endset %}{{ up }}|{% filter upper %}f{{ 'x' }}{% endfilter %}|{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a is defined }}",
                        "suau|4|SHOUT HI|FX|3False"),
                Arguments.of("generation",
                        "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% set g = 1 %}{% endgeneration %}{% else %}{{ m.role }}{% endif %}|{% endfor %}",
                        "system|user|Hello|user|"),
                Arguments.of("whitespace",
                        "A\n  {%- if true %}\n  B\n  {%+ endif %}\nC|  {% if true %}  X  {% endif %}  \nY|{{- '  a  ' -}}  {{- 'b' }}|{# c #}\nD  {# d #}\nE|{% if true +%}\nkeep\n{% endif %}",
                        "A  B\n  C|    X    \nY|  a  b|D  E|\nkeep\n"),
                Arguments.of("whitespace",
                        "<{% for m in messages %}\n  {{ m.role }}\n{% endfor %}>\n{% raw %}\n  {{ not rendered }} {% if %}\n{% endraw %}|{%- raw -%}  x  {%- endraw -%}  |{#- comment -#}  z",
                        "<  system\n  user\n  assistant\n  user\n>\n\n  {{ not rendered }} {% if %}\n|x|z"),
                Arguments.of("whitespace",
                        "a\r\nb\r\n  {% if true %}\r\nc\r\n  {% endif %}\r\nd\n",
                        "a\nb\nc\nd"),
                Arguments.of("escapes",
                        "{{ 'a\\nb' }}|{{ \"c\\td\" }}|{{ 'it\\'s' }}|{{ \"q\\\"q\" }}|{{ '\\\\' }}|{{ '\\x41\\u00e9\\U0001F600' }}|{{ '\\101' }}|{{ 'a\\qb' }}|{{ 'ab' 'cd' }}",
                        "a\nb|c\td|it's|q\"q|\\|A\u00e9\ud83d\ude00|A|a\\qb|abcd"),
                Arguments.of("arithmetic",
                        "{{ 1 + 2 }}|{{ 7 / 2 }}|{{ 6 / 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 1.5 + 1 }}|{{ 0.1 + 0.2 }}|{{ 1e20 }}|{{ 1e-5 }}|{{ 1.0 }}|{{ 3.0 * 2 }}|{{ true + 1 }}|{{ -(3) }}|{{ 10 - 2.5 }}|{{ 1_000 }}",
                        "3|3.5|2.0|3|-4|1|2|1024|0.5|2.5|0.30000000000000004|1e+20|1e-05|1.0|6.0|2|-3|7.5|1000"),
                Arguments.of("printing",
                        "{{ true }}|{{ false }}|{{ [1, 'a', none, true, 1.0] }}|{{ {'k': 'v'} }}|{{ ('a',) }}|{{ (1, 2) }}|{{ [] }}|{{ \"it's\" }}|{{ [\"it's\", 'a\"b', 'x\\ny'] }}|{{ messages[1] }}|{{ [['n']] }}|{{ 1 ~ true ~ none }}",
                        "True|False|[1, 'a', None, True, 1.0]|{'k': 'v'}|('a',)|(1, 2)|[]|it's|[\"it's\", 'a\"b', 'x\\ny']|{'role': 'user', 'content': 'Hi'}|[['n']]|1TrueNone"),
                Arguments.of("comparisons",
                        "{{ 1 < 2 < 3 }}|{{ 1 < 3 < 2 }}|{{ 'a' < 'b' }}|{{ [1, 2] < [1, 3] }}|{{ 1 == 1.0 }}|{{ 'a' in 'cat' }}|{{ 'x' not in ['a'] }}|{{ 'role' in messages[0] }}|{{ not 1 == 2 }}|{{ (1, 2) == (1, 2) }}|{{ [1] == [1] }}|{{ 1 and 'x' }}|{{ 0 or 'y' }}|{{ none or 0 }}",
                        "True|False|True|True|True|True|True|True|True|True|True|x|y|0"),
                Arguments.of("cond expr",
                        "{{ 'a' if messages else 'b' }}|[{{ 'a' if false }}]|{{ 'x' if false else 'y' if true else 'z' }}",
                        "a|[]|y"),
                Arguments.of("range etc",
                        "{{ range(3)|list }}|{{ range(1, 7, 2)|list }}|{% for i in range(messages|length - 1, -1, -1) %}{{ messages[i].role[0] }}{% endfor %}|{{ dict(a=1, b='x') }}|{% set j = joiner('/') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}",
                        "[0, 1, 2]|[1, 3, 5]|uaus|{'a': 1, 'b': 'x'}|a/b/c"),
                Arguments.of("messages reassign",
                        "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% set messages = messages[1:] %}{% endif %}{{ sys|trim }}|{% for m in messages %}{{ m.role }},{% endfor %}",
                        "Be nice.|user,assistant,user,"),
                Arguments.of("bos eos",
                        "{{ bos_token }}{{ add_generation_prompt }}{{ eos_token }}|{{ bos_token + 'x' + eos_token }}",
                        "<s>True</s>|<s>x</s>"),
                Arguments.of("more",
                        "{% for m in messages %}\n  {{ m.role }}\n  {%- if loop.last %}!{% endif %}\n{% endfor %}",
                        "  system  user  assistant  user!"),
                Arguments.of("more",
                        "  {# c #}\n  x\n{# d #}y\n  {%- raw %} r {% endraw %}\n",
                        "  x\ny r "),
                Arguments.of("more",
                        "{% set x -%}\n  a  \n{%- endset %}[{{ x }}]",
                        "[a]"),
                Arguments.of("more",
                        "{%- for m in messages -%}\n{{ m.role }}\n{%- else -%}\nnone\n{%- endfor -%}\n",
                        "systemuserassistantuser"),
                Arguments.of("more",
                        "{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set c = 1, 2 %}{{ c }}",
                        "12|(1, 2)"),
                Arguments.of("more",
                        "{{ 'abc'[5] }}|{{ 'abc'[1:100] }}|{{ 'abc'[-100:1] }}|{{ 1 ~ 2 }}|{{ 4/2 }}|{{ '{:.1%}'.format(0.256) }}|{{ '%.2f'|format(3.14159) }}",
                        "|bc|a|12|2.0|25.6%|3.14"),
                Arguments.of("more",
                        "{{ '\u00c4\u00d6'|lower }}|{{ '\u00df'|upper }}|{{ 'stra\u00dfe'.title() }}|{{ '\u01c6a'.capitalize() }}|{{ '\u00e9a'|title }}",
                        "\u00e4\u00f6|SS|Stra\u00dfe|\u01c5a|\u00c9a"),
                Arguments.of("more",
                        "{{ [\"a'b\\\"c\"] }}|{{ ['\\x00', '\\u200b', '\u00e9', '\\x85', '\\x7f', '\\t'] }}|{{ \"'\" }}|{{ ['\\''] }}",
                        "['a\\'b\"c']|['\\x00', '\\u200b', '\u00e9', '\\x85', '\\x7f', '\\t']|'|[\"'\"]"),
                Arguments.of("more",
                        "{{ [0.1, 1e16, 1.5e-7, 123456789.123, 1e22, -0.0, 2.5e15, 1/3, 2/3, 100.0, 1e15, 0.0001, 0.00001] }}",
                        "[0.1, 1e+16, 1.5e-07, 123456789.123, 1e+22, -0.0, 2500000000000000.0, 0.3333333333333333, 0.6666666666666666, 100.0, 1000000000000000.0, 0.0001, 1e-05]"),
                Arguments.of("more",
                        "{{ 1e308 * 10 }}|{{ 0.5|round }}|{{ 1.5|round }}|{{ -2.5|round }}|{{ 1.005|round(2) }}|{{ 3.0|int }}|{{ true|int }}|{{ 2.5|round(0, 'ceil') }}",
                        "inf|0.0|2.0|-2.0|1.0|3|1|3.0"),
                Arguments.of("more",
                        "{{ 'a b'.split(none) }}|{{ ' x '.strip(none) }}|{{ messages|length > 2 and messages[2].role == 'assistant' }}|{% if not [] %}empty{% endif %}",
                        "['a', 'b']|x|True|empty"),
                Arguments.of("more",
                        "{{ namespace() }}|{{ namespace(a=1) }}|{{ range(3) }}|{{ range(1, 5, 2) }}|{{ {'a': 1}.items() }}|{{ {'a': 1}.keys() }}|{{ {'a': 1}.values() }}",
                        "<Namespace {}>|<Namespace {'a': 1}>|range(0, 3)|range(1, 5, 2)|dict_items([('a', 1)])|dict_keys(['a'])|dict_values([1])"),
                Arguments.of("more",
                        "{{ messages|map(attribute='role')|unique|list }}|{{ (messages|selectattr('role', 'equalto', 'user')|list)[-1].content }}|{{ 'a b c'.split()[1] }}",
                        "['system', 'user', 'assistant']|Why?\n|b"),
                Arguments.of("more",
                        "{% for m in messages %}{% set r = m.role %}{{ r }}{% if loop.first %}{% set first = r %}{% endif %}{{ first }}|{% endfor %}",
                        "systemsystem|user|assistant|user|"),
                Arguments.of("more",
                        "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [3] %}{{ outer.index }}{{ loop.index }}{% endfor %}{% endfor %}",
                        "1121"),
                Arguments.of("more",
                        "{% macro m() %}{{ x }}{% endmacro %}{% for x in [1, 2] %}{{ m() }}{% endfor %}|{% set x = 9 %}{{ m() }}",
                        "|9"),
                Arguments.of("more",
                        "{%- if messages[0].role == 'system' -%}\n    {%- set sys = messages[0].content -%}\n{%- endif -%}\n<<{{ sys }}>>\n",
                        "<<  Be nice. >>"),
                Arguments.of("more",
                        "{{ messages[0]['content'] is string }}|{{ messages[0]['nope'] is string }}|{{ '%s' % messages[1] }}|{{ [1, 2]|string }}|{{ {'a': none}|string }}",
                        "True|False|{'role': 'user', 'content': 'Hi'}|[1, 2]|{'a': None}"),
                Arguments.of("more",
                        "{{ 'x' ~ none ~ true ~ 1.0 ~ [1] }}|{{ 'Hello %s, you are %d' % ('Bob', 42) }}|{{ '%5.1f|%-6d|%+d' % (3.14159, 42, 5) }}",
                        "xNoneTrue1.0[1]|Hello Bob, you are 42|  3.1|42    |+5"),
                Arguments.of("more",
                        "{{ '{:>10}'.format('hi') }}|{{ '{:*^9}'.format('mid') }}|{{ '{:+.2e}'.format(12345.6789) }}|{{ '{:g}'.format(0.00001234) }}|{{ '{:g}'.format(1234567) }}|{{ '{:x}'.format(255) }}|{{ '{:08.3f}'.format(-3.14159) }}|{{ '{!r}'.format('a') }}|{{ '{0[role]}'.format(messages[1]) }}|{{ '{0.role}'.format(messages[1]) }}",
                        "        hi|***mid***|+1.23e+04|1.234e-05|1.23457e+06|ff|-003.142|'a'|user|user"),
                Arguments.of("more",
                        "{{ messages|tojson(indent=4) }}",
                        "[\n    {\n        \"role\": \"system\",\n        \"content\": \"  Be nice. \"\n    },\n    {\n        \"role\": \"user\",\n        \"content\": \"Hi\"\n    },\n    {\n        \"role\": \"assistant\",\n        \"content\": \"Hello\"\n    },\n    {\n        \"role\": \"user\",\n        \"content\": \"Why?\\n\"\n    }\n]"),
                Arguments.of("more",
                        "{{ {'a': 1, 'b': [1, 2], 'c': {'d': '\u00e9'}}|tojson(separators=(',', ':')) }}|{{ 1.0|tojson }}|{{ 1e20|tojson }}|{{ 'a\\u2028b'|tojson }}|{{ '\\x7f'|tojson }}",
                        "{\"a\":1,\"b\":[1,2],\"c\":{\"d\":\"\u00e9\"}}|1.0|1e+20|\"a\u2028b\"|\"\u007f\""),
                Arguments.of("more",
                        "{{ messages|selectattr('role', 'ne', 'system')|map(attribute='content')|map('trim')|join(' / ') }}|{{ messages|rejectattr('content')|list }}|{{ messages|selectattr('nope', 'undefined')|list|length }}|{{ messages|selectattr('nope', 'defined')|list|length }}",
                        "Hi / Hello / Why?|[]|4|0"),
                Arguments.of("more",
                        "{{ [3, 1, 2]|sort|first }}|{{ ['b', 'a']|sort|join }}|{{ [{'n': 'b', 'v': 1}, {'n': 'a', 'v': 2}]|sort(attribute='n')|map(attribute='v')|list }}|{{ ['B', 'a', 'C']|sort }}|{{ ['B', 'a', 'C']|sort(case_sensitive=true) }}",
                        "1|ab|[2, 1]|['a', 'B', 'C']|['B', 'C', 'a']"),
                Arguments.of("more",
                        "{{ [1, [2, 3]]|length }}|{{ {'a': 1}|length }}|{{ 'h\u00e9llo\ud83d\ude00'|length }}|{{ 'h\u00e9llo\ud83d\ude00'[-1] }}|{{ 'h\u00e9llo\ud83d\ude00'|reverse }}|{{ 'h\u00e9llo\ud83d\ude00'|list|length }}|{{ 'h\u00e9llo\ud83d\ude00'.upper() }}",
                        "2|1|6|\ud83d\ude00|\ud83d\ude00oll\u00e9h|6|H\u00c9LLO\ud83d\ude00"),
                Arguments.of("more",
                        "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '[U]' + m.content }}\n    {%- elif m.role == 'assistant' %}\n        {{- '[A]' + m.content }}\n    {%- endif %}\n{%- endfor %}\n",
                        "[U]Hi[A]Hello[U]Why?\n"),
                Arguments.of("more",
                        "{% for m in messages %}\n{% if m.role == 'user' %}\nU: {{ m.content }}\n{% else %}\nO: {{ m.content }}\n{% endif %}\n{% endfor %}\n",
                        "O:   Be nice. \nU: Hi\nO: Hello\nU: Why?\n\n"),
                Arguments.of("more",
                        "{% if true %}\n    indented {{ 'x' }}\n    {% if true %}\n        deeper\n    {% endif %}\n{% endif %}\n  {{ 'tail' }}  \n",
                        "    indented x\n        deeper\n  tail  "),
                Arguments.of("more",
                        "a  {%+ if true %}b{% endif %}\n  {%+ if true %}c{% endif %}|   {#- x #}  d",
                        "a  b  c|  d"),
                Arguments.of("more",
                        "{% raw -%}\n   a   \n{%- endraw %}|{% raw %}{{ x }}{%+ endraw %}",
                        "a|{{ x }}"),
                Arguments.of("more",
                        "{{ 10 // 3 }}|{{ 10.0 // 3 }}|{{ -10 % 3 }}|{{ 10 % -3 }}|{{ 7.5 % 2 }}|{{ -7.5 % 2 }}|{{ 2 ** 0.5 }}|{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ (-2) ** 2 }}|{{ 3 - -1 }}|{{ not not 1 }}",
                        "3|3.0|2|-2|1.5|0.5|1.4142135623730951|64|4|4|4|True"),
                Arguments.of("more",
                        "{{ 1 == true }}|{{ 0 == false }}|{{ 1.0 == 1 }}|{{ 'a' != 'b' }}|{{ [1, 2] == [1, 2] }}|{{ (1,) == [1] }}|{{ none == none }}|{{ none == false }}|{{ {'a': 1} == {'a': 1} }}",
                        "True|True|True|True|True|False|True|False|True"),
                Arguments.of("more",
                        "{{ x | default(y | default('z')) }}|{{ messages[0].content | default('d', true) }}|{{ '' | default('d') }}|{{ 0 | default(5, true) }}",
                        "z|  Be nice. ||5"),
                Arguments.of("more",
                        "{{ loop }}|{% for x in [1] %}{{ loop is defined }}{% endfor %}",
                        "|True"),
                Arguments.of("more",
                        "{{ '%s' % (1,) }}|{{ '%s %s' % [1, 2] if false else 'skip' }}|{{ '%%' % () }}|{{ '%c' % 65 }}|{{ '%5s|%-5s|' % ('a', 'b') }}|{{ '%.1s' % 'abc' }}|{{ '%i' % 3.9 }}",
                        "1|skip|%|A|    a|b    ||a|3"),
                Arguments.of("more",
                        "{{ messages|items is defined }}|{{ messages[1]|items|list }}|{{ messages[1]|dictsort }}|{{ messages[1]|list }}|{{ messages[1]|first }}|{{ messages[1]|last }}",
                        "True|[('role', 'user'), ('content', 'Hi')]|[('content', 'Hi'), ('role', 'user')]|['role', 'content']|role|content"),
                Arguments.of("more",
                        "{{ messages[1]|tojson|tojson }}",
                        "\"{\\\"role\\\": \\\"user\\\", \\\"content\\\": \\\"Hi\\\"}\""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource
    void renders(String construct, String template, String expected) {
        assertThat(Template.parse(template).render(variables())).isEqualTo(expected);
    }

    /** Templates jinja2 refuses or fails on, with the message jinja2 gives. */
    static Stream<Arguments> raises() {
        return Stream.of(
                Arguments.of("{{ messages.append(1) }}", "access to attribute 'append' of 'list' object is unsafe."),
                Arguments.of("{% set d = {} %}{{ d.update({'a': 1}) }}", "access to attribute 'update' of 'dict' object is unsafe."),
                Arguments.of("{{ foo.bar }}", "'foo' is undefined"),
                Arguments.of("{{ foo + 1 }}", "'foo' is undefined"),
                Arguments.of("{% for t in tools %}{{ t }}{% endfor %}", "'NoneType' object is not iterable"),
                Arguments.of("{{ tools|length }}", "object of type 'NoneType' has no len()"),
                Arguments.of("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str"),
                Arguments.of("{{ raise_exception('custom message') }}", "custom message"),
                Arguments.of("{{ nosuchfunction() }}", "'nosuchfunction' is undefined"),
                Arguments.of("{{ messages|selectattr('role')|length }}", "object of type 'generator' has no len()"),
                Arguments.of("{{ foo|tojson }}", "Object of type Undefined is not JSON serializable"),
                Arguments.of("{{ none < 1 }}", "'<' not supported between instances of 'NoneType' and 'int'"),
                Arguments.of("{{ {{ }}", "expected token ':', got '}'"),
                Arguments.of("{{%- if true %}x{% endif %}", "unexpected '%'"),
                Arguments.of("{{ 1|nosuch }}", "No filter named 'nosuch'."),
                Arguments.of("{% for a, b in [[1, 2, 3]] %}{% endfor %}", "too many values to unpack (expected 2)"),
                Arguments.of("{{ 1 / 0 }}", "division by zero"),
                Arguments.of("{% set x = 1 %}{% set x.y = 2 %}", "cannot assign attribute on non-namespace object"),
                Arguments.of("{{ 'x' if messages|length > 100 }}|{{ foo.bar is defined if foo is defined else 'nofoo' }}", "expected token 'end of print statement', got 'foo'"),
                Arguments.of("{{ (messages|length)[1:] }}", "'int' object is not subscriptable"),
                Arguments.of("{{ foo|float }}", "'foo' is undefined"),
                Arguments.of("{{ foo|int }}", "'foo' is undefined"),
                Arguments.of("{{ 'ab' % 1 }}", "not all arguments converted during string formatting"),
                Arguments.of("{% for m in messages %}x", "Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."),
                Arguments.of("{% macro a() %}x", "Unexpected end of template. Jinja was looking for the following tags: 'endmacro'. The innermost block that needs to be closed is 'macro'."),
                Arguments.of("{{ [1]|last|x }}", "No filter named 'x'."),
                Arguments.of("{{ 'a' < 1 }}", "'<' not supported between instances of 'str' and 'int'"),
                Arguments.of("{{ messages|map(attribute='role')|last }}", "'generator' object is not reversible"),
                Arguments.of("{{ 'abc'.index('z') }}", "substring not found"),
                Arguments.of("{{ [1, 2]|sum(start='a') }}", ""),
                Arguments.of("{{ '%d' % 'a' }}", "%d format: a real number is required, not str"),
                Arguments.of("{{ '{}'.format() }}", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void raises(String template, String jinja2Message) {
        assertThatThrownBy(() -> Template.parse(template).render(variables()))
                .isInstanceOf(TemplateException.class)
                .hasMessageEndingWith(jinja2Message);
    }

    /**
     * Random mixes of text, {@code -}/{@code +} whitespace control, comments, raw blocks, ifs and loops
     * (generated once, rendered once by jinja2; stored literally), over a two-message dialogue with
     * {@code m = {'role': 'user'}} and {@code z} undefined.
     */
    static Stream<Arguments> whitespaceMixes() {
        return Stream.of(
                Arguments.of("}{%+ raw %}{{ x }}\n  {% endraw %}}{{ 'v' -}}\n",
                        "}{{ x }}\n}v"),
                Arguments.of("}{{ none }}\r\n{%- raw %}\n{{ x }}{% endraw +%}#{% set z = 1 -%}{ {%- raw %} \n{{ x }} {% endraw %}#{# c #} ",
                        "}None\n{{ x }}#{ \n{{ x }} # "),
                Arguments.of(" \t\n\t {# c #}%",
                        " \t\n%"),
                Arguments.of(" b {{ none }} \t\n\t ",
                        " b None \t\n\t "),
                Arguments.of("}{{ m.role }}  {{- z }}a{{ 'v' }}\r\n",
                        "}userav"),
                Arguments.of("  {{- 'v' }}\r\n{% for m in messages +%} \n{#+ c +#}\r\n{%- endfor -%}{ {{ 1.5 }}a{{ 1.5 -}}#",
                        "v\n \n \n{ 1.5a1.5#"),
                Arguments.of("\n  {% set z = 1 -%} {% set z = 1 %}  y",
                        "\n  y"),
                Arguments.of(" \t\n\t {{- z -}}%{% if true -%}#{{ 'v' }}a{{ none -}}#{%+ endif +%} \n",
                        "%#vaNone# "),
                Arguments.of("\n{{ 1.5 -}}\t{{ m.role }}%",
                        "\n1.5user%"),
                Arguments.of("  y{#+ c #}x\n  {# c -#}{ ",
                        "  yx\n{ "),
                Arguments.of(" \n{%- set z = 1 %} {% raw %}x\n  {{ x }} b {% endraw +%} ",
                        " x\n  {{ x }} b  "),
                Arguments.of(" {% set z = 1 -%}\n  {% set z = 1 -%} \t\n\t {% if m.role == \"user\" %}x\n  {{- 'v' -}}{ {#- c #}#{{ 1.5 -}}\t{%- endif %}\n  {% if false -%}\r\n{{ 'v' }}}{#+ c +#} {% endif %}{#- c #}#",
                        "xv{#1.5#"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void whitespaceMixes(String template, String expected) {
        Map<String, Object> vars = variables();
        vars.put("messages", List.of(message("user", "Hi"), message("assistant", " A\n")));
        vars.put("m", Map.of("role", "user"));
        assertThat(Template.parse(template).render(vars)).isEqualTo(expected);
    }
}
