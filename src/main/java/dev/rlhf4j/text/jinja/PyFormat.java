package dev.rlhf4j.text.jinja;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python's number printing: {@code repr(float)}, {@code %}-formatting and {@code str.format}. */
final class PyFormat {
    private PyFormat() {}

    /** repr(float): the shortest digits that read back, fixed between 1e-4 and 1e16, else d.ddde+XX. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int decpt = digits.length() - shortest.scale();
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) return sign + "0." + "0".repeat(-decpt) + digits;
            if (decpt >= digits.length()) return sign + digits + "0".repeat(decpt - digits.length()) + ".0";
            return sign + digits.substring(0, decpt) + "." + digits.substring(decpt);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int exp = decpt - 1;
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    // ---------------------------------------------------------------------------------------------
    // A format spec: [[fill]align][sign][#][0][width][,|_][.precision][type]

    record Spec(char fill, char align, char sign, boolean alt, boolean zero, int width, String grouping, int precision, char type) {}

    static Spec parseSpec(String s) {
        int i = 0, n = s.length();
        char fill = ' ', align = 0, sign = '-';
        boolean alt = false, zero = false;
        int width = -1, precision = -1;
        String grouping = "";
        if (n >= 2 && "<>=^".indexOf(s.charAt(1)) >= 0) { fill = s.charAt(0); align = s.charAt(1); i = 2; }
        else if (n >= 1 && "<>=^".indexOf(s.charAt(0)) >= 0) { align = s.charAt(0); i = 1; }
        if (i < n && "+- ".indexOf(s.charAt(i)) >= 0) sign = s.charAt(i++);
        if (i < n && s.charAt(i) == '#') { alt = true; i++; }
        if (i < n && s.charAt(i) == '0') { zero = true; i++; }
        int st = i;
        while (i < n && Character.isDigit(s.charAt(i))) i++;
        if (i > st) width = Integer.parseInt(s.substring(st, i));
        if (i < n && (s.charAt(i) == ',' || s.charAt(i) == '_')) grouping = String.valueOf(s.charAt(i++));
        if (i < n && s.charAt(i) == '.') {
            st = ++i;
            while (i < n && Character.isDigit(s.charAt(i))) i++;
            precision = Integer.parseInt(s.substring(st, i));
        }
        char type = 0;
        if (i < n) type = s.charAt(i++);
        if (i != n) throw Py.error("Invalid format specifier '" + s + "'");
        return new Spec(fill, align, sign, alt, zero, width, grouping, precision, type);
    }

    /** format(value, spec) as Python's built-in does for str, int, float, bool and None. */
    static String formatValue(Object v, String specText) {
        if (v instanceof Undefined u) {
            if (specText.isEmpty()) return "";
            throw u.fail();
        }
        Spec spec = parseSpec(specText);
        if (v instanceof String || v == null || v instanceof List || v instanceof Map || !Py.isNumber(v)) {
            if (!(v instanceof String) && !specText.isEmpty()) {
                throw Py.error("unsupported format string passed to " + Py.typeName(v) + ".__format__");
            }
            String s = Py.str(v);
            if (spec.precision >= 0 && s.codePointCount(0, s.length()) > spec.precision) {
                s = s.substring(0, s.offsetByCodePoints(0, spec.precision));
            }
            return pad(s, spec, '<');
        }
        if (v instanceof Boolean && spec.type == 0) return pad(Py.str(v), spec, '<');
        char type = spec.type;
        String body;
        boolean negative;
        if (Py.isInt(v) && (type == 0 || "dnxXobc".indexOf(type) >= 0)) {
            long x = Py.toLong(v);
            negative = x < 0;
            long a = Math.abs(x);
            body = switch (type) {
                case 'x' -> (spec.alt ? "0x" : "") + Long.toHexString(a);
                case 'X' -> (spec.alt ? "0X" : "") + Long.toHexString(a).toUpperCase();
                case 'o' -> (spec.alt ? "0o" : "") + Long.toOctalString(a);
                case 'b' -> (spec.alt ? "0b" : "") + Long.toBinaryString(a);
                case 'c' -> new String(Character.toChars((int) a));
                default -> group(Long.toString(a), spec.grouping);
            };
        } else {
            if ("eEfFgG%".indexOf(type) < 0 && type != 0) {
                throw Py.error("Unknown format code '" + type + "' for object of type '" + Py.typeName(v) + "'");
            }
            double x = Py.toDouble(v);
            negative = x < 0 || (x == 0 && 1 / x < 0);
            body = formatFloat(Math.abs(x), type, spec.precision, spec.alt, spec.grouping);
        }
        String signText = negative ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
        if (spec.zero && spec.align == 0) {
            int w = spec.width - signText.length();
            StringBuilder sb = new StringBuilder(body);
            while (sb.length() < w) sb.insert(0, '0');
            return signText + sb;
        }
        if (spec.align == '=') {
            Spec rest = new Spec(spec.fill, '>', spec.sign, spec.alt, false, spec.width - signText.length(),
                    spec.grouping, spec.precision, spec.type);
            return signText + pad(body, rest, '>');
        }
        return pad(signText + body, spec, '>');
    }

