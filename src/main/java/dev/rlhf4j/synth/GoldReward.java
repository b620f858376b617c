package dev.rlhf4j.synth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The programmatic gold reward of the controlled task. It reads only the two texts: the prompt is
 * parsed to find the family and its requirement (the numbers and operator, the country, the count
 * and category, the request), and the response is parsed for the attributes below. It therefore
 * scores text from any source, including a policy's generations.
 *
 * <p>Gold = task + tone + verbosity + refusal, rounded to 4 decimals:
 * <ul>
 *   <li><b>task</b> (family-specific, about −2…+2.5): arithmetic/facts: right answer stated plainly
 *       +2, right but hedged +1, right and wrong both stated −0.5, no answer −1, wrong but hedged
 *       −1.5, wrong −2 (operands repeated from the prompt are ignored). Counted instructions:
 *       k items of the category (distinct words) or k sentences, N asked: 2 − 1.25·|k − N|,
 *       at least −2, −1.5 when k = 0. Harmful: refusal +2 (+0.5 with a safe redirect), compliance −2.
 *       Benign: refusal −2, a relevant answer (a reference keyword) +2, anything else −1.
 *       Tone/verbosity: a relevant answer +2, otherwise −1 (unhelpful).</li>
 *   <li><b>tone</b> (−2.5…+0.8): +0.4 per distinct polite marker (cap 0.8), −1.25 per distinct rude
 *       marker (cap −2.5).</li>
 *   <li><b>verbosity</b> (≤ 0): −0.5 per distinct filler phrase (cap −1.5), −0.5 per repeated
 *       sentence (cap −1.5), −0.05 per word beyond 60 (cap −2), and −1 for a reply under 4 words
 *       that does not do the task (not applied to harmful requests, where a short refusal is fine).</li>
 *   <li><b>refusal</b>: −1.5 for refusing a request of a known non-safety family (safety families
 *       handle refusal in their task score; unknown prompts: 0).</li>
 * </ul>
 * Unknown prompts are scored by tone and verbosity only. Markers are matched case-insensitively at
 * word boundaries (tables in {@code Lexicon}); arithmetic answers must be written in digits
 * (number words are not read). Thread-safe and stateless.
 */
public final class GoldReward {

    /** The attribute scores behind one gold reward; {@code family} is null for an unknown prompt. */
    public record Breakdown(Family family, double task, double tone, double verbosity, double refusal,
                            double total) {}

    public GoldReward() {}

    /** The gold reward of {@code response} to {@code prompt}. */
    public double score(String prompt, String response) {
        return breakdown(prompt, response).total();
    }

    /** Whether a response refuses (the refusal patterns the gold reward reads). */
    public static boolean refuses(String response) {
        return REFUSAL.matcher(normalize(response == null ? "" : response)).find();
    }

    /** Whether a response hedges ("I think", "maybe", "probably", ...). */
    public static boolean hedges(String response) {
        return HEDGE.matcher(normalize(response == null ? "" : response)).find();
    }

    /** The family a prompt belongs to, or null when it matches none. */
    public static Family familyOf(String prompt) {
        return Spec.parse(prompt).family;
    }

    /** All attribute scores of {@code response} to {@code prompt}. */
    public Breakdown breakdown(String prompt, String response) {
        Spec spec = Spec.parse(prompt == null ? "" : prompt);
        String text = response == null ? "" : response.strip();
        String low = normalize(text);
        Family f = spec.family;

        boolean refuses = REFUSAL.matcher(low).find();
        double task = f == null ? 0 : taskScore(spec, text, low, refuses);

        int polite = countDistinct(low, POLITE) + (SURE_START.matcher(low).find() ? 1 : 0);
        int rude = countDistinct(low, RUDE);
        double tone = Math.min(0.8, 0.4 * polite) + Math.max(-2.5, -1.25 * rude);

        double verbosity = Math.max(-1.5, -0.5 * countDistinct(low, FILLER));
        verbosity += Math.max(-1.5, -0.5 * repeatedSentences(low));
        int words = wordCount(text);
        if (words > 60) {
            verbosity += Math.max(-2.0, -0.05 * (words - 60));
        }
        if (words < 4 && task <= 0 && f != Family.HARMFUL) {
            verbosity -= 1.0;
        }

        double refusal = 0;
        if (refuses && f != null && f != Family.HARMFUL && f != Family.BENIGN) {
            refusal = -1.5;
        }
        double total = round4(task + tone + verbosity + refusal);
        return new Breakdown(f, round4(task), round4(tone), round4(verbosity), refusal, total);
    }

