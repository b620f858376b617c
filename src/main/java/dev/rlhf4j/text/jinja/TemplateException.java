package dev.rlhf4j.text.jinja;

/**
 * A chat template that does not parse, fails while rendering, or calls {@code raise_exception}. The message
 * names the template line where that is known (jinja2's {@code TemplateSyntaxError}, {@code UndefinedError},
 * {@code TypeError}, ... all end up here).
 */
public final class TemplateException extends IllegalArgumentException {
    /** What went wrong: the template's syntax, its evaluation, or its own {@code raise_exception}. */
    public enum Kind { SYNTAX, RUNTIME, RAISED }

    private static final long serialVersionUID = 1L;

    private final Kind kind;
    private final int line;
    private final String detail;

    public TemplateException(Kind kind, int line, String detail) {
        super(message(kind, line, detail));
        this.kind = kind;
        this.line = line;
        this.detail = detail;
    }

    private static String message(Kind kind, int line, String detail) {
        String where = line > 0 ? " at line " + line : "";
        return switch (kind) {
            case SYNTAX -> "chat template syntax error" + where + ": " + detail;
            case RUNTIME -> "chat template error" + where + ": " + detail;
            case RAISED -> "chat template raised an exception: " + detail;
        };
    }

    public Kind kind() {
        return kind;
    }

    /** 1-based template line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The message without the "chat template ... at line N:" prefix. */
    public String detail() {
        return detail;
    }

    static TemplateException syntax(int line, String detail) {
        return new TemplateException(Kind.SYNTAX, line, detail);
    }
}
