package dev.rlhf4j.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SVG plotting helper: line and scatter charts, grouped bars with error bars, and stacked
 * histograms, as self-contained {@code <svg>} strings. Every text that reaches the markup goes
 * through {@link #escape}; non-finite values are left out (a gap in a line, no bar).
 *
 * <p>Data marks (lines, points, bars, error bars) carry {@code class="mark"}, so a page can be
 * checked for plots that actually drew something.
 */
public final class Svg {
    /** Colour-blind-safe palette (Okabe–Ito), then greys. */
    static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
            "#000000", "#777777", "#AAAAAA"};
    private static final int W = 500, H = 300, LEFT = 60, RIGHT = 14, TOP = 34, BOTTOM = 46, LEGEND = 150;

    private Svg() {}

    public enum Style { LINE, POINTS, LINE_POINTS }

    /** One series of an x–y chart; {@code faint} draws it light and behind the others (e.g. raw points under a summary line). */
    public record Series(String name, double[] x, double[] y, Style style, boolean faint) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y values");
        }

        public static Series line(String name, double[] x, double[] y) {
            return new Series(name, x, y, Style.LINE, false);
        }
    }

    /** One series of a bar chart: a value per category and, optionally, a ± half-width per category. */
    public record Bars(String name, double[] values, double[] errors) {}

    /** Values of one component of a stacked histogram. */
    public record Values(String name, double[] values) {}

    /** HTML/XML escaping of text and attribute values. */
    public static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // Control characters other than tab/newline are not allowed in XML at all.
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') b.append('\uFFFD');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** Lines and/or points on shared axes. */
    public static String xy(String title, String xLabel, String yLabel, List<Series> series) {
        Range xr = new Range(), yr = new Range();
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    xr.add(s.x()[i]);
                    yr.add(s.y()[i]);
                }
            }
        }
        boolean legend = series.stream().filter(s -> !s.faint()).count() > 1;
        Frame f = new Frame("xy", title, xLabel, yLabel, xr.ticks(), yr.ticks(), legend, 0);
        int colour = 0;
        List<String> front = new ArrayList<>();
        for (Series s : series) {
            String c = s.faint() ? "#B8B8B8" : PALETTE[colour++ % PALETTE.length];
            StringBuilder out = new StringBuilder();
            if (s.style() != Style.POINTS) {
                StringBuilder d = new StringBuilder();
                boolean pen = false;
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
                        pen = false;
                        continue;
                    }
                    d.append(pen ? 'L' : 'M').append(num(f.px(s.x()[i]))).append(',').append(num(f.py(s.y()[i])));
                    pen = true;
                }
                if (d.length() > 0) {
                    out.append("<path class=\"mark\" fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"")
                            .append(s.faint() ? "1" : "1.8").append("\" d=\"").append(d).append("\"><title>")
                            .append(escape(s.name())).append("</title></path>\n");
                }
            }
            if (s.style() != Style.LINE) {
                double r = s.faint() ? 1.6 : 3.2;
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) continue;
                    out.append("<circle class=\"mark\" cx=\"").append(num(f.px(s.x()[i]))).append("\" cy=\"")
                            .append(num(f.py(s.y()[i]))).append("\" r=\"").append(r).append("\" fill=\"").append(c)
                            .append(s.faint() ? "\" fill-opacity=\"0.5\">" : "\">");
                    if (!s.faint()) {
                        out.append("<title>").append(escape(s.name())).append(": (").append(fmt(s.x()[i])).append(", ")
                                .append(fmt(s.y()[i])).append(")</title>");
                    }
                    out.append("</circle>\n");
                }
            }
            if (s.faint()) f.body.append(out);
            else {
                front.add(out.toString());
                f.legend(s.name(), c);
            }
        }
        front.forEach(f.body::append);
        return f.close();
    }

    public static String line(String title, String xLabel, String yLabel, List<Series> series) {
        return xy(title, xLabel, yLabel, series);
    }

    /** A line with a shaded interval around it: {@code low[i]} ≤ {@code y[i]} ≤ {@code high[i]} at {@code x[i]}. */
    public record Band(String name, double[] x, double[] y, double[] low, double[] high) {
        public Band {
            if (x.length != y.length || x.length != low.length || x.length != high.length) {
                throw new IllegalArgumentException("band " + name + ": x, y, low and high differ in length");
            }
        }
    }

    /** Lines with points, each inside its shaded interval (a gap where a value is not finite). */
    public static String bands(String title, String xLabel, String yLabel, List<Band> series) {
        Range xr = new Range(), yr = new Range();
        for (Band s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) continue;
                xr.add(s.x()[i]);
                yr.add(s.y()[i]);
                yr.add(s.low()[i]);
                yr.add(s.high()[i]);
            }
        }
        Frame f = new Frame("bands", title, xLabel, yLabel, xr.ticks(), yr.ticks(), series.size() > 1, 0);
        StringBuilder shades = new StringBuilder(), lines = new StringBuilder();
        for (int k = 0; k < series.size(); k++) {
            Band s = series.get(k);
            String c = PALETTE[k % PALETTE.length];
            f.legend(s.name(), c);
            StringBuilder up = new StringBuilder(), down = new StringBuilder(), d = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                double x = s.x()[i];
                if (!Double.isFinite(x) || !Double.isFinite(s.y()[i])) continue;
                if (Double.isFinite(s.low()[i]) && Double.isFinite(s.high()[i])) {
                    up.append(up.length() == 0 ? 'M' : 'L').append(num(f.px(x))).append(',').append(num(f.py(s.high()[i])));
                    down.insert(0, "L" + num(f.px(x)) + "," + num(f.py(s.low()[i])));
                }
                d.append(d.length() == 0 ? 'M' : 'L').append(num(f.px(x))).append(',').append(num(f.py(s.y()[i])));
                lines.append("<circle class=\"mark\" cx=\"").append(num(f.px(x))).append("\" cy=\"").append(num(f.py(s.y()[i])))
                        .append("\" r=\"3\" fill=\"").append(c).append("\"><title>").append(escape(s.name())).append(": (")
                        .append(fmt(x)).append(", ").append(fmt(s.y()[i])).append(") [").append(fmt(s.low()[i])).append(", ")
                        .append(fmt(s.high()[i])).append("]</title></circle>\n");
            }
            if (up.length() > 0) {
                shades.append("<path class=\"band\" fill=\"").append(c).append("\" fill-opacity=\"0.18\" stroke=\"none\" d=\"")
                        .append(up).append(down).append("Z\"/>\n");
            }
            if (d.length() > 0) {
                lines.append("<path class=\"mark\" fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"1.8\" d=\"")
                        .append(d).append("\"><title>").append(escape(s.name())).append("</title></path>\n");
            }
        }
        f.body.append(shades).append(lines);
        return f.close();
    }

    /**
     * Grouped bars, one group per category, with optional ± error bars and a dashed reference line
     * ({@code reference} NaN for none).
     */
    public static String bars(String title, String yLabel, List<String> categories, List<Bars> series, double reference) {
        Range yr = new Range();
        yr.add(0);
        if (Double.isFinite(reference)) yr.add(reference);
        for (Bars s : series) {
            for (int i = 0; i < s.values().length; i++) {
                double v = s.values()[i];
                if (!Double.isFinite(v)) continue;
                double e = s.errors() == null || !Double.isFinite(s.errors()[i]) ? 0 : s.errors()[i];
                yr.add(v - e);
                yr.add(v + e);
            }
        }
        Range xr = new Range();
        xr.add(-0.5);
        xr.add(categories.size() - 0.5);
        // Category labels under the axis, rotated (with room made below) when there are many or they are long.
        int longest = Math.min(28, categories.stream().mapToInt(String::length).max().orElse(0));
        boolean rotate = categories.size() * Math.max(longest, 2) * 6.5 > W - LEFT - RIGHT;
        Frame f = new Frame("bars", title, "", yLabel, null, yr.ticks(), series.size() > 1, rotate ? (int) (longest * 3.4) : 0);
        f.xRange(xr.lo, xr.hi);
        for (int i = 0; i < categories.size(); i++) {
            double x = f.px(i), y = f.bottom() + 14;
            f.body.append("<text class=\"tick\" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append('"')
                    .append(rotate ? " text-anchor=\"end\" transform=\"rotate(-30 " + num(x) + " " + num(y) + ")\"" : " text-anchor=\"middle\"")
                    .append('>').append(escape(abbreviate(categories.get(i), 28))).append("</text>\n");
        }
        double slot = f.plotWidth() / Math.max(1, categories.size());
        double barW = slot * 0.8 / Math.max(1, series.size());
        double zero = f.py(Math.max(f.yLo, Math.min(f.yHi, 0)));
        for (int k = 0; k < series.size(); k++) {
            Bars s = series.get(k);
            String c = PALETTE[k % PALETTE.length];
            f.legend(s.name(), c);
            for (int i = 0; i < s.values().length && i < categories.size(); i++) {
                double v = s.values()[i];
                if (!Double.isFinite(v)) continue;
                double x0 = f.px(i) - slot * 0.4 + k * barW, y = f.py(v);
                double e = s.errors() == null || !Double.isFinite(s.errors()[i]) ? 0 : s.errors()[i];
                f.body.append("<rect class=\"mark bar\" x=\"").append(num(x0 + 1)).append("\" y=\"").append(num(Math.min(y, zero)))
                        .append("\" width=\"").append(num(Math.max(1, barW - 2))).append("\" height=\"")
                        .append(num(Math.max(0.5, Math.abs(zero - y)))).append("\" fill=\"").append(c).append("\"><title>")
                        .append(escape(s.name())).append(" · ").append(escape(categories.get(i))).append(": ").append(fmt(v))
                        .append(e > 0 ? " ± " + fmt(e) : "").append("</title></rect>\n");
                if (e > 0) {
                    double cx = x0 + barW / 2, yl = f.py(v - e), yh = f.py(v + e), w = Math.min(6, barW / 3);
                    f.body.append("<path class=\"mark error\" stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\" d=\"M")
                            .append(num(cx)).append(',').append(num(yl)).append('V').append(num(yh))
                            .append('M').append(num(cx - w)).append(',').append(num(yl)).append('H').append(num(cx + w))
                            .append('M').append(num(cx - w)).append(',').append(num(yh)).append('H').append(num(cx + w))
                            .append("\"/>\n");
                }
            }
        }
        if (Double.isFinite(reference)) {
            f.body.append("<path stroke=\"#444\" stroke-dasharray=\"4 3\" d=\"M").append(LEFT).append(',')
                    .append(num(f.py(reference))).append('H').append(num(f.right())).append("\"/>\n");
        }
        return f.close();
    }

    /** A histogram over equal-width bins; several components are stacked. */
    public static String histogram(String title, String xLabel, List<Values> components, int bins) {
        Range xr = new Range();
        for (Values v : components) for (double d : v.values()) if (Double.isFinite(d)) xr.add(d);
        if (xr.empty()) {
            xr.add(0);
            xr.add(1);
        }
        double lo = xr.lo, hi = xr.hi == xr.lo ? xr.lo + 1 : xr.hi, width = (hi - lo) / bins;
        int[][] counts = new int[components.size()][bins];
        for (int k = 0; k < components.size(); k++) {
            for (double d : components.get(k).values()) {
                if (!Double.isFinite(d)) continue;
                counts[k][Math.min(bins - 1, (int) ((d - lo) / width))]++;
            }
        }
        Range yr = new Range();
        yr.add(0);
        for (int b = 0; b < bins; b++) {
            int total = 0;
            for (int[] c : counts) total += c[b];
            yr.add(total);
        }
        Range xt = new Range();
        xt.add(lo);
        xt.add(hi);
        Frame f = new Frame("histogram", title, xLabel, "count", xt.ticks(), yr.ticks(), components.size() > 1, 0);
        for (int k = 0; k < components.size(); k++) f.legend(components.get(k).name(), PALETTE[k % PALETTE.length]);
        for (int b = 0; b < bins; b++) {
            int below = 0;
            for (int k = 0; k < components.size(); k++) {
                int c = counts[k][b];
                if (c == 0) continue;
                double x0 = f.px(lo + b * width), x1 = f.px(lo + (b + 1) * width);
                double y0 = f.py(below), y1 = f.py(below + c);
                f.body.append("<rect class=\"mark bar\" x=\"").append(num(x0)).append("\" y=\"").append(num(y1))
                        .append("\" width=\"").append(num(Math.max(0.5, x1 - x0 - 0.5))).append("\" height=\"")
                        .append(num(Math.max(0.5, y0 - y1))).append("\" fill=\"").append(PALETTE[k % PALETTE.length])
                        .append("\"><title>").append(escape(components.get(k).name())).append(" [").append(fmt(lo + b * width))
                        .append(", ").append(fmt(lo + (b + 1) * width)).append("): ").append(c).append("</title></rect>\n");
                below += c;
            }
        }
        return f.close();
    }

    /** Axes, grid, title and legend around a plot area; marks go into {@link #body}. */
    private static final class Frame {
        final StringBuilder head = new StringBuilder(), body = new StringBuilder(), legendItems = new StringBuilder();
        final int width, height;
        double xLo = 0, xHi = 1, yLo, yHi;
        final double[] xTicks;
        int legendCount;

        Frame(String kind, String title, String xLabel, String yLabel, double[] xTicks, double[] yTicks, boolean legend,
              int extraBottom) {
            width = W + (legend ? LEGEND : 0);
            height = H + extraBottom;
            this.xTicks = xTicks;
            yLo = yTicks[0];
            yHi = yTicks[yTicks.length - 1];
            if (xTicks != null) {
                xLo = xTicks[0];
                xHi = xTicks[xTicks.length - 1];
            }
            head.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"").append(kind)
                    .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" width=\"").append(width)
                    .append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"").append(escape(title)).append("\">\n")
                    .append("<title>").append(escape(title)).append("</title>\n")
                    .append("<text class=\"title\" x=\"").append(LEFT).append("\" y=\"20\">").append(escape(title)).append("</text>\n");
            for (double t : yTicks) {
                double y = py(t);
                head.append("<path class=\"grid\" d=\"M").append(LEFT).append(',').append(num(y)).append('H').append(num(right()))
                        .append("\"/><text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(num(y + 4))
                        .append("\" text-anchor=\"end\">").append(tick(t, yTicks)).append("</text>\n");
            }
            if (!yLabel.isEmpty()) {
                head.append("<text class=\"label\" transform=\"translate(14 ").append(TOP + (H - TOP - BOTTOM) / 2)
                        .append(") rotate(-90)\" text-anchor=\"middle\">").append(escape(yLabel)).append("</text>\n");
            }
            if (!xLabel.isEmpty()) {
                head.append("<text class=\"label\" x=\"").append(num(LEFT + plotWidth() / 2)).append("\" y=\"").append(height - 6)
                        .append("\" text-anchor=\"middle\">").append(escape(xLabel)).append("</text>\n");
            }
        }

        void xRange(double lo, double hi) {
            xLo = lo;
            xHi = hi;
        }

        double plotWidth() {
            return W - LEFT - RIGHT;
        }

        double right() {
            return LEFT + plotWidth();
        }

        double bottom() {
            return H - BOTTOM;
        }

        double px(double x) {
            return LEFT + (xHi == xLo ? 0.5 : (x - xLo) / (xHi - xLo)) * plotWidth();
        }

        double py(double y) {
            return bottom() - (yHi == yLo ? 0.5 : (y - yLo) / (yHi - yLo)) * (H - TOP - BOTTOM);
        }

        void legend(String name, String colour) {
            if (width == W) return;
            int y = TOP + 8 + 18 * legendCount++;
            legendItems.append("<rect x=\"").append(W + 4).append("\" y=\"").append(y - 9).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(colour).append("\"/><text class=\"legend\" x=\"").append(W + 22).append("\" y=\"").append(y + 1).append("\">")
                    .append(escape(abbreviate(name, 20))).append("<title>").append(escape(name)).append("</title></text>\n");
        }

        String close() {
            StringBuilder b = new StringBuilder(head);
            if (xTicks != null) {
                for (double t : xTicks) {
                    double x = px(t);
                    b.append("<path class=\"grid\" d=\"M").append(num(x)).append(',').append(TOP).append('V').append(num(bottom()))
                            .append("\"/><text class=\"tick\" x=\"").append(num(x)).append("\" y=\"").append(num(bottom() + 16))
                            .append("\" text-anchor=\"middle\">").append(tick(t, xTicks)).append("</text>\n");
                }
            }
            b.append("<path class=\"axis\" d=\"M").append(LEFT).append(',').append(TOP).append('V').append(num(bottom()))
                    .append('H').append(num(right())).append("\"/>\n");
            b.append(body).append(legendItems).append("</svg>");
            return b.toString();
        }
    }

    /** Min/max of finite values, and "nice" ticks (1, 2, 5 × 10^k) that cover them. */
    static final class Range {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;

        void add(double v) {
            if (!Double.isFinite(v)) return;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }

        boolean empty() {
            return lo > hi;
        }

        double[] ticks() {
            double a = empty() ? 0 : lo, b = empty() ? 1 : hi;
            if (a == b) {
                double pad = a == 0 ? 1 : Math.abs(a) * 0.1;
                a -= pad;
                b += pad;
            }
            double raw = (b - a) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), step;
            double r = raw / mag;
            step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
            double start = Math.floor(a / step) * step, end = Math.ceil(b / step) * step;
            int n = (int) Math.round((end - start) / step);
            double[] t = new double[n + 1];
            for (int i = 0; i <= n; i++) t[i] = start + i * step;
            return t;
        }
    }

    private static String tick(double v, double[] ticks) {
        double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
        int decimals = (int) Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0.0 : v);
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return String.format(Locale.ROOT, "%d", (long) v);
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
