package dev.rlhf4j.text.jinja;

import java.util.List;

/** Expression nodes of the template AST; each knows its template line. */
sealed interface Expr {
    int line();

    record Const(Object value, int line) implements Expr {}

    record Name(String name, int line) implements Expr {}

    /** {@code ns.attr} as an assignment target. */
    record NsRef(String name, String attr, int line) implements Expr {}

    record ListLit(List<Expr> items, int line) implements Expr {}

    record TupleLit(List<Expr> items, int line) implements Expr {}

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {}

    record GetAttr(Expr obj, String attr, int line) implements Expr {}

    record GetItem(Expr obj, Expr key, int line) implements Expr {}

    /** {@code start:stop:step} inside brackets; omitted parts are null. */
    record SliceExpr(Expr start, Expr stop, Expr step, int line) implements Expr {}

    /** Arguments of a call, filter or test. */
    record CallArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues, Expr dynArgs, Expr dynKwargs) {
        static final CallArgs NONE = new CallArgs(List.of(), List.of(), List.of(), null, null);
    }

    record Call(Expr fn, CallArgs args, int line) implements Expr {}

    /** {@code value | name(args)}; value is null for the innermost filter of a filter block or set block. */
    record Filter(Expr value, String name, CallArgs args, int line) implements Expr {}

    record Test(Expr value, String name, CallArgs args, int line) implements Expr {}

    /** {@code not}, unary {@code -} and {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr {}

    /** Arithmetic ({@code + - * / // % **}) and the short-circuit {@code and}/{@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {}

    /** {@code a ~ b ~ c}: the str() of each, joined. */
    record Concat(List<Expr> parts, int line) implements Expr {}

    /** {@code a < b == c}, chained as in Python; ops are eq ne lt lteq gt gteq in notin. */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {}

    /** {@code then if test else otherwise}; otherwise null when there is no else. */
    record CondExpr(Expr test, Expr then, Expr otherwise, int line) implements Expr {}
}
