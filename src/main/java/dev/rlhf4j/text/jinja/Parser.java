package dev.rlhf4j.text.jinja;

import dev.rlhf4j.text.jinja.Expr.CallArgs;
import dev.rlhf4j.text.jinja.Token.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds the AST from tokens with jinja2's grammar and operator precedence. */
final class Parser {
    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private int pos;
    private final List<String> tagStack = new ArrayList<>();

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Stmt> body = p.subparse(List.of());
        if (p.current().type() != Type.EOF) throw p.fail("unexpected " + p.current().describe());
        NameCheck.check(body);
        return body;
    }

    // ---------------------------------------------------------------------------------------------
    // Token stream

    private Token current() {
        Token t = tokens.get(pos);
        if (t.type() == Type.ERROR) throw TemplateException.syntax(t.line(), t.value());
        return t;
    }

    private Token look() {
        return tokens.get(Math.min(pos + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = current();
        if (pos < tokens.size() - 1) pos++;
        return t;
    }

    private TemplateException fail(String message) {
        return TemplateException.syntax(current().line(), message);
    }

    private Token expect(Type type) {
        Token t = current();
        if (t.type() != type) {
            throw fail("expected token '" + describe(type) + "', got '" + t.describe() + "'");
        }
        return next();
    }

    private void expectOp(String op) {
        if (!current().isOp(op)) throw fail("expected token '" + op + "', got '" + current().describe() + "'");
        next();
    }

    private void expectName(String name) {
        if (!current().isName(name)) throw fail("expected token '" + name + "', got '" + current().describe() + "'");
        next();
    }

    private boolean skipOp(String op) {
        if (current().isOp(op)) { next(); return true; }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) { next(); return true; }
        return false;
    }

    private static String describe(Type type) {
        return switch (type) {
            case VARIABLE_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case NAME -> "name";
            case EOF -> "end of template";
            default -> type.name().toLowerCase();
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Statements

    /** Template body up to one of the end tags (left as the current token after its block_begin). */
    private List<Stmt> subparse(List<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (current().type() != Type.EOF) {
            Token t = current();
            switch (t.type()) {
                case DATA -> { body.add(new Stmt.Text(t.value(), t.line())); next(); }
                case VARIABLE_BEGIN -> {
                    next();
                    Expr e = parseTuple(true, false, Set.of());
                    body.add(new Stmt.Print(e, t.line()));
                    expect(Type.VARIABLE_END);
                }
                case BLOCK_BEGIN -> {
                    next();
                    if (current().type() == Type.NAME && endTags.contains(current().value())) return body;
                    body.add(parseStatement());
                    expect(Type.BLOCK_END);
                }
                default -> throw fail("unexpected " + t.describe());
            }
        }
        return body;
    }

    /** Body of a block statement: ends at one of the end tags; that tag's name stays current. */
    private List<Stmt> parseStatements(List<String> endTags, boolean dropNeedle) {
        skipOp(":");
        expect(Type.BLOCK_END);
        List<Stmt> body = subparse(endTags);
        if (current().type() == Type.EOF) {
            String innermost = tagStack.isEmpty() ? "" : " The innermost block that needs to be closed is '" + tagStack.get(tagStack.size() - 1) + "'.";
            throw TemplateException.syntax(current().line(), "Unexpected end of template. Jinja was looking for the following tags: "
                    + String.join(" or ", endTags.stream().map(s -> "'" + s + "'").toList()) + "." + innermost);
        }
        if (dropNeedle) next();
        return body;
    }

    private Stmt parseStatement() {
        Token t = current();
        if (t.type() != Type.NAME) throw fail("tag name expected");
        tagStack.add(t.value());
        try {
            return switch (t.value()) {
                case "for" -> parseFor();
                case "if" -> parseIf();
                case "set" -> parseSet();
                case "macro" -> parseMacro();
                case "call" -> parseCallBlock();
                case "filter" -> parseFilterBlock();
                case "with" -> parseWith();
                case "print" -> { next(); yield new Stmt.Print(parseTuple(true, false, Set.of()), t.line()); }
                case "generation" -> {
                    next();
                    yield new Stmt.Generation(parseStatements(List.of("endgeneration"), true), t.line());
                }
                case "break" -> { next(); yield new Stmt.Break(t.line()); }
                case "continue" -> { next(); yield new Stmt.Continue(t.line()); }
                default -> throw TemplateException.syntax(t.line(), "Encountered unknown tag '" + t.value() + "'."
                        + (tagStack.size() > 1 ? " The innermost block that needs to be closed is '" + tagStack.get(tagStack.size() - 2) + "'." : ""));
            };
        } finally {
            tagStack.remove(tagStack.size() - 1);
        }
    }

    private Stmt parseFor() {
        int line = next().line();
        Expr target = parseAssignTarget(true, false, Set.of("in"));
        expectName("in");
        Expr iter = parseTuple(false, false, Set.of("recursive"));
        Expr filter = null;
        if (skipName("if")) filter = parseExpression(true);
        boolean recursive = skipName("recursive");
        List<Stmt> body = parseStatements(List.of("endfor", "else"), false);
        List<Stmt> orElse = List.of();
        if (next().value().equals("else")) orElse = parseStatements(List.of("endfor"), true);
        return new Stmt.For(target, iter, filter, recursive, body, orElse, line);
    }

    private Stmt parseIf() {
        int line = next().line();
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> orElse = List.of();
        while (true) {
            tests.add(parseTuple(false, false, Set.of()));
            bodies.add(parseStatements(List.of("elif", "else", "endif"), false));
            Token t = next();
            if (t.value().equals("elif")) continue;
            if (t.value().equals("else")) orElse = parseStatements(List.of("endif"), true);
            break;
        }
        return new Stmt.If(tests, bodies, orElse, line);
    }

    private Stmt parseSet() {
        int line = next().line();
        Expr target = parseAssignTarget(true, true, Set.of());
        if (skipOp("=")) return new Stmt.Set(target, parseTuple(true, false, Set.of()), line);
        Expr filter = current().isOp("|") ? parseFilter(null, false) : null;
        List<Stmt> body = parseStatements(List.of("endset"), true);
        return new Stmt.SetBlock(target, filter, body, line);
    }

    private Stmt parseMacro() {
        int line = next().line();
        String name = expect(Type.NAME).value();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        return new Stmt.Macro(name, params, defaults, parseStatements(List.of("endmacro"), true), line);
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!current().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            params.add(expect(Type.NAME).value());
            if (skipOp("=")) defaults.add(parseExpression(true));
            else if (!defaults.isEmpty()) throw fail("non-default argument follows default argument");
        }
        expectOp(")");
    }

    private Stmt parseCallBlock() {
        int line = next().line();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (current().isOp("(")) parseSignature(params, defaults);
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call c)) throw TemplateException.syntax(line, "expected call");
        return new Stmt.CallBlock(c, params, defaults, parseStatements(List.of("endcall"), true), line);
    }

    private Stmt parseFilterBlock() {
        int line = next().line();
        Expr filter = parseFilter(null, true);
        return new Stmt.FilterBlock(filter, parseStatements(List.of("endfilter"), true), line);
    }

    private Stmt parseWith() {
        int line = next().line();
        List<Expr> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().type() != Type.BLOCK_END) {
            if (!targets.isEmpty()) expectOp(",");
            targets.add(parseAssignTarget(true, false, Set.of()));
            expectOp("=");
            values.add(parseExpression(true));
        }
        return new Stmt.With(targets, values, parseStatements(List.of("endwith"), true), line);
    }

    private Expr parseAssignTarget(boolean withTuple, boolean withNamespace, Set<String> extraEnd) {
        Expr target;
        if (withTuple) {
            target = parseTupleOf(() -> parsePrimary(withNamespace), false, extraEnd);
        } else {
            target = parsePrimary(withNamespace);
        }
        checkAssignable(target);
        return target;
    }

    private void checkAssignable(Expr target) {
        if (target instanceof Expr.TupleLit t) {
            for (Expr e : t.items()) checkAssignable(e);
        } else if (!(target instanceof Expr.Name) && !(target instanceof Expr.NsRef)) {
            throw TemplateException.syntax(target.line(), "can't assign to " + target.getClass().getSimpleName().toLowerCase());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Expressions

    private Expr parseExpression(boolean withCondExpr) {
        return withCondExpr ? parseCondExpr() : parseOr();
    }

    private Expr parseCondExpr() {
        int line = current().line();
        Expr expr1 = parseOr();
        while (skipName("if")) {
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseCondExpr() : null;
            expr1 = new Expr.CondExpr(test, expr1, otherwise, line);
            line = current().line();
        }
        return expr1;
    }

    private Expr parseOr() {
        int line = current().line();
        Expr left = parseAnd();
        while (skipName("or")) left = new Expr.Binary("or", left, parseAnd(), line);
        return left;
    }

    private Expr parseAnd() {
        int line = current().line();
        Expr left = parseNot();
        while (skipName("and")) left = new Expr.Binary("and", left, parseNot(), line);
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.type() == Type.OPERATOR && COMPARE.contains(t.value())) {
                next();
                ops.add(t.value());
            } else if (skipName("in")) {
                ops.add("in");
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands, line);
    }

    private Expr parseMath1() {
        int line = current().line();
        Expr left = parseConcat();
        while (current().isOp("+") || current().isOp("-")) {
            String op = next().value();
            left = new Expr.Binary(op, left, parseConcat(), line);
        }
        return left;
    }

    private Expr parseConcat() {
        int line = current().line();
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (skipOp("~")) parts.add(parseMath2());
        return parts.size() == 1 ? parts.get(0) : new Expr.Concat(parts, line);
    }

    private Expr parseMath2() {
        int line = current().line();
        Expr left = parsePow();
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            String op = next().value();
            left = new Expr.Binary(op, left, parsePow(), line);
        }
        return left;
    }

    private Expr parsePow() {
        int line = current().line();
        Expr left = parseUnary(true);
        while (skipOp("**")) left = new Expr.Binary("**", left, parseUnary(true), line);
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Expr.Unary(t.value(), parseUnary(false), t.line());
        } else {
            node = parsePrimary(false);
        }
        node = parsePostfix(node);
        if (withFilter) node = parseFilterExpr(node);
        return node;
    }

    private Expr parsePrimary(boolean withNamespace) {
        Token t = current();
        switch (t.type()) {
            case NAME -> {
                next();
                switch (t.value()) {
                    case "true", "True": return new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False": return new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None": return new Expr.Const(null, t.line());
                    default:
                        if (withNamespace && current().isOp(".")) {
                            next();
                            return new Expr.NsRef(t.value(), expect(Type.NAME).value(), t.line());
                        }
                        return new Expr.Name(t.value(), t.line());
                }
            }
            case STRING -> {
                next();
                StringBuilder sb = new StringBuilder(t.value());
                while (current().type() == Type.STRING) sb.append(next().value());
                return new Expr.Const(sb.toString(), t.line());
            }
            case INTEGER -> {
                next();
                return new Expr.Const(parseInteger(t.value()), t.line());
            }
            case FLOAT -> {
                next();
                return new Expr.Const(Double.parseDouble(t.value()), t.line());
            }
            case OPERATOR -> {
                if (t.isOp("(")) {
                    next();
                    Expr e = parseTuple(true, true, Set.of());
                    expectOp(")");
                    return e;
                }
                if (t.isOp("[")) return parseList();
                if (t.isOp("{")) return parseDict();
            }
            default -> { }
        }
        throw fail("unexpected '" + t.describe() + "'");
    }

    private static Long parseInteger(String text) {
        String lower = text.toLowerCase();
        if (lower.startsWith("0x")) return Long.parseLong(text.substring(2), 16);
        if (lower.startsWith("0o")) return Long.parseLong(text.substring(2), 8);
        if (lower.startsWith("0b")) return Long.parseLong(text.substring(2), 2);
        return Long.parseLong(text);
    }

    private interface ItemParser {
        Expr parse();
    }

    private Expr parseTuple(boolean withCondExpr, boolean explicitParens, Set<String> extraEnd) {
        return parseTupleOf(() -> parseExpression(withCondExpr), explicitParens, extraEnd);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        if (t.type() == Type.VARIABLE_END || t.type() == Type.BLOCK_END || t.isOp(")")) return true;
        return t.type() == Type.NAME && extraEnd.contains(t.value());
    }

    private Expr parseTupleOf(ItemParser item, boolean explicitParens, Set<String> extraEnd) {
        int line = current().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) expectOp(",");
            if (isTupleEnd(extraEnd)) break;
            args.add(item.parse());
            if (current().isOp(",")) isTuple = true;
            else break;
            line = current().line();
        }
        if (!isTuple) {
            if (!args.isEmpty()) return args.get(0);
            if (!explicitParens) throw fail("Expected an expression, got '" + current().describe() + "'");
        }
        return new Expr.TupleLit(args, line);
    }

    private Expr parseList() {
        int line = next().line();
        List<Expr> items = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!items.isEmpty()) expectOp(",");
            if (current().isOp("]")) break;
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new Expr.ListLit(items, line);
    }

    private Expr parseDict() {
        int line = next().line();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOp("}")) {
            if (!keys.isEmpty()) expectOp(",");
            if (current().isOp("}")) break;
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new Expr.DictLit(keys, values, line);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (current().isOp(".") || current().isOp("[")) node = parseSubscript(node);
            else if (current().isOp("(")) node = parseCall(node);
            else return node;
        }
    }

    private Expr parseCall(Expr node) {
        int line = current().line();
        return new Expr.Call(node, parseCallArgs(), line);
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (current().isOp("|")) node = parseFilter(node, false);
            else if (current().isName("is")) node = parseTest(node);
            else if (current().isOp("(")) node = parseCall(node);
            else return node;
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token attr = next();
            if (attr.type() == Type.NAME) return new Expr.GetAttr(node, attr.value(), t.line());
            if (attr.type() != Type.INTEGER) throw TemplateException.syntax(attr.line(), "expected name or number");
            return new Expr.GetItem(node, new Expr.Const(parseInteger(attr.value()), attr.line()), t.line());
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!args.isEmpty()) expectOp(",");
            args.add(parseSubscribed());
        }
        expectOp("]");
        Expr key = args.size() == 1 ? args.get(0) : new Expr.TupleLit(args, t.line());
        return new Expr.GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        int line = current().line();
        Expr start = null;
        if (current().isOp(":")) {
            next();
        } else {
            Expr e = parseExpression(true);
            if (!current().isOp(":")) return e;
            next();
            start = e;
        }
        Expr stop = null, step = null;
        if (!current().isOp(":") && !current().isOp("]") && !current().isOp(",")) stop = parseExpression(true);
        if (skipOp(":")) {
            if (!current().isOp("]") && !current().isOp(",")) step = parseExpression(true);
        }
        return new Expr.SliceExpr(start, stop, step, line);
    }

    private CallArgs parseCallArgs() {
        int line = current().line();
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        Expr dynArgs = null, dynKwargs = null;
        boolean requireComma = false;
        while (!current().isOp(")")) {
            if (requireComma) {
                expectOp(",");
                if (current().isOp(")")) break;
            }
            if (current().isOp("*")) {
                next();
                dynArgs = parseExpression(true);
            } else if (current().isOp("**")) {
                next();
                dynKwargs = parseExpression(true);
            } else if (current().type() == Type.NAME && look().isOp("=")) {
                kwNames.add(next().value());
                next();
                kwValues.add(parseExpression(true));
            } else {
                if (dynArgs != null || dynKwargs != null || !kwNames.isEmpty()) {
                    throw TemplateException.syntax(line, "invalid syntax for function call expression");
                }
                args.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOp(")");
        return new CallArgs(args, kwNames, kwValues, dynArgs, dynKwargs);
    }

    private Expr parseFilter(Expr node, boolean startInline) {
        while (current().isOp("|") || startInline) {
            if (!startInline) next();
            Token name = expect(Type.NAME);
            StringBuilder full = new StringBuilder(name.value());
            while (current().isOp(".")) {
                next();
                full.append('.').append(expect(Type.NAME).value());
            }
            CallArgs args = current().isOp("(") ? parseCallArgs() : CallArgs.NONE;
            node = new Expr.Filter(node, full.toString(), args, name.line());
            startInline = false;
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        Token is = next();
        boolean negated = skipName("not");
        StringBuilder name = new StringBuilder(expect(Type.NAME).value());
        while (current().isOp(".")) {
            next();
            name.append('.').append(expect(Type.NAME).value());
        }
        CallArgs args = CallArgs.NONE;
        Token t = current();
        if (t.isOp("(")) {
            args = parseCallArgs();
        } else if ((t.type() == Type.NAME || t.type() == Type.STRING || t.type() == Type.INTEGER || t.type() == Type.FLOAT
                || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) throw fail("You cannot chain multiple tests with is");
            Expr arg = parsePostfix(parsePrimary(false));
            args = new CallArgs(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new Expr.Test(node, name.toString(), args, is.line());
        return negated ? new Expr.Unary("not", test, is.line()) : test;
    }
}