    static String formatFloat(double x, char type, int precision, boolean alt, String grouping) {
        if (Double.isNaN(x)) return Character.isUpperCase(type) ? "NAN" : "nan";
        if (Double.isInfinite(x)) return Character.isUpperCase(type) ? "INF" : "inf";
        switch (type) {
            case 0 -> {
                if (precision < 0) return floatRepr(x);
                String g = formatFloat(x, 'g', precision, alt, grouping);
                return g.contains(".") || g.contains("e") || g.contains("n") ? g : g + ".0";
            }
            case 'f', 'F', '%' -> {
                double y = type == '%' ? x * 100 : x;
                int p = precision < 0 ? 6 : precision;
                String s = new BigDecimal(y).setScale(p, RoundingMode.HALF_EVEN).toPlainString();
                if (!grouping.isEmpty()) {
                    int dot = s.indexOf('.');
                    s = group(dot < 0 ? s : s.substring(0, dot), grouping) + (dot < 0 ? "" : s.substring(dot));
                }
                if (alt && p == 0) s += ".";
                return type == '%' ? s + "%" : s;
            }
            case 'e', 'E' -> {
                int p = precision < 0 ? 6 : precision;
                return exp(x, p, type == 'E', alt);
            }
            case 'g', 'G' -> {
                int p = precision < 0 ? 6 : Math.max(precision, 1);
                if (x == 0) return alt ? "0." + "0".repeat(p - 1) : "0";
                BigDecimal r = new BigDecimal(x).round(new MathContext(p, RoundingMode.HALF_EVEN));
                int e = r.precision() - r.scale() - 1;
                String s;
                if (e >= -4 && e < p) {
                    s = new BigDecimal(x).setScale(p - 1 - e, RoundingMode.HALF_EVEN).toPlainString();
                } else {
                    s = exp(x, p - 1, type == 'G', alt);
                }
                if (!alt) {
                    int ei = s.indexOf(type == 'G' ? 'E' : 'e');
                    String m = ei < 0 ? s : s.substring(0, ei), tail = ei < 0 ? "" : s.substring(ei);
                    if (m.contains(".")) m = m.replaceAll("0+$", "").replaceAll("\\.$", "");
                    s = m + tail;
                }
                return s;
            }
            default -> throw Py.error("Unknown format code '" + type + "' for object of type 'float'");
        }
    }

    private static String exp(double x, int p, boolean upper, boolean alt) {
        if (x == 0) {
            return "0" + (p > 0 ? "." + "0".repeat(p) : alt ? "." : "") + (upper ? "E+00" : "e+00");
        }
        BigDecimal r = new BigDecimal(x).round(new MathContext(p + 1, RoundingMode.HALF_EVEN));
        String digits = r.unscaledValue().toString();
        while (digits.length() < p + 1) digits += "0";
        digits = digits.substring(0, p + 1);
        int e = r.precision() - r.scale() - 1;
        String m = digits.charAt(0) + (p > 0 ? "." + digits.substring(1) : alt ? "." : "");
        return m + (upper ? "E" : "e") + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }

    private static String group(String digits, String sep) {
        if (sep.isEmpty()) return digits;
        StringBuilder sb = new StringBuilder();
        int n = digits.length();
        for (int i = 0; i < n; i++) {
            if (i > 0 && (n - i) % 3 == 0) sb.append(sep);
            sb.append(digits.charAt(i));
        }
        return sb.toString();
    }

