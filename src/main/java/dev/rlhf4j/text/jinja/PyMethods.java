package dev.rlhf4j.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Python attributes a template reaches with {@code obj.name}: str, dict and list methods, bound to
 * their object, and the attributes of namespaces and loops. Methods that change a list or dict are
 * refused, as in jinja2's ImmutableSandboxedEnvironment.
 */
final class PyMethods {
    private PyMethods() {}

    private static final Set<String> UNSAFE_LIST = Set.of("append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove");
    private static final Set<String> UNSAFE_DICT = Set.of("clear", "pop", "popitem", "setdefault", "update");

    /** The attribute, or null when the object has none of that name. */
    static Object attribute(Object obj, String name) {
        if (obj instanceof String s) return stringMethod(s, name);
        if (obj instanceof Map<?, ?> m) return dictMethod(m, name);
        if (obj instanceof PyView) return null;
        if (obj instanceof List<?> l) return listMethod(l, name);
        return null;
    }

    /** As the immutable sandbox answers a method that would change its object: undefined, failing when used. */
    private static Undefined unsafe(Object obj, String name) {
        return Undefined.because("access to attribute '" + name + "' of '" + Py.typeName(obj) + "' object is unsafe.");
    }

    private static Object dictMethod(Map<?, ?> m, String name) {
        if (UNSAFE_DICT.contains(name)) return unsafe(m, name);
        return switch (name) {
            case "get" -> (PyCallable) (args, kw) -> {
                Object key = Args.required(args, kw, 0, "key", "get");
                return m.containsKey(key) ? m.get(key) : Args.get(args, kw, 1, "default", null);
            };
            case "items" -> (PyCallable) (args, kw) -> {
                List<Object> out = new ArrayList<>(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
                return PyView.dictView("dict_items", out);
            };
            case "keys" -> (PyCallable) (args, kw) -> PyView.dictView("dict_keys", new ArrayList<Object>(m.keySet()));
            case "values" -> (PyCallable) (args, kw) -> PyView.dictView("dict_values", new ArrayList<Object>(m.values()));
            case "copy" -> (PyCallable) (args, kw) -> {
                Map<Object, Object> copy = Py.dict();
                copy.putAll(m);
                return copy;
            };
            default -> null;
        };
    }

    private static Object listMethod(List<?> l, String name) {
        if (!(l instanceof PyTuple) && UNSAFE_LIST.contains(name)) return unsafe(l, name);
        return switch (name) {
            case "index" -> (PyCallable) (args, kw) -> {
                Object x = Args.required(args, kw, 0, "value", "index");
                for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), x)) return (long) i;
                throw Py.error(Py.repr(x) + " is not in list");
            };
            case "count" -> (PyCallable) (args, kw) -> {
                Object x = Args.required(args, kw, 0, "value", "count");
                return l.stream().filter(y -> Py.eq(y, x)).count();
            };
            case "copy" -> l instanceof PyTuple ? null : (PyCallable) (args, kw) -> new ArrayList<Object>(l);
            default -> null;
        };
    }

    private static String str(Object o, String method) {
        if (o instanceof String s) return s;
        if (o instanceof Undefined u) throw u.fail();
        throw Py.error(method + " arg must be None or str");
    }

    private static Object stringMethod(String s, String name) {
        return switch (name) {
            case "strip", "lstrip", "rstrip" -> (PyCallable) (args, kw) -> {
                Object chars = Args.get(args, kw, 0, "chars", null);
                return strip(s, chars == null ? null : str(chars, name), !name.equals("rstrip"), !name.equals("lstrip"));
            };
            case "upper" -> (PyCallable) (args, kw) -> s.toUpperCase(Locale.ROOT);
            case "lower" -> (PyCallable) (args, kw) -> s.toLowerCase(Locale.ROOT);
            case "casefold" -> (PyCallable) (args, kw) -> s.toLowerCase(Locale.ROOT);
            case "title" -> (PyCallable) (args, kw) -> title(s);
            case "capitalize" -> (PyCallable) (args, kw) -> capitalize(s);
            case "swapcase" -> (PyCallable) (args, kw) -> swapcase(s);
            case "split", "rsplit" -> (PyCallable) (args, kw) -> {
                Object sep = Args.get(args, kw, 0, "sep", null);
                long max = Py.toLong(Args.get(args, kw, 1, "maxsplit", -1L));
                if (sep == null) return name.equals("split") ? splitWhitespace(s, max) : rsplitWhitespace(s, max);
                String sp = str(sep, name);
                if (sp.isEmpty()) throw Py.error("empty separator");
                return name.equals("split") ? split(s, sp, max) : rsplit(s, sp, max);
            };
            case "splitlines" -> (PyCallable) (args, kw) -> splitlines(s, Py.truth(Args.get(args, kw, 0, "keepends", false)));
            case "startswith", "endswith" -> (PyCallable) (args, kw) -> {
                Object what = Args.required(args, kw, 0, name.equals("startswith") ? "prefix" : "suffix", name);
                String sub = substring(s, Args.get(args, kw, 1, "start", null), Args.get(args, kw, 2, "end", null));
                List<?> options = what instanceof PyTuple t ? t : List.of(what);
                for (Object o : options) {
                    if (!(o instanceof String p)) {
                        throw Py.error(name + " first arg must be str or a tuple of str, not " + Py.typeName(o));
                    }
                    if (name.equals("startswith") ? sub.startsWith(p) : sub.endsWith(p)) return true;
                }
                return false;
            };
            case "replace" -> (PyCallable) (args, kw) -> {
                String old = str(Args.required(args, kw, 0, "old", name), name);
                String rep = str(Args.required(args, kw, 1, "new", name), name);
                long count = Py.toLong(Args.get(args, kw, 2, "count", -1L));
                return replace(s, old, rep, count);
            };
            case "find", "rfind", "index", "rindex" -> (PyCallable) (args, kw) -> {
                String sub = str(Args.required(args, kw, 0, "sub", name), name);
                long start = Py.toLong(orDefault(Args.get(args, kw, 1, "start", null), 0L));
                String window = substring(s, Args.get(args, kw, 1, "start", null), Args.get(args, kw, 2, "end", null));
                int at = name.startsWith("r") ? window.lastIndexOf(sub) : window.indexOf(sub);
                if (at < 0) {
                    if (name.endsWith("index")) throw Py.error("substring not found");
                    return -1L;
                }
                long offset = start < 0 ? Math.max(0, Py.len(s) + start) : Math.min(start, Py.len(s));
                return offset + window.codePointCount(0, at);
            };
            case "count" -> (PyCallable) (args, kw) -> {
                String sub = str(Args.required(args, kw, 0, "sub", name), name);
                String window = substring(s, Args.get(args, kw, 1, "start", null), Args.get(args, kw, 2, "end", null));
                if (sub.isEmpty()) return (long) Py.len(window) + 1;
                long n = 0;
                for (int at = window.indexOf(sub); at >= 0; at = window.indexOf(sub, at + sub.length())) n++;
                return n;
            };
            case "join" -> (PyCallable) (args, kw) -> {
                List<Object> items = Py.iterate(Args.required(args, kw, 0, "iterable", name));
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String item)) {
                        throw Py.error("sequence item " + i + ": expected str instance, " + Py.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) sb.append(s);
                    sb.append(item);
                }
                return sb.toString();
            };
            case "format" -> (PyCallable) (args, kw) -> PyFormat.format(s, args, kw);
            case "removeprefix" -> (PyCallable) (args, kw) -> {
                String p = str(Args.required(args, kw, 0, "prefix", name), name);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (PyCallable) (args, kw) -> {
                String p = str(Args.required(args, kw, 0, "suffix", name), name);
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            };
            case "isdigit", "isdecimal", "isnumeric" -> (PyCallable) (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (PyCallable) (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (PyCallable) (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (PyCallable) (args, kw) -> !s.isEmpty() && Py.isAllSpace(s, 0);
            case "islower" -> (PyCallable) (args, kw) -> hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> (PyCallable) (args, kw) -> hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT));
            case "center", "ljust", "rjust" -> (PyCallable) (args, kw) -> {
                int width = (int) Py.toLong(Args.required(args, kw, 0, "width", name));
                String fill = (String) Args.get(args, kw, 1, "fillchar", " ");
                int pad = width - Py.len(s);
                if (pad <= 0) return s;
                if (name.equals("ljust")) return s + fill.repeat(pad);
                if (name.equals("rjust")) return fill.repeat(pad) + s;
                int left = pad / 2 + (pad & width & 1);
                return fill.repeat(left) + s + fill.repeat(pad - left);
            };
            case "zfill" -> (PyCallable) (args, kw) -> {
                int width = (int) Py.toLong(Args.required(args, kw, 0, "width", name));
                int pad = width - Py.len(s);
                if (pad <= 0) return s;
                boolean signed = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                return signed ? s.charAt(0) + "0".repeat(pad) + s.substring(1) : "0".repeat(pad) + s;
            };
            case "partition", "rpartition" -> (PyCallable) (args, kw) -> {
                String sep = str(Args.required(args, kw, 0, "sep", name), name);
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) return name.equals("partition") ? PyTuple.of(s, "", "") : PyTuple.of("", "", s);
                return PyTuple.of(s.substring(0, at), sep, s.substring(at + sep.length()));
            };
            default -> null;
        };
    }

    private static Object orDefault(Object v, Object dflt) {
        return v == null ? dflt : v;
    }

    /** s[start:end] with Python's index rules, by code point. */
    private static String substring(String s, Object start, Object end) {
        if (start == null && end == null) return s;
        return Py.sliceString(s, new Py.Slice(start, end, null));
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(c -> Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c));
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (chars == null ? !Py.isSpace(cp) : chars.indexOf(cp) < 0) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (chars == null ? !Py.isSpace(cp) : chars.indexOf(cp) < 0) break;
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    /** str.title: a cased character after an uncased one starts a word. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            if (cased) sb.append(previousCased ? lower(cp) : titleCase(cp));
            else sb.appendCodePoint(cp);
            previousCased = cased;
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        return titleCase(cp) + s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT);
    }

    private static String titleCase(int cp) {
        String up = new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
        if (up.codePointCount(0, up.length()) == 1) return new String(Character.toChars(Character.toTitleCase(cp)));
        return up.charAt(0) + up.substring(1).toLowerCase(Locale.ROOT);
    }

    private static String lower(int cp) {
        return new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
    }

    private static String swapcase(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            sb.append(Character.isUpperCase(cp) ? c.toLowerCase(Locale.ROOT) : Character.isLowerCase(cp) ? c.toUpperCase(Locale.ROOT) : c);
        });
        return sb.toString();
    }

    static String replace(String s, String old, String rep, long count) {
        if (count < 0) return s.replace(old, rep);
        StringBuilder sb = new StringBuilder();
        int from = 0;
        long done = 0;
        if (old.isEmpty()) {
            for (int i = 0; i < s.length() && done < count; done++) {
                sb.append(rep);
                int cp = s.codePointAt(i);
                sb.appendCodePoint(cp);
                i += Character.charCount(cp);
                from = i;
            }
            if (done < count && from == s.length()) { sb.append(rep); }
            return sb.append(s.substring(from)).toString();
        }
        for (int at = s.indexOf(old); at >= 0 && done < count; at = s.indexOf(old, from), done++) {
            sb.append(s, from, at).append(rep);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    static List<Object> split(String s, String sep, long max) {
        List<Object> out = new ArrayList<>();
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (max < 0 || out.size() < max); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long max) {
        List<Object> out = new ArrayList<>();
        int end = s.length();
        for (int at = s.lastIndexOf(sep, end - sep.length()); at >= 0 && (max < 0 || out.size() < max);
                at = end - sep.length() < 0 ? -1 : s.lastIndexOf(sep, end - sep.length())) {
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static List<Object> splitWhitespace(String s, long max) {
        List<Object> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (true) {
            while (i < n && Py.isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i >= n) break;
            if (max >= 0 && out.size() >= max) {
                out.add(s.substring(i));
                break;
            }
            int j = i;
            while (j < n && !Py.isSpace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
            out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }

    static List<Object> rsplitWhitespace(String s, long max) {
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (true) {
            while (end > 0 && Py.isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            if (end <= 0) break;
            if (max >= 0 && out.size() >= max) {
                out.add(0, s.substring(0, end));
                break;
            }
            int j = end;
            while (j > 0 && !Py.isSpace(s.codePointBefore(j))) j -= Character.charCount(s.codePointBefore(j));
            out.add(0, s.substring(j, end));
            end = j;
        }
        return out;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                int eol = i + (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1);
                out.add(s.substring(start, keepends ? eol : i));
                start = i = eol;
            } else {
                i++;
            }
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }
}
