package dev.rlhf4j.text;

import com.hubspot.jinjava.interpret.TemplateError;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a Jinja2 chat template into one Jinjava renders the way Jinja2 would (see {@link #rewrite}): Jinja2's
 * lexer-level whitespace rules are applied here, and the constructs Jinjava parses differently are rewritten.
 */
final class Jinja2Rewriter {
    private Jinja2Rewriter() {
    }

    /** What Jinja2's lexer does to a source before parsing: {@code \r\n}/{@code \r} become {@code \n}, and
     * (keep_trailing_newline=False) one trailing newline is dropped. */
    static String jinja2Source(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * The template rewritten for Jinjava so that it renders as Jinja2 (in {@code transformers}' setup) would:
     *
     * <ul>
     *   <li>Whitespace, done here rather than by Jinjava (whose lstrip_blocks also strips mid-line and which
     *       ignores {@code -} on expressions): {@code {%-}, {@code {{-}, {@code {#-} remove all whitespace
     *       before the tag and {@code -%}}, {@code -}}}, {@code -#}} all whitespace after; lstrip_blocks
     *       removes spaces and tabs from the start of a line up to a block or comment tag without modifier
     *       when nothing else precedes it; trim_blocks removes the newline right after a block or comment
     *       tag unless it ends in {@code +%}}. Comments are dropped and modifiers removed; Jinjava runs with
     *       trimming off.</li>
     *   <li>{@code not X} becomes {@code not (X)} up to the next {@code and}/{@code or}/{@code if}/{@code else}
     *       or enclosing bracket, giving {@code not} Jinja2's precedence (below comparisons and tests);
     *       Jinjava reads {@code not a == b} as {@code (not a) == b}.</li>
     *   <li>Loop filters {@code {% for x in xs if c %}} (ignored by Jinjava) become a loop over the items
     *       that pass, collected first, so {@code loop.*} count only those, as in Jinja2.</li>
     *   <li>{@code {% for %}...{% else %}...{% endfor %}} (ignored by Jinjava) becomes a loop followed by
     *       {@code {% if %}} on the iterable being empty.</li>
     * </ul>
     *
     * @throws IllegalArgumentException for a tag or comment that is not closed
     */
    static Rewritten rewrite(String template) {
        String src = jinja2Source(template);
        int n = src.length();
        Rewritten out = new Rewritten();
        int pos = 0;
        boolean lineStarting = true;
        boolean inRaw = false;
        while (pos <= n) {
            int open = inRaw ? nextEndRaw(src, pos) : nextOpener(src, pos);
            if (open < 0) {
                out.text(src.substring(pos));
                break;
            }
            char kind = src.charAt(open + 1);
            int bodyStart = open + 2;
            char mod = bodyStart < n ? src.charAt(bodyStart) : 0;
            String text = src.substring(pos, open);
            if (mod == '-') {
                text = Jinja2Runtime.strip(text, null, false, true);
                bodyStart++;
            } else if (mod == '+') {
                bodyStart++;
            } else if (kind != '{') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.length()
                        && allPythonSpace(text, lineStart)) {
                    text = text.substring(0, lineStart);
                }
            }
            out.text(text);

            int close;
            int after;
            char endMod = 0;
            if (kind == '#') {
                close = src.indexOf("#}", bodyStart);
                if (close < 0) throw unclosed("comment", src, open);
                if (close > bodyStart && (src.charAt(close - 1) == '-' || src.charAt(close - 1) == '+')) {
                    endMod = src.charAt(--close);
                }
                after = close + (endMod != 0 ? 3 : 2);
            } else {
                close = tagEnd(src, bodyStart, kind == '%' ? '%' : '}');
                if (close < 0) throw unclosed(kind == '%' ? "block tag" : "expression", src, open);
                char c = src.charAt(close);
                if (c == '-' || (c == '+' && kind == '%')) endMod = c;
                after = close + (endMod != 0 ? 3 : 2);
            }
            String body = src.substring(bodyStart, close).strip();
            boolean rawBegin = kind == '%' && !inRaw && body.equals("raw");
            if (endMod == '-') {
                while (after < n && Jinja2Runtime.isPythonSpace(src.charAt(after))) after++;
            } else if (endMod == 0 && kind != '{' && !rawBegin && after < n && src.charAt(after) == '\n') {
                after++;
            }
            out.at(src, open, src.substring(open, after), body);
            if (kind == '{') out.expression(body);
            else if (kind == '%' && (rawBegin || inRaw)) out.text("{% " + body + " %}");
            else if (kind == '%') out.statement(body);
            if (rawBegin) inRaw = true;
            else if (inRaw) inRaw = false;
            lineStarting = after > 0 && src.charAt(after - 1) == '\n';
            pos = after;
        }
        return out;
    }

    /** The rewritten template, emitted tag by tag, with the stack of open blocks that for-else needs. */
    static final class Rewritten {
        private static final List<String> BLOCKS = List.of("for", "if", "macro", "call", "filter", "with",
                "block", "autoescape", "generation", "set");

        /** An open block; for a {@code for}, where its tag was emitted and what it loops over. */
        private static final class Open {
            final String name;
            int tagStart;
            int tagEnd;
            String target;
            String iterable;
            int id;
            boolean hasElse;

            Open(String name) {
                this.name = name;
            }
        }

        /** A tag as written and as emitted, for error messages. */
        private record Emitted(int outLine, int srcLine, String tag, String body, String rewrittenBody) {
        }

        private final StringBuilder out = new StringBuilder();
        private final java.util.ArrayDeque<Open> open = new java.util.ArrayDeque<>();
        private final List<Emitted> emitted = new ArrayList<>();
        /** Filter and test names the template uses. */
        final java.util.Set<String> filters = new java.util.TreeSet<>();
        final java.util.Set<String> tests = new java.util.TreeSet<>();
        private int ids;
        private int outLine = 1;
        private int countedTo;
        private int srcPos;
        private int srcLine = 1;
        private String tag;
        private String tagBody;
        private int tagLine;

        /** The tag about to be emitted: where it starts in the source, its text and body. */
        void at(String src, int start, String tagText, String body) {
            for (; srcPos < start; srcPos++) if (src.charAt(srcPos) == '\n') srcLine++;
            tag = tagText;
            tagBody = body;
            tagLine = srcLine;
        }

        void text(String text) {
            out.append(text);
        }

        private void emitted(String rewrittenBody) {
            for (; countedTo < out.length(); countedTo++) if (out.charAt(countedTo) == '\n') outLine++;
            emitted.add(new Emitted(outLine, tagLine, tag, tagBody, rewrittenBody));
            collectNames(rewrittenBody);
        }

        private void collectNames(String expr) {
            List<Tok> toks = Tok.scan(expr);
            if (toks.size() > 1 && toks.get(0).text.equals("filter") && toks.get(1).kind == Tok.WORD) {
                filters.add(toks.get(1).text);
            }
            for (int i = 0; i + 1 < toks.size(); i++) {
                Tok t = toks.get(i);
                Tok next = toks.get(i + 1);
                if (t.kind == Tok.PUNCT && t.text.equals("|") && next.kind == Tok.WORD) filters.add(next.text);
                if (t.kind == Tok.WORD && t.text.equals("is")) {
                    Tok name = next.text.equals("not") && i + 2 < toks.size() ? toks.get(i + 2) : next;
                    if (name.kind == Tok.WORD) tests.add(name.text);
                }
            }
        }

        /** Jinjava's error, located in the template as written. */
        String describe(TemplateError error) {
            String message = error.getMessage() == null ? error.getReason().toString() : error.getMessage();
            Emitted where = null;
            for (Emitted e : emitted) {
                if (e.outLine != error.getLineno()) continue;
                if (where == null) where = e;
                if (message.contains(e.rewrittenBody)) {
                    where = e;
                    break;
                }
            }
            Throwable cause = error.getException();
            while (cause != null && cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
            if (message.startsWith("Error invoking") && cause != null && cause.getMessage() != null
                    && !message.contains(cause.getMessage())) {
                message += ": " + cause.getMessage();
            }
            message = message.replace("function '" + Jinja2Runtime.SLICE_FUNCTION + "'", "slice");
            if (where == null) return "chat template error: " + message;
            message = message.replace(where.rewrittenBody, where.body);
            return "chat template error at line " + where.srcLine + " in " + where.tag + ": " + message;
        }

        void expression(String body) {
            if (body.isEmpty()) {
                out.append("{{ }}");
                return;
            }
            String rewrittenBody = "(" + rewrite(body) + ")|" + Jinja2Runtime.PrintFilter.NAME;
            emitted(rewrittenBody);
            out.append("{{ ").append(rewrittenBody).append(" }}");
        }

        void statement(String rawBody) {
            String body = rewrite(rawBody);
            emitted(body);
            List<Tok> toks = Tok.scan(body);
            String word = toks.isEmpty() || toks.get(0).kind != Tok.WORD ? "" : toks.get(0).text;
            if (word.equals("for")) {
                forTag(body, toks);
                return;
            }
            if (word.equals("else") && !open.isEmpty() && open.peek().name.equals("for")
                    && !open.peek().iterable.isEmpty()) {
                Open loop = open.peek();
                loop.hasElse = true;
                String name = "__loop_items" + loop.id;
                String tag = "{% set " + name + " = " + loop.iterable + " %}{% for " + loop.target + " in "
                        + name + " %}";
                countedTo += tag.length() - (loop.tagEnd - loop.tagStart);
                out.replace(loop.tagStart, loop.tagEnd, tag);
                out.append("{% endfor %}{% if (").append(name).append("|length) == 0 %}");
                return;
            }
            if (word.startsWith("end") && !open.isEmpty() && open.peek().name.equals(word.substring(3))) {
                Open block = open.pop();
                out.append(block.hasElse ? "{% endif %}" : "{% " + body + " %}");
                return;
            }
            if (BLOCKS.contains(word) && !(word.equals("set") && Tok.topLevel(toks, Tok.PUNCT, "=") >= 0)) {
                open.push(new Open(word));
            }
            out.append("{% ").append(body).append(" %}");
        }

        /** {@code for T in I [if C]}; a loop filter becomes a list of the passing items built first. */
        private void forTag(String body, List<Tok> toks) {
            Open loop = new Open("for");
            loop.id = ids++;
            open.push(loop);
            int in = Tok.topLevel(toks, Tok.WORD, "in");
            int cond = in < 0 ? -1 : Tok.topLevel(toks.subList(in, toks.size()), Tok.WORD, "if");
            boolean recursive = Tok.topLevel(toks, Tok.WORD, "recursive") >= 0;
            if (in < 0 || recursive) {
                loop.tagStart = out.length();
                out.append("{% ").append(body).append(" %}");
                loop.tagEnd = out.length();
                loop.target = "";
                loop.iterable = "";
                return;
            }
            loop.target = body.substring(toks.get(0).end, toks.get(in).start).strip();
            if (cond < 0) {
                loop.iterable = iterable(body.substring(toks.get(in).end));
            } else {
                Tok ifTok = toks.get(in + cond);
                String items = iterable(body.substring(toks.get(in).end, ifTok.start));
                String test = body.substring(ifTok.end).strip();
                String list = "__loop_filtered" + loop.id;
                String value = Tok.topLevel(Tok.scan(loop.target), Tok.PUNCT, ",") >= 0
                        ? "[" + loop.target + "]" : loop.target;
                out.append("{% set ").append(list).append(" = [] %}{% for ").append(loop.target).append(" in ")
                        .append(items).append(" %}{% if ").append(test).append(" %}{% do ").append(list)
                        .append(".append(").append(value).append(") %}{% endif %}{% endfor %}");
                loop.iterable = list;
            }
            loop.tagStart = out.length();
            String emittedBody = "for " + loop.target + " in " + loop.iterable;
            emitted.add(new Emitted(outLine, tagLine, tag, tagBody, emittedBody));
            out.append("{% ").append(emittedBody).append(" %}");
            loop.tagEnd = out.length();
        }

        /** What a loop goes over: Jinjava iterates a string as one item; Jinja2, by characters. */
        private static String iterable(String expr) {
            return "(" + expr.strip() + ")|" + Jinja2Runtime.IterableFilter.NAME;
        }

        /** The expression-level rewrites: slices, tests after filters, then {@code not}. */
        static String rewrite(String expr) {
            return groupNot(groupTests(slices(expr)));
        }

        private static final List<String> KEYWORDS = List.of("and", "or", "not", "if", "elif", "else", "in",
                "is", "for", "set", "do", "with", "macro", "call", "filter", "recursive");

        /**
         * Index of the first token of the operand that ends just before {@code toks[at]}: a name or literal
         * with its attributes, subscripts, calls and (when {@code filters}) filters, as Jinja2's
         * {@code parse_unary} reads it.
         */
        private static int operandStart(List<Tok> toks, int at, boolean filters) {
            int depth = toks.get(at).depth;
            int j = at - 1;
            for (; j >= 0; j--) {
                Tok t = toks.get(j);
                if (t.depth > depth) continue;
                if (t.depth < depth) break;
                boolean part = switch (t.kind) {
                    case Tok.WORD -> !KEYWORDS.contains(t.text);
                    case Tok.STRING, Tok.NUMBER -> true;
                    default -> List.of(".", ")", "]", "}", "(", "[", "{").contains(t.text)
                            || filters && t.text.equals("|");
                };
                if (!part) break;
            }
            return j + 1;
        }

        /** Slices {@code X[a:b]}, {@code X[a:b:c]} to {@code rlhf4j_slice(X, a, b, c)}: Python's slicing,
         * steps included (Jinjava parses no step). Rightmost first. */
        static String slices(String expr) {
            if (expr.indexOf(':') < 0) return expr;
            for (int guard = 0; guard < 1000; guard++) {
                List<Tok> toks = Tok.scan(expr);
                int found = -1;
                int close = -1;
                List<Integer> colons = new ArrayList<>();
                for (int i = toks.size() - 1; i > 0 && found < 0; i--) {
                    Tok t = toks.get(i);
                    Tok prev = toks.get(i - 1);
                    boolean subscript = t.text.equals("[") && t.kind == Tok.PUNCT
                            && (prev.kind == Tok.WORD && !KEYWORDS.contains(prev.text) || prev.kind == Tok.STRING
                            || List.of(")", "]").contains(prev.text) && prev.kind == Tok.PUNCT);
                    if (!subscript) continue;
                    colons.clear();
                    for (int j = i + 1; j < toks.size(); j++) {
                        Tok u = toks.get(j);
                        if (u.depth == t.depth && u.text.equals("]")) {
                            close = j;
                            break;
                        }
                        if (u.depth == t.depth + 1 && u.text.equals(":") && u.kind == Tok.PUNCT) colons.add(j);
                    }
                    if (close > 0 && !colons.isEmpty() && colons.size() <= 2) found = i;
                }
                if (found < 0) return expr;
                int start = operandStart(toks, found, false);
                if (start >= found) return expr;
                String target = expr.substring(toks.get(start).start, toks.get(found).start);
                List<String> parts = new ArrayList<>();
                int from = toks.get(found).end;
                for (int c : colons) {
                    parts.add(expr.substring(from, toks.get(c).start));
                    from = toks.get(c).end;
                }
                parts.add(expr.substring(from, toks.get(close).start));
                while (parts.size() < 3) parts.add("");
                StringBuilder call = new StringBuilder(Jinja2Runtime.SLICE_FUNCTION).append('(').append(target.strip());
                for (String part : parts) call.append(", ").append(part.isBlank() ? "none" : part.strip());
                call.append(')');
                expr = expr.substring(0, toks.get(start).start) + call + expr.substring(toks.get(close).end);
            }
            return expr;
        }

        /** {@code X|f is T} to {@code (X|f) is T}: in Jinja2 a test applies after the filters before it;
         * Jinjava does not parse that. */
        static String groupTests(String expr) {
            if (!expr.contains("|") || !expr.contains("is")) return expr;
            List<Tok> toks = Tok.scan(expr);
            for (int i = toks.size() - 1; i > 0; i--) {
                Tok t = toks.get(i);
                if (t.kind != Tok.WORD || !t.text.equals("is")) continue;
                int start = operandStart(toks, i, true);
                boolean filtered = false;
                for (int j = start; j < i; j++) {
                    if (toks.get(j).depth == t.depth && toks.get(j).text.equals("|")) filtered = true;
                }
                if (!filtered) continue;
                int a = toks.get(start).start;
                int b = toks.get(i - 1).end;
                expr = expr.substring(0, a) + "(" + expr.substring(a, b) + ")" + expr.substring(b);
                toks = Tok.scan(expr);
            }
            return expr;
        }

        /** Unary {@code not X} to {@code not (X)}, innermost first. */
        static String groupNot(String expr) {
            if (!expr.contains("not")) return expr;
            List<Tok> toks = Tok.scan(expr);
            List<Integer> starts = new ArrayList<>();
            for (int i = 0; i < toks.size(); i++) {
                Tok t = toks.get(i);
                if (t.kind == Tok.WORD && t.text.equals("not") && unaryPosition(i == 0 ? null : toks.get(i - 1))) {
                    starts.add(t.start);
                }
            }
            for (int k = starts.size() - 1; k >= 0; k--) {
                List<Tok> now = Tok.scan(expr);
                int i = 0;
                while (now.get(i).start != starts.get(k)) i++;
                int depth = now.get(i).depth;
                int end = expr.length();
                for (int j = i + 1; j < now.size(); j++) {
                    Tok t = now.get(j);
                    boolean stop = t.depth < depth || t.depth == depth
                            && (t.kind == Tok.WORD && List.of("and", "or", "if", "else").contains(t.text)
                            || t.kind == Tok.PUNCT && List.of(",", ":", "=").contains(t.text));
                    if (stop) {
                        end = t.start;
                        break;
                    }
                }
                int from = now.get(i).end;
                String operand = expr.substring(from, end).strip();
                if (operand.isEmpty()) continue;
                String tail = expr.substring(end);
                expr = expr.substring(0, from) + " (" + operand + ")" + (tail.isEmpty() ? "" : " " + tail);
            }
            return expr;
        }

        /** Whether {@code not} after this token is the unary operator (not part of {@code not in}/{@code is not}). */
        private static boolean unaryPosition(Tok prev) {
            if (prev == null) return true;
            if (prev.kind == Tok.WORD) {
                return List.of("and", "or", "not", "if", "elif", "else", "in").contains(prev.text);
            }
            return prev.kind == Tok.PUNCT && !List.of(")", "]", "}").contains(prev.text);
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }

    /** A token of a Jinja expression, enough to find top-level words and operands. */
    private static final class Tok {
        static final int WORD = 0;
        static final int STRING = 1;
        static final int NUMBER = 2;
        static final int PUNCT = 3;

        final int kind;
        final String text;
        final int start;
        final int end;
        /** Bracket depth: outside the token for openers, after closing for closers. */
        final int depth;

        private Tok(int kind, String text, int start, int end, int depth) {
            this.kind = kind;
            this.text = text;
            this.start = start;
            this.end = end;
            this.depth = depth;
        }

        static List<Tok> scan(String s) {
            List<Tok> toks = new ArrayList<>();
            int depth = 0;
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                int start = i;
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                if (c == '\'' || c == '"') {
                    i++;
                    while (i < s.length() && s.charAt(i) != c) i += s.charAt(i) == '\\' ? 2 : 1;
                    i = Math.min(i + 1, s.length());
                    toks.add(new Tok(STRING, s.substring(start, i), start, i, depth));
                } else if (Character.isLetter(c) || c == '_') {
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                    toks.add(new Tok(WORD, s.substring(start, i), start, i, depth));
                } else if (Character.isDigit(c)) {
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
                    toks.add(new Tok(NUMBER, s.substring(start, i), start, i, depth));
                } else {
                    String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                    int len = List.of("==", "!=", "<=", ">=", "//", "**").contains(two) ? 2 : 1;
                    i += len;
                    if (c == ')' || c == ']' || c == '}') depth = Math.max(0, depth - 1);
                    toks.add(new Tok(PUNCT, s.substring(start, i), start, i, depth));
                    if (c == '(' || c == '[' || c == '{') depth++;
                }
            }
            return toks;
        }

        /** Index of the first token of this kind and text at depth 0, or -1. */
        static int topLevel(List<Tok> toks, int kind, String text) {
            for (int i = 0; i < toks.size(); i++) {
                Tok t = toks.get(i);
                if (t.depth == 0 && t.kind == kind && t.text.equals(text)) return i;
            }
            return -1;
        }
    }

    private static int nextOpener(String src, int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Inside {@code {% raw %}}: the {@code {%} of the next {@code {% endraw %}}. */
    private static int nextEndRaw(String src, int from) {
        for (int i = src.indexOf("{%", from); i >= 0; i = src.indexOf("{%", i + 1)) {
            int j = i + 2;
            if (j < src.length() && (src.charAt(j) == '-' || src.charAt(j) == '+')) j++;
            while (j < src.length() && Jinja2Runtime.isPythonSpace(src.charAt(j))) j++;
            if (src.startsWith("endraw", j)) return i;
        }
        return -1;
    }

    /** Index of the closing {@code %}}/{@code }}} of a tag, or of its {@code -}/{@code +} modifier: outside
     * string literals and brackets, as Jinja2's lexer finds it. */
    private static int tagEnd(String src, int from, char closer) {
        int depth = 0;
        for (int i = from; i < src.length(); i++) {
            char c = src.charAt(i);
            if (depth == 0) {
                if ((c == '-' || (c == '+' && closer == '%')) && src.startsWith(closer + "}", i + 1)) return i;
                if (c == closer && i + 1 < src.length() && src.charAt(i + 1) == '}') return i;
            }
            if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < src.length() && src.charAt(j) != c) j += src.charAt(j) == '\\' ? 2 : 1;
                i = j;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    private static boolean allPythonSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) if (!Jinja2Runtime.isPythonSpace(s.charAt(i))) return false;
        return true;
    }

    private static IllegalArgumentException unclosed(String what, String src, int at) {
        int line = 1;
        for (int i = 0; i < at; i++) if (src.charAt(i) == '\n') line++;
        return new IllegalArgumentException("chat template syntax error at line " + line + ": " + what
                + " is not closed");
    }
}
