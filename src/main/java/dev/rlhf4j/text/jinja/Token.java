package dev.rlhf4j.text.jinja;

/** One lexer token: template text, a tag delimiter, or a piece of an expression inside a tag. */
record Token(Type type, String value, int line) {
    enum Type { DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF,
        /** A lexer error; raised when the parser reaches it, as jinja2's lazy token stream does. */
        ERROR }

    boolean is(Type t, String v) {
        return type == t && value.equals(v);
    }

    boolean isName(String v) {
        return type == Type.NAME && value.equals(v);
    }

    boolean isOp(String v) {
        return type == Type.OPERATOR && value.equals(v);
    }

    String describe() {
        return switch (type) {
            case EOF -> "end of template";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_BEGIN -> "begin of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case DATA -> "template data";
            default -> value;
        };
    }
}
