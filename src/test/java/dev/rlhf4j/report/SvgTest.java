package dev.rlhf4j.report;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SvgTest {
    /** Parses an SVG as XML (fails on unescaped text) and counts its data marks. */
    static int marks(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        int n = 0;
        for (String tag : List.of("path", "rect", "circle")) {
            var nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
            for (int i = 0; i < nodes.getLength(); i++) {
                String cls = ((org.w3c.dom.Element) nodes.item(i)).getAttribute("class");
                if (cls.contains("mark")) n++;
            }
        }
        return n;
    }

    @Test
    void escapesEveryText() throws Exception {
        assertThat(Svg.escape("<a href='x'>&\"</a>")).isEqualTo("&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
        String evil = "</title><script>alert(1)</script>";
        String svg = Svg.line(evil, evil, evil, List.of(Svg.Series.line(evil, new double[] {0, 1}, new double[] {1, 2}),
                Svg.Series.line("b", new double[] {0, 1}, new double[] {2, 1})));
        assertThat(svg).doesNotContain("<script>").contains("&lt;script&gt;");
        assertThat(marks(svg)).isGreaterThan(0);
        String bars = Svg.bars(evil, evil, List.of(evil, "x"), List.of(new Svg.Bars(evil, new double[] {1, 2}, new double[] {0.1, 0.2})), 1);
        assertThat(bars).doesNotContain("<script>");
        assertThat(marks(bars)).isEqualTo(4); // two bars, two error bars
    }

    @Test
    void leavesOutNonFiniteValues() throws Exception {
        String svg = Svg.line("t", "x", "y", List.of(Svg.Series.line("s", new double[] {0, 1, 2, 3},
                new double[] {1, Double.NaN, 2, Double.POSITIVE_INFINITY})));
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        // The gap splits the line: two move-tos.
        assertThat(svg.split("d=\"M", -1).length - 1).isGreaterThanOrEqualTo(1);
        String bars = Svg.bars("t", "y", List.of("a", "b"), List.of(new Svg.Bars("s", new double[] {Double.NaN, 0.5}, null)), Double.NaN);
        assertThat(marks(bars)).isEqualTo(1);
        String hist = Svg.histogram("t", "x", List.of(new Svg.Values("v", new double[] {Double.NaN})), 10);
        assertThat(marks(hist)).isZero();
    }

    @Test
    void histogramCountsEveryValueOnce() throws Exception {
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) v[i] = Math.sin(i) * 3;
        String svg = Svg.histogram("t", "x", List.of(new Svg.Values("a", v), new Svg.Values("b", new double[] {0, 0.5})), 20);
        int total = 0;
        var m = java.util.regex.Pattern.compile("\\): (\\d+)</title>").matcher(svg);
        while (m.find()) total += Integer.parseInt(m.group(1));
        assertThat(total).isEqualTo(1002);
        assertThat(marks(svg)).isGreaterThan(20);
    }

    @Test
    void ticksCoverTheRange() {
        Svg.Range r = new Svg.Range();
        r.add(0.137);
        r.add(0.912);
        double[] t = r.ticks();
        assertThat(t[0]).isLessThanOrEqualTo(0.137);
        assertThat(t[t.length - 1]).isGreaterThanOrEqualTo(0.912);
        assertThat(t.length).isBetween(3, 12);
    }
}
