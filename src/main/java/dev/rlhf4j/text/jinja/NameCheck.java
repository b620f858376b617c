package dev.rlhf4j.text.jinja;

import java.util.List;

/**
 * jinja2's compile-time checks. Every filter and test must exist, except that a name inside an
 * {@code if} (its test and branches) or an inline {@code if}-expression is only looked up when evaluated;
 * a for loop, macro or block body inside them starts a new frame where the check applies again. And
 * {@code break}/{@code continue} must sit in a loop body of the same function (a macro, call block or
 * generation block body is one of its own), as Python compiles jinja2's output.
 */
final class NameCheck {
    private NameCheck() {}

    static void check(List<Stmt> body) {
        stmts(body, false, false);
    }

    private static void stmts(List<Stmt> body, boolean soft, boolean inLoop) {
        for (Stmt s : body) stmt(s, soft, inLoop);
    }

    private static void stmt(Stmt s, boolean soft, boolean inLoop) {
        if (s instanceof Stmt.Print p) expr(p.expr(), soft);
        else if (s instanceof Stmt.If i) {
            for (Expr t : i.tests()) expr(t, true);
            for (List<Stmt> b : i.bodies()) stmts(b, true, inLoop);
            stmts(i.orElse(), true, inLoop);
        } else if (s instanceof Stmt.For f) {
            expr(f.iter(), soft);
            if (f.filter() != null) expr(f.filter(), false);
            stmts(f.body(), false, true);
            stmts(f.orElse(), false, inLoop);
        } else if (s instanceof Stmt.Set set) expr(set.value(), soft);
        else if (s instanceof Stmt.SetBlock b) {
            if (b.filter() != null) expr(b.filter(), soft);
            stmts(b.body(), false, inLoop);
        } else if (s instanceof Stmt.Macro m) {
            for (Expr d : m.defaults()) expr(d, false);
            stmts(m.body(), false, false);
        } else if (s instanceof Stmt.CallBlock c) {
            expr(c.call(), soft);
            stmts(c.body(), false, false);
        } else if (s instanceof Stmt.FilterBlock f) {
            expr(f.filter(), false);
            stmts(f.body(), false, inLoop);
        } else if (s instanceof Stmt.With w) {
            for (Expr v : w.values()) expr(v, soft);
            stmts(w.body(), false, inLoop);
        } else if (s instanceof Stmt.Generation g) {
            stmts(g.body(), false, false);
        } else if (s instanceof Stmt.Break && !inLoop) {
            throw TemplateException.syntax(s.line(), "'break' outside loop");
        } else if (s instanceof Stmt.Continue && !inLoop) {
            throw TemplateException.syntax(s.line(), "'continue' not properly in loop");
        }
    }

    private static void args(Expr.CallArgs a, boolean soft) {
        for (Expr e : a.args()) expr(e, soft);
        for (Expr e : a.kwValues()) expr(e, soft);
        if (a.dynArgs() != null) expr(a.dynArgs(), soft);
        if (a.dynKwargs() != null) expr(a.dynKwargs(), soft);
    }

    private static void expr(Expr e, boolean soft) {
        if (e == null) return;
        if (e instanceof Expr.Filter f) {
            if (!soft && !Filters.exists(f.name())) throw TemplateException.syntax(f.line(), "No filter named '" + f.name() + "'.");
            expr(f.value(), soft);
            args(f.args(), soft);
        } else if (e instanceof Expr.Test t) {
            if (!soft && !Tests.exists(t.name())) throw TemplateException.syntax(t.line(), "No test named '" + t.name() + "'.");
            expr(t.value(), soft);
            args(t.args(), soft);
        } else if (e instanceof Expr.CondExpr c) {
            expr(c.test(), true);
            expr(c.then(), true);
            expr(c.otherwise(), true);
        } else if (e instanceof Expr.ListLit l) l.items().forEach(x -> expr(x, soft));
        else if (e instanceof Expr.TupleLit t) t.items().forEach(x -> expr(x, soft));
        else if (e instanceof Expr.DictLit d) {
            d.keys().forEach(x -> expr(x, soft));
            d.values().forEach(x -> expr(x, soft));
        } else if (e instanceof Expr.GetAttr g) expr(g.obj(), soft);
        else if (e instanceof Expr.GetItem g) {
            expr(g.obj(), soft);
            expr(g.key(), soft);
        } else if (e instanceof Expr.SliceExpr s) {
            expr(s.start(), soft);
            expr(s.stop(), soft);
            expr(s.step(), soft);
        } else if (e instanceof Expr.Call c) {
            expr(c.fn(), soft);
            args(c.args(), soft);
        } else if (e instanceof Expr.Unary u) expr(u.operand(), soft);
        else if (e instanceof Expr.Binary b) {
            expr(b.left(), soft);
            expr(b.right(), soft);
        } else if (e instanceof Expr.Concat c) c.parts().forEach(x -> expr(x, soft));
        else if (e instanceof Expr.Compare c) {
            expr(c.first(), soft);
            c.operands().forEach(x -> expr(x, soft));
        }
    }
}