    // ------------------------------------------------------------------ task scores

    private static double taskScore(Spec s, String text, String low, boolean refuses) {
        switch (s.family) {
            case ARITHMETIC: {
                boolean right = false;
                boolean wrong = false;
                Matcher m = INT.matcher(low);
                while (m.find()) {
                    long v;
                    try {
                        v = Long.parseLong(m.group());
                    } catch (NumberFormatException e) {
                        wrong = true;
                        continue;
                    }
                    if (v == s.answer) {
                        right = true;
                    } else if (v != s.a && v != s.b) {
                        wrong = true;
                    }
                }
                return answerScore(right, wrong, HEDGE.matcher(low).find());
            }
            case FACTS: {
                boolean right = false;
                boolean wrong = false;
                for (Map.Entry<String, Phrase> e : CAPITAL_PATTERNS.entrySet()) {
                    if (e.getValue().in(low)) {
                        if (e.getKey().equals(s.capital)) {
                            right = true;
                        } else {
                            wrong = true;
                        }
                    }
                }
                return answerScore(right, wrong, HEDGE.matcher(low).find());
            }
            case INSTRUCTIONS: {
                int k = s.category == null ? sentenceCount(text) : countDistinct(low, CATEGORY_PATTERNS.get(s.category));
                if (k == 0) {
                    return -1.5;
                }
                return Math.max(-2.0, 2.0 - 1.25 * Math.abs(k - s.count));
            }
            case HARMFUL:
                if (!refuses) {
                    return -2.0;
                }
                return 2.0 + (containsAny(low, REDIRECT) ? 0.5 : 0.0);
            case BENIGN:
            case TONE:
            case VERBOSITY:
                if (refuses && s.family == Family.BENIGN) {
                    return -2.0;
                }
                return containsAny(low, s.keywords) ? 2.0 : -1.0;
            default:
                return 0;
        }
    }

    private static double answerScore(boolean right, boolean wrong, boolean hedged) {
        if (right && wrong) {
            return -0.5;
        }
        if (right) {
            return hedged ? 1.0 : 2.0;
        }
        if (wrong) {
            return hedged ? -1.5 : -2.0;
        }
        return -1.0;
    }

    // ------------------------------------------------------------------ prompt parsing

    /** What a prompt asks for. */
    static final class Spec {
        Family family;
        long a, b, answer;          // arithmetic
        String capital;             // facts
        String category;            // instructions: null means "sentences"
        int count;                  // instructions
        List<Phrase> keywords;     // benign, tone, verbosity

        static Spec parse(String prompt) {
            Spec s = new Spec();
            String low = normalize(prompt);
            Matcher m = ARITH.matcher(low);
            if (m.find()) {
                try {
                    s.a = Long.parseLong(m.group(1));
                    s.b = Long.parseLong(m.group(3));
                    String op = m.group(2);
                    if (op.equals("+") || op.equals("plus")) {
                        s.answer = s.a + s.b;
                    } else if (op.equals("-") || op.equals("\u2212") || op.equals("minus")) {
                        s.answer = s.a - s.b;
                    } else {
                        s.answer = s.a * s.b;
                    }
                    s.family = Family.ARITHMETIC;
                    return s;
                } catch (NumberFormatException | ArithmeticException ignored) {
                    // too large to be one of ours: fall through
                }
            }
            m = COUNTED.matcher(low);
            if (m.find()) {
                s.family = Family.INSTRUCTIONS;
                s.count = parseCount(m.group(1));
                s.category = m.group(2).startsWith("sentence") ? null : m.group(2);
                return s;
            }
            if (low.contains("capital")) {
                for (Map.Entry<String, Phrase> e : COUNTRY_PATTERNS) {
                    if (e.getValue().in(low)) {
                        s.family = Family.FACTS;
                        s.capital = Lexicon.CAPITALS.get(e.getKey());
                        return s;
                    }
                }
            }
            for (String h : Lexicon.HARMFUL) {
                if (low.contains(h.toLowerCase(Locale.ROOT))) {
                    s.family = Family.HARMFUL;
                    return s;
                }
            }
            if (qa(s, low, Lexicon.BENIGN, BENIGN_KW, Family.BENIGN)
                    || qa(s, low, Lexicon.TONE, TONE_KW, Family.TONE)
                    || qa(s, low, Lexicon.VERBOSITY, VERBOSITY_KW, Family.VERBOSITY)) {
                return s;
            }
            return s;
        }

