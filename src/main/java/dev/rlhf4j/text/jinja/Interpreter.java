package dev.rlhf4j.text.jinja;

import dev.rlhf4j.text.jinja.Expr.CallArgs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a parsed template over a scope of variables, writing what it prints. One instance per render. */
final class Interpreter {
    private enum Flow { NORMAL, BREAK, CONTINUE }

    /** The template line being evaluated, for error messages. */
    private int line;

    String render(List<Stmt> body, Scope scope) {
        StringBuilder out = new StringBuilder();
        try {
            exec(body, scope, out);
        } catch (TemplateException e) {
            if (e.line() == 0 && e.kind() == TemplateException.Kind.RUNTIME) {
                throw new TemplateException(e.kind(), line, e.detail());
            }
            throw e;
        } catch (StackOverflowError e) {
            throw new TemplateException(TemplateException.Kind.RUNTIME, line, "maximum recursion depth exceeded");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // Statements

    private Flow exec(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt s : body) {
            Flow flow = exec(s, scope, out);
            if (flow != Flow.NORMAL) return flow;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt stmt, Scope scope, StringBuilder out) {
        line = stmt.line();
        if (stmt instanceof Stmt.Text t) {
            out.append(t.text());
        } else if (stmt instanceof Stmt.Print p) {
            out.append(Py.str(eval(p.expr(), scope)));
        } else if (stmt instanceof Stmt.If s) {
            for (int i = 0; i < s.tests().size(); i++) {
                if (Py.truth(eval(s.tests().get(i), scope))) return exec(s.bodies().get(i), scope, out);
            }
            return exec(s.orElse(), scope, out);
        } else if (stmt instanceof Stmt.For f) {
            runLoop(f, eval(f.iter(), scope), scope, 0, out);
        } else if (stmt instanceof Stmt.Set s) {
            assign(s.target(), eval(s.value(), scope), scope);
        } else if (stmt instanceof Stmt.SetBlock s) {
            StringBuilder captured = new StringBuilder();
            Flow flow = exec(s.body(), new Scope(scope), captured);
            if (flow != Flow.NORMAL) return flow;
            Object value = captured.toString();
            if (s.filter() != null) value = applyFilterChain(s.filter(), value, scope);
            assign(s.target(), value, scope);
        } else if (stmt instanceof Stmt.Macro m) {
            scope.set(m.name(), new Macro(m.name(), m.params(), m.defaults(), m.body(), scope));
        } else if (stmt instanceof Stmt.CallBlock c) {
            Macro caller = new Macro("caller", c.params(), c.defaults(), c.body(), scope);
            out.append(Py.str(call(c.call(), scope, caller)));
        } else if (stmt instanceof Stmt.FilterBlock f) {
            StringBuilder captured = new StringBuilder();
            Flow flow = exec(f.body(), new Scope(scope), captured);
            if (flow != Flow.NORMAL) return flow;
            out.append(Py.str(applyFilterChain(f.filter(), captured.toString(), scope)));
        } else if (stmt instanceof Stmt.With w) {
            Scope inner = new Scope(scope);
            for (int i = 0; i < w.targets().size(); i++) assign(w.targets().get(i), eval(w.values().get(i), scope), inner);
            return exec(w.body(), inner, out);
        } else if (stmt instanceof Stmt.Generation g) {
            exec(g.body(), new Scope(scope), out);
        } else if (stmt instanceof Stmt.Break) {
            return Flow.BREAK;
        } else if (stmt instanceof Stmt.Continue) {
            return Flow.CONTINUE;
        }
        return Flow.NORMAL;
    }

    private void runLoop(Stmt.For f, Object iterable, Scope scope, int depth0, StringBuilder out) {
        List<Object> items = Py.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope test = new Scope(scope);
                assign(f.target(), item, test);
                if (Py.truth(eval(f.filter(), test))) kept.add(item);
            }
            items = kept;
        } else if (iterable instanceof List) {
            items = new ArrayList<>(items);
        }
        PyCallable recurse = f.recursive() ? (args, kw) -> {
            StringBuilder inner = new StringBuilder();
            runLoop(f, args.isEmpty() ? Undefined.because("loop() needs an iterable") : args.get(0), scope, depth0 + 1, inner);
            return inner.toString();
        } : null;
        LoopContext loop = new LoopContext(items, depth0, recurse);
        // As jinja2 compiles it, else runs unless some iteration reached the end of the body
        // (so also after a break or continue in every iteration).
        boolean completed = false;
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Scope iteration = new Scope(scope);
            assign(f.target(), items.get(i), iteration);
            iteration.set("loop", loop);
            Flow flow = exec(f.body(), iteration, out);
            if (flow == Flow.BREAK) break;
            if (flow == Flow.NORMAL) completed = true;
        }
        if (!completed) exec(f.orElse(), new Scope(scope), out);
    }

    private void assign(Expr target, Object value, Scope scope) {
        if (target instanceof Expr.Name n) {
            scope.set(n.name(), value);
        } else if (target instanceof Expr.NsRef ref) {
            Object ns = scope.lookup(ref.name());
            if (!(ns instanceof Namespace namespace)) {
                throw Py.error("cannot assign attribute on non-namespace object");
            }
            namespace.attributes.put(ref.attr(), value);
        } else if (target instanceof Expr.TupleLit t) {
            List<Object> values = Py.iterate(value);
            int n = t.items().size();
            if (values.size() > n) throw Py.error("too many values to unpack (expected " + n + ")");
            if (values.size() < n) throw Py.error("not enough values to unpack (expected " + n + ", got " + values.size() + ")");
            for (int i = 0; i < n; i++) assign(t.items().get(i), values.get(i), scope);
        } else {
            throw Py.error("cannot assign to " + target);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Expressions

    Object eval(Expr e, Scope scope) {
        if (e instanceof Expr.Const c) return c.value();
        if (e instanceof Expr.Name n) return scope.lookup(n.name());
        line = e.line();
        if (e instanceof Expr.GetAttr g) return Py.getattr(eval(g.obj(), scope), g.attr());
        if (e instanceof Expr.GetItem g) {
            Object obj = eval(g.obj(), scope);
            if (g.key() instanceof Expr.SliceExpr s) {
                Object key = new Py.Slice(optional(s.start(), scope), optional(s.stop(), scope), optional(s.step(), scope));
                return Py.getitem(obj, key);
            }
            return Py.getitem(obj, eval(g.key(), scope));
        }
        if (e instanceof Expr.Binary b) return binary(b, scope);
        if (e instanceof Expr.Compare c) return compare(c, scope);
        if (e instanceof Expr.Unary u) {
            Object v = eval(u.operand(), scope);
            return switch (u.op()) {
                case "not" -> !Py.truth(v);
                case "-" -> Py.neg(v);
                default -> Py.pos(v);
            };
        }
        if (e instanceof Expr.Filter f) {
            return applyFilter(f, eval(f.value(), scope), scope);
        }
        if (e instanceof Expr.Test t) {
            Object value = eval(t.value(), scope);
            List<Object> args = new ArrayList<>();
            Map<String, Object> kwargs = new LinkedHashMap<>();
            evalArgs(t.args(), scope, args, kwargs);
            line = t.line();
            return Tests.apply(t.name(), value, args, kwargs);
        }
        if (e instanceof Expr.Call c) return call(c, scope, null);
        if (e instanceof Expr.Concat c) {
            StringBuilder sb = new StringBuilder();
            for (Expr part : c.parts()) sb.append(Py.str(eval(part, scope)));
            return sb.toString();
        }
        if (e instanceof Expr.CondExpr c) {
            if (Py.truth(eval(c.test(), scope))) return eval(c.then(), scope);
            if (c.otherwise() == null) {
                return Undefined.because("the inline if-expression on line " + c.line() + " evaluated to false and no else section was defined.");
            }
            return eval(c.otherwise(), scope);
        }
        if (e instanceof Expr.ListLit l) {
            List<Object> out = new ArrayList<>(l.items().size());
            for (Expr item : l.items()) out.add(eval(item, scope));
            return out;
        }
        if (e instanceof Expr.TupleLit t) {
            List<Object> out = new ArrayList<>(t.items().size());
            for (Expr item : t.items()) out.add(eval(item, scope));
            return new PyTuple(out);
        }
        if (e instanceof Expr.DictLit d) {
            Map<Object, Object> out = Py.dict();
            for (int i = 0; i < d.keys().size(); i++) out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
            return out;
        }
        if (e instanceof Expr.SliceExpr) throw Py.error("a slice is only allowed inside brackets");
        if (e instanceof Expr.NsRef) throw Py.error("a namespace reference is only allowed as an assignment target");
        throw new IllegalStateException("unknown node " + e);
    }

    private Object optional(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Object binary(Expr.Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        switch (b.op()) {
            case "and": return Py.truth(left) ? eval(b.right(), scope) : left;
            case "or": return Py.truth(left) ? left : eval(b.right(), scope);
            default: break;
        }
        Object right = eval(b.right(), scope);
        line = b.line();
        return switch (b.op()) {
            case "+" -> Py.add(left, right);
            case "-" -> Py.sub(left, right);
            case "*" -> Py.mul(left, right);
            case "/" -> Py.div(left, right);
            case "//" -> Py.floorDiv(left, right);
            case "%" -> Py.mod(left, right);
            case "**" -> Py.pow(left, right);
            default -> throw new IllegalStateException(b.op());
        };
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i), scope);
            String op = c.ops().get(i);
            boolean ok = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                case "notin" -> !Py.contains(right, left);
                default -> throw new IllegalStateException(op);
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    private void evalArgs(CallArgs a, Scope scope, List<Object> args, Map<String, Object> kwargs) {
        for (Expr x : a.args()) args.add(eval(x, scope));
        for (int i = 0; i < a.kwNames().size(); i++) kwargs.put(a.kwNames().get(i), eval(a.kwValues().get(i), scope));
        if (a.dynArgs() != null) args.addAll(Py.iterate(eval(a.dynArgs(), scope)));
        if (a.dynKwargs() != null) {
            Object m = eval(a.dynKwargs(), scope);
            if (!(m instanceof Map<?, ?> map)) throw Py.error("argument after ** must be a mapping, not " + Py.typeName(m));
            for (Map.Entry<?, ?> en : map.entrySet()) kwargs.put(Py.str(en.getKey()), en.getValue());
        }
    }

    private Object call(Expr.Call c, Scope scope, Macro caller) {
        Object fn = eval(c.fn(), scope);
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(c.args(), scope, args, kwargs);
        if (caller != null) kwargs.put("caller", caller);
        line = c.line();
        if (fn instanceof PyCallable callable) return callable.call(args, kwargs);
        if (fn instanceof LoopContext loop && loop.recurse() != null) return loop.recurse().call(args, kwargs);
        if (fn instanceof Undefined u) throw u.fail();
        throw Py.error("'" + Py.typeName(fn) + "' object is not callable");
    }

    private Object applyFilter(Expr.Filter f, Object value, Scope scope) {
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(f.args(), scope, args, kwargs);
        line = f.line();
        return Filters.apply(f.name(), value, args, kwargs);
    }

    /** A filter chain whose innermost value is null (filter blocks, set blocks), applied to {@code value}. */
    private Object applyFilterChain(Expr chain, Object value, Scope scope) {
        Expr.Filter f = (Expr.Filter) chain;
        Object inner = f.value() == null ? value : applyFilterChain(f.value(), value, scope);
        return applyFilter(f, inner, scope);
    }

    /** A macro, or the body of a call block given to a macro as {@code caller}. */
    final class Macro implements PyCallable {
        private final String name;
        private final List<String> params;
        private final List<Expr> defaults;
        private final List<Stmt> body;
        private final Scope definedIn;

        Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Scope definedIn) {
            this.name = name;
            this.params = params;
            this.defaults = defaults;
            this.body = body;
            this.definedIn = definedIn;
        }

        @Override
        public Object call(List<Object> args, Map<String, Object> kwargs) {
            Scope s = new Scope(definedIn);
            Map<String, Object> rest = new LinkedHashMap<>(kwargs);
            int firstDefault = params.size() - defaults.size();
            for (int i = 0; i < params.size(); i++) {
                String p = params.get(i);
                if (i < args.size()) {
                    if (rest.containsKey(p)) throw Py.error("macro '" + name + "' got multiple values for argument '" + p + "'");
                    s.set(p, args.get(i));
                } else if (rest.containsKey(p)) {
                    s.set(p, rest.remove(p));
                } else if (i >= firstDefault) {
                    s.set(p, eval(defaults.get(i - firstDefault), s));
                } else {
                    s.set(p, Undefined.because("parameter '" + p + "' was not provided"));
                }
            }
            s.set("varargs", new PyTuple(args.size() > params.size() ? new ArrayList<>(args.subList(params.size(), args.size())) : new ArrayList<>()));
            if (rest.containsKey("caller")) s.set("caller", rest.remove("caller"));
            Map<Object, Object> extra = Py.dict();
            extra.putAll(rest);
            s.set("kwargs", extra);
            StringBuilder out = new StringBuilder();
            int saved = line;
            exec(body, s, out);
            line = saved;
            return out.toString();
        }

        @Override
        public String toString() {
            return "<Macro '" + name + "'>";
        }
    }
}