    private static String pad(String s, Spec spec, char defaultAlign) {
        int len = s.codePointCount(0, s.length());
        if (spec.width <= len) return s;
        int total = spec.width - len;
        char align = spec.align == 0 ? defaultAlign : spec.align;
        String fill = String.valueOf(spec.fill);
        return switch (align) {
            case '<' -> s + fill.repeat(total);
            case '^' -> fill.repeat(total / 2) + s + fill.repeat(total - total / 2);
            default -> fill.repeat(total) + s;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // printf-style: 'fmt' % value

    static String percent(String fmt, Object values) {
        List<?> positional = values instanceof PyTuple t ? t : List.of();
        boolean single = !(values instanceof PyTuple);
        Map<?, ?> mapping = values instanceof Map<?, ?> m ? m : null;
        StringBuilder out = new StringBuilder();
        int argi = 0, n = fmt.length();
        for (int i = 0; i < n; i++) {
            char c = fmt.charAt(i);
            if (c != '%') { out.append(c); continue; }
            if (++i >= n) throw Py.error("incomplete format");
            Object arg = null;
            boolean haveArg = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (mapping == null) throw Py.error("format requires a mapping");
                String key = fmt.substring(i + 1, close);
                if (!mapping.containsKey(key)) throw Py.error("KeyError: " + Py.repr(key));
                arg = mapping.get(key);
                haveArg = true;
                i = close + 1;
            }
            StringBuilder flags = new StringBuilder();
            while (i < n && "-+ #0".indexOf(fmt.charAt(i)) >= 0) flags.append(fmt.charAt(i++));
            int st = i;
            while (i < n && Character.isDigit(fmt.charAt(i))) i++;
            String width = fmt.substring(st, i);
            String precision = "";
            if (i < n && fmt.charAt(i) == '.') {
                st = ++i;
                while (i < n && Character.isDigit(fmt.charAt(i))) i++;
                precision = "." + (i > st ? fmt.substring(st, i) : "0");
            }
            if (i >= n) throw Py.error("incomplete format");
            char type = fmt.charAt(i);
            if (type == '%') { out.append('%'); continue; }
            if (!haveArg) {
                if (single) {
                    if (argi++ > 0) throw Py.error("not enough arguments for format string");
                    arg = values;
                } else {
                    if (argi >= positional.size()) throw Py.error("not enough arguments for format string");
                    arg = positional.get(argi++);
                }
            }
            if (arg instanceof Undefined u && "sra".indexOf(type) < 0) throw u.fail();
            String f = flags.toString();
            char align = f.contains("-") ? '<' : 0;
            String sign = f.contains("+") ? "+" : f.contains(" ") ? " " : "";
            String zero = f.contains("0") && align == 0 ? "0" : "";
            String alt = f.contains("#") ? "#" : "";
            String spec = (align != 0 ? "<" : "") + sign + alt + zero + width + precision;
            switch (type) {
                case 's' -> out.append(formatValue(Py.str(arg), (align != 0 ? "<" : ">") + width + precision));
                case 'r', 'a' -> out.append(formatValue(Py.repr(arg), (align != 0 ? "<" : ">") + width + precision));
                case 'd', 'i', 'u' -> {
                    if (!Py.isNumber(arg)) throw Py.error("%" + type + " format: a real number is required, not " + Py.typeName(arg));
                    long v = arg instanceof Double d ? (long) d.doubleValue() : Py.toLong(arg);
                    out.append(formatValue(v, (align != 0 ? "<" : "") + sign + zero + width + "d"));
                }
                case 'f', 'F', 'e', 'E', 'g', 'G' -> {
                    if (!Py.isNumber(arg)) throw Py.error("must be real number, not " + Py.typeName(arg));
                    out.append(formatValue(Py.toDouble(arg), spec + type));
                }
                case 'x', 'X', 'o' -> out.append(formatValue(Py.toLong(arg), (align != 0 ? "<" : "") + sign + alt + zero + width + type));
                case 'c' -> out.append(arg instanceof String s ? s : new String(Character.toChars((int) Py.toLong(arg))));
                default -> throw Py.error("unsupported format character '" + type + "'");
            }
        }
        if (!single && argi < positional.size()) throw Py.error("not all arguments converted during string formatting");
        // Python treats any non-tuple, non-str argument with items (a list, a dict, jinja2's Undefined) as a
        // mapping: no error.
        if (single && argi == 0 && !(values instanceof Map) && !(values instanceof List) && !(values instanceof Undefined)) {
            throw Py.error("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // str.format

    static String format(String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0, n = fmt.length();
        for (int i = 0; i < n; i++) {
            char c = fmt.charAt(i);
            if (c == '{' && i + 1 < n && fmt.charAt(i + 1) == '{') { out.append('{'); i++; continue; }
            if (c == '}' && i + 1 < n && fmt.charAt(i + 1) == '}') { out.append('}'); i++; continue; }
            if (c == '}') throw Py.error("Single '}' encountered in format string");
            if (c != '{') { out.append(c); continue; }
            int close = fmt.indexOf('}', i);
            if (close < 0) throw Py.error("Single '{' encountered in format string");
            String field = fmt.substring(i + 1, close);
            i = close;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) { spec = field.substring(colon + 1); field = field.substring(0, colon); }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) { conversion = field.charAt(bang + 1); field = field.substring(0, bang); }
            String head = field.split("[.\\[]", 2)[0];
            String rest = field.substring(head.length());
            Object value;
            if (head.isEmpty()) {
                if (auto >= args.size()) throw Py.error("Replacement index " + auto + " out of range for positional args tuple");
                value = args.get(auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                int k = Integer.parseInt(head);
                if (k >= args.size()) throw Py.error("Replacement index " + k + " out of range for positional args tuple");
                value = args.get(k);
            } else {
                if (!kwargs.containsKey(head)) throw Py.error("KeyError: " + Py.repr(head));
                value = kwargs.get(head);
            }
            while (!rest.isEmpty()) {
                if (rest.charAt(0) == '.') {
                    String name = rest.substring(1).split("[.\\[]", 2)[0];
                    value = Py.getattr(value, name);
                    rest = rest.substring(1 + name.length());
                } else {
                    int end = rest.indexOf(']');
                    String key = rest.substring(1, end);
                    value = Py.getitem(value, key.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(key) : key);
                    rest = rest.substring(end + 1);
                }
            }
            if (conversion == 'r' || conversion == 'a') value = Py.repr(value);
            else if (conversion == 's') value = Py.str(value);
            out.append(formatValue(value, spec));
        }
        return out.toString();
    }
}