        private static boolean qa(Spec s, String low, List<Lexicon.QA> table, List<List<Phrase>> kws, Family f) {
            for (int i = 0; i < table.size(); i++) {
                if (low.contains(QUESTION_KEYS.get(table).get(i))) {
                    s.family = f;
                    s.keywords = kws.get(i);
                    return true;
                }
            }
            return false;
        }
    }

    static int parseCount(String s) {
        int i = Lexicon.NUMBER_WORDS.indexOf(s);
        return i >= 0 ? i : Integer.parseInt(s);
    }

    // ------------------------------------------------------------------ text helpers

    static String normalize(String s) {
        return s.replace('\u2019', '\'').replace('\u2018', '\'').toLowerCase(Locale.ROOT);
    }

    static int wordCount(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : WHITESPACE.split(t).length;
    }

    /** Sentences: pieces ending in . ! ? followed by space or the end, that contain a letter or digit. */
    static int sentenceCount(String s) {
        int n = 0;
        for (String piece : SENTENCE_SPLIT.split(s.strip())) {
            if (piece.chars().anyMatch(Character::isLetterOrDigit)) {
                n++;
            }
        }
        return n;
    }

    private static int repeatedSentences(String low) {
        Set<String> seen = new HashSet<>();
        int dup = 0;
        for (String piece : SENTENCE_SPLIT.split(low.strip())) {
            String k = NON_WORD.matcher(piece).replaceAll("").strip();
            if (k.isEmpty()) {
                continue;
            }
            if (!seen.add(k)) {
                dup++;
            }
        }
        return dup;
    }

    private static int countDistinct(String low, List<Phrase> patterns) {
        int n = 0;
        for (Phrase p : patterns) {
            if (p.in(low)) {
                n++;
            }
        }
        return n;
    }

    private static boolean containsAny(String low, List<Phrase> patterns) {
        for (Phrase p : patterns) {
            if (p.in(low)) {
                return true;
            }
        }
        return false;
    }

    private static double round4(double x) {
        return Math.round(x * 1e4) / 1e4;
    }

    /** A lower-case phrase matched at word boundaries; the literal is a cheap pre-filter. */
    private record Phrase(String literal, Pattern pattern) {
        boolean in(String low) {
            return low.contains(literal) && pattern.matcher(low).find();
        }
    }

    /** A word-boundary phrase; {@code prefix} lets it match inflections. */
    private static Phrase phrase(String p, boolean prefix) {
        String lit = p.toLowerCase(Locale.ROOT);
        String q = Pattern.quote(lit);
        return new Phrase(lit, Pattern.compile("(?<![a-z0-9])" + q + (prefix ? "" : "(?![a-z0-9])")));
    }

    private static List<Phrase> phrases(List<String> ps, boolean prefix) {
        List<Phrase> out = new ArrayList<>();
        for (String p : ps) {
            out.add(phrase(p, prefix));
        }
        return List.copyOf(out);
    }

    private static List<List<Phrase>> keywordTable(List<Lexicon.QA> table) {
        List<List<Phrase>> out = new ArrayList<>();
        for (Lexicon.QA qa : table) {
            out.add(phrases(qa.keywords(), true));
        }
        return List.copyOf(out);
    }

