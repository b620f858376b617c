package dev.rlhf4j.text.jinja;

import java.util.List;

/** Statement nodes of the template AST. */
sealed interface Stmt {
    int line();

    record Text(String text, int line) implements Stmt {}

    record Print(Expr expr, int line) implements Stmt {}

    /** if/elif.../else: tests.get(i) guards bodies.get(i). */
    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> orElse, int line) implements Stmt {}

    record For(Expr target, Expr iter, Expr filter, boolean recursive, List<Stmt> body, List<Stmt> orElse, int line)
            implements Stmt {}

    record Set(Expr target, Expr value, int line) implements Stmt {}

    /** {@code {% set x | filter %}...{% endset %}}; filter is null or a Filter chain with a null innermost value. */
    record SetBlock(Expr target, Expr filter, List<Stmt> body, int line) implements Stmt {}

    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt {}

    /** {@code {% call(params) macro(args) %}body{% endcall %}}: body is the macro's {@code caller}. */
    record CallBlock(Expr.Call call, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt {}

    record FilterBlock(Expr filter, List<Stmt> body, int line) implements Stmt {}

    record With(List<Expr> targets, List<Expr> values, List<Stmt> body, int line) implements Stmt {}

    /** transformers' {@code {% generation %}}: renders its body in its own scope. */
    record Generation(List<Stmt> body, int line) implements Stmt {}

    record Break(int line) implements Stmt {}

    record Continue(int line) implements Stmt {}
}
