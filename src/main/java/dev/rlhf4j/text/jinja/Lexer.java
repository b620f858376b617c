package dev.rlhf4j.text.jinja;

import dev.rlhf4j.text.jinja.Token.Type;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True}: line endings made {@code \n}, one trailing newline dropped, the first
 * {@code {{}/{%}/{#} opener wins, {@code -} strips whitespace, {@code +} keeps it, a block or comment
 * tag alone on its line loses its indentation and the newline after it, and a closing {@code }}} inside
 * open brackets belongs to the expression.
 */
final class Lexer {
    private static final Pattern FLOAT = Pattern.compile(
            "(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "(0[bB](_?[0-1])+|0[oO](_?[0-7])+|0[xX](_?[\\da-fA-F])+|[1-9](_?\\d)*|0(_?0)*)");
    private static final Pattern STRING = Pattern.compile(
            "'([^'\\\\]*(?:\\\\.[^'\\\\]*)*)'|\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\"", Pattern.DOTALL);
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(?:-%\\}\\s*|%\\})",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(?:\\+%\\}|-%\\}\\s*|%\\}\\n?)",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=",
            "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = normalize(source);
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < src.length(); i++) if (src.charAt(i) == '\n') starts.add(i + 1);
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        try {
            lexer.run();
        } catch (TemplateException e) {
            lexer.tokens.add(new Token(Type.ERROR, e.detail(), e.line()));
        }
        return lexer.tokens;
    }

    /** \r\n and \r become \n, and one trailing newline goes (keep_trailing_newline=False). */
    private static String normalize(String s) {
        String n = s.replace("\r\n", "\n").replace('\r', '\n');
        return n.endsWith("\n") ? n.substring(0, n.length() - 1) : n;
    }

    int lineAt(int offset) {
        int lo = 0, hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        return lo + 1;
    }

    private void emit(Type type, String value, int at) {
        tokens.add(new Token(type, value, lineAt(at)));
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int open = findOpener(pos);
            if (open < 0) {
                emit(Type.DATA, src.substring(pos), pos);
                lineStarting = src.endsWith("\n");
                pos = n;
                break;
            }
            char kind = src.charAt(open + 1);
            Matcher raw = kind == '%' ? RAW_BEGIN.matcher(src).region(open, n) : null;
            boolean isRaw = raw != null && raw.lookingAt();
            String sign = isRaw ? raw.group(1)
                    : (open + 2 < n && (src.charAt(open + 2) == '-' || src.charAt(open + 2) == '+'))
                    ? String.valueOf(src.charAt(open + 2)) : "";
            String text = src.substring(pos, open);
            if (sign.equals("-")) {
                text = Py.rstrip(text);
            } else if (!sign.equals("+") && kind != '{') {
                text = lstripBlock(text);
            }
            if (!text.isEmpty()) emit(Type.DATA, text, pos);
            if (isRaw) {
                pos = raw.end();
                lexRaw(open);
            } else {
                pos = open + 2 + sign.length();
                lineStarting = false;
                switch (kind) {
                    case '#' -> lexComment(open);
                    case '%' -> { emit(Type.BLOCK_BEGIN, "{%", open); lexTag(false); }
                    default -> { emit(Type.VARIABLE_BEGIN, "{{", open); lexTag(true); }
                }
            }
        }
        emit(Type.EOF, "", n);
    }

    /** lstrip_blocks: drop the spaces between the line's start and a block or comment tag. */
    private String lstripBlock(String text) {
        int lpos = text.lastIndexOf('\n') + 1;
        if ((lpos > 0 || lineStarting) && lpos < text.length() && Py.isAllSpace(text, lpos)) {
            return text.substring(0, lpos);
        }
        return text;
    }

    private int findOpener(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    private void lexComment(int open) {
        int n = src.length();
        for (int k = pos; k < n; k++) {
            if (src.startsWith("+#}", k)) { finishTag(k + 3); return; }
            if (src.startsWith("-#}", k)) { finishTag(skipSpace(k + 3)); return; }
            if (src.startsWith("#}", k)) {
                int end = k + 2;
                if (end < n && src.charAt(end) == '\n') end++;
                finishTag(end);
                return;
            }
        }
        throw TemplateException.syntax(lineAt(open), "Missing end of comment tag");
    }

    private void finishTag(int end) {
        lineStarting = end > 0 && src.charAt(end - 1) == '\n';
        pos = end;
    }

    private int skipSpace(int k) {
        while (k < src.length()) {
            int cp = src.codePointAt(k);
            if (!Py.isSpace(cp)) break;
            k += Character.charCount(cp);
        }
        return k;
    }

    private void lexRaw(int open) {
        Matcher end = RAW_END.matcher(src);
        if (!end.find(pos)) throw TemplateException.syntax(lineAt(open), "Missing end of raw directive");
        String text = src.substring(pos, end.start());
        String sign = end.group(1);
        if (sign.equals("-")) text = Py.rstrip(text);
        else if (!sign.equals("+")) {
            lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
            text = lstripBlock(text);
        }
        if (!text.isEmpty()) emit(Type.DATA, text, pos);
        finishTag(end.end());
    }

    private void lexTag(boolean variable) {
        Deque<Character> balance = new ArrayDeque<>();
        int n = src.length();
        int start = pos;
        while (true) {
            if (pos >= n) {
                throw TemplateException.syntax(lineAt(start),
                        variable ? "unexpected end of template, expected 'end of print statement'"
                                : "unexpected end of template, expected 'end of statement block'");
            }
            if (balance.isEmpty()) {
                if (variable) {
                    if (src.startsWith("-}}", pos)) { emit(Type.VARIABLE_END, "}}", pos); finishTag(skipSpace(pos + 3)); return; }
                    if (src.startsWith("}}", pos)) { emit(Type.VARIABLE_END, "}}", pos); finishTag(pos + 2); return; }
                } else {
                    if (src.startsWith("+%}", pos)) { emit(Type.BLOCK_END, "%}", pos); finishTag(pos + 3); return; }
                    if (src.startsWith("-%}", pos)) { emit(Type.BLOCK_END, "%}", pos); finishTag(skipSpace(pos + 3)); return; }
                    if (src.startsWith("%}", pos)) {
                        int end = pos + 2;
                        if (end < n && src.charAt(end) == '\n') end++;
                        emit(Type.BLOCK_END, "%}", pos);
                        finishTag(end);
                        return;
                    }
                }
            }
            int cp = src.codePointAt(pos);
            if (Py.isSpace(cp)) { pos = skipSpace(pos); continue; }
            Matcher m;
            if (Character.isDigit(cp) && (pos == 0 || src.charAt(pos - 1) != '.')
                    && (m = FLOAT.matcher(src).region(pos, n)).lookingAt()) {
                emit(Type.FLOAT, m.group().replace("_", ""), pos);
                pos = m.end();
            } else if (Character.isDigit(cp) && (m = INTEGER.matcher(src).region(pos, n)).lookingAt()) {
                emit(Type.INTEGER, m.group().replace("_", ""), pos);
                pos = m.end();
            } else if (cp == '_' || Character.isLetter(cp)) {
                int k = pos;
                while (k < n) {
                    int c = src.codePointAt(k);
                    if (c != '_' && !Character.isLetterOrDigit(c)) break;
                    k += Character.charCount(c);
                }
                emit(Type.NAME, src.substring(pos, k), pos);
                pos = k;
            } else if ((cp == '\'' || cp == '"') && (m = STRING.matcher(src).region(pos, n)).lookingAt()) {
                emit(Type.STRING, unescape(m.group().substring(1, m.group().length() - 1), lineAt(pos)), pos);
                pos = m.end();
            } else {
                String op = null;
                for (String o : OPERATORS) if (src.startsWith(o, pos)) { op = o; break; }
                if (op == null) {
                    throw TemplateException.syntax(lineAt(pos), "unexpected char " + Py.repr(new String(Character.toChars(cp))) + " at " + pos);
                }
                switch (op) {
                    case "{" -> balance.push('}');
                    case "(" -> balance.push(')');
                    case "[" -> balance.push(']');
                    case "}", ")", "]" -> {
                        if (balance.isEmpty()) throw TemplateException.syntax(lineAt(pos), "unexpected '" + op + "'");
                        char expected = balance.pop();
                        if (expected != op.charAt(0)) {
                            throw TemplateException.syntax(lineAt(pos), "unexpected '" + op + "', expected '" + expected + "'");
                        }
                    }
                    default -> { }
                }
                emit(Type.OPERATOR, op, pos);
                pos += op.length();
            }
        }
    }

    /** Python's unicode-escape decoding of a string literal's body; unknown escapes stay as written. */
    static String unescape(String s, int line) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= n) { sb.append(c); continue; }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = s.substring(i + 1, Math.min(n, i + 1 + len));
                    if (hex.length() < len || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
                        throw TemplateException.syntax(line, "truncated \\" + e + " escape");
                    }
                    sb.appendCodePoint(Integer.parseInt(hex, 16));
                    i += len;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0', k = 1;
                        while (k < 3 && i + 1 < n && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            v = v * 8 + (s.charAt(++i) - '0');
                            k++;
                        }
                        sb.appendCodePoint(v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }
}