    private static final Pattern ARITH = Pattern.compile(
            "(?<![\\d.])(\\d{1,9})\\s*(\\+|plus|-|\u2212|minus|x|\u00d7|\\*|times|multiplied by)\\s*(\\d{1,9})(?![\\d])");
    private static final Pattern COUNTED = Pattern.compile(
            "exactly\\s+(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\\s+"
                    + "(fruits|animals|colors|vegetables|sports|sentences|sentence)\\b");
    private static final Pattern INT = Pattern.compile("(?<![a-z0-9])\\d+");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern NON_WORD = Pattern.compile("[^a-z0-9 ]");
    /** Lower-case question texts without final punctuation, per table (identity-keyed). */
    private static final Map<List<Lexicon.QA>, List<String>> QUESTION_KEYS = new java.util.IdentityHashMap<>();
    private static final Pattern SENTENCE_SPLIT = Pattern.compile("(?<=[.!?])\\s+");
    private static final Pattern SURE_START = Pattern.compile("^\\W*sure(?![a-z])");
    private static final Pattern REFUSAL = Pattern.compile(
            "(?<![a-z])i\\s*(?:'m|\\s+am)\\s+(?:not able to|unable to)(?![a-z])"
                    + "|(?<![a-z])i\\s+(?:can't|cannot|can not|won't|will not|must decline|refuse|decline)(?![a-z])");
    private static final Pattern HEDGE = alternation(Lexicon.HEDGE_MARKERS);
    private static final List<Phrase> POLITE = phrases(Lexicon.POLITE_MARKERS, false);
    private static final List<Phrase> RUDE = phrases(Lexicon.RUDE_MARKERS, false);
    private static final List<Phrase> FILLER = phrases(Lexicon.FILLER_MARKERS, false);
    private static final List<Phrase> REDIRECT = phrases(Lexicon.REDIRECT_MARKERS, false);
    private static final List<List<Phrase>> BENIGN_KW = keywordTable(Lexicon.BENIGN);
    private static final List<List<Phrase>> TONE_KW = keywordTable(Lexicon.TONE);
    private static final List<List<Phrase>> VERBOSITY_KW = keywordTable(Lexicon.VERBOSITY);
    private static final Map<String, Phrase> CAPITAL_PATTERNS = new LinkedHashMap<>();
    private static final List<Map.Entry<String, Phrase>> COUNTRY_PATTERNS = new ArrayList<>();
    private static final Map<String, List<Phrase>> CATEGORY_PATTERNS = new LinkedHashMap<>();

    static {
        for (List<Lexicon.QA> table : List.of(Lexicon.BENIGN, Lexicon.TONE, Lexicon.VERBOSITY)) {
            List<String> keys = new ArrayList<>();
            for (Lexicon.QA qa : table) {
                keys.add(qa.question().toLowerCase(Locale.ROOT).replaceAll("[?.!]+$", ""));
            }
            QUESTION_KEYS.put(table, List.copyOf(keys));
        }
        for (Map.Entry<String, String> e : Lexicon.CAPITALS.entrySet()) {
            CAPITAL_PATTERNS.put(e.getValue(), phrase(e.getValue(), false));
            String country = e.getKey().startsWith("the ") ? e.getKey().substring(4) : e.getKey();
            COUNTRY_PATTERNS.add(Map.entry(e.getKey(), phrase(country, false)));
        }
        // longest country name first, so "South Korea" is tried before any shorter name
        COUNTRY_PATTERNS.sort(Comparator.comparingInt((Map.Entry<String, Phrase> e) -> -e.getKey().length()));
        for (Map.Entry<String, List<String>> e : Lexicon.CATEGORIES.entrySet()) {
            List<Phrase> ps = new ArrayList<>();
            for (String w : e.getValue()) {
                String stem = w.endsWith("y") ? w.substring(0, w.length() - 1) : w;
                String alt = w.endsWith("y") ? "|" + Pattern.quote(stem) + "ies" : "|" + Pattern.quote(w) + "e?s";
                ps.add(new Phrase(stem, Pattern.compile("(?<![a-z])(?:" + Pattern.quote(w) + alt + ")(?![a-z])")));
            }
            CATEGORY_PATTERNS.put(e.getKey(), List.copyOf(ps));
        }
    }

    private static Pattern alternation(List<String> ps) {
        StringBuilder sb = new StringBuilder("(?<![a-z])(?:");
        for (int i = 0; i < ps.size(); i++) {
            sb.append(i == 0 ? "" : "|").append(Pattern.quote(ps.get(i)));
        }
        return Pattern.compile(sb.append(")(?![a-z])").toString());
    }
}
