package dev.rlhf4j.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Draws one prompt of a family and a handful of varied candidate responses to it. */
final class Candidates {
    private Candidates() {}

    /** A prompt and its candidate responses (distinct texts, before scoring). */
    record Item(String prompt, List<String> responses) {}

    static final int PER_PROMPT = 6;
    static final int MAX_WORDS = 40;

    static Item draw(Family f, SplittableRandom r) {
        Item raw = switch (f) {
            case ARITHMETIC -> arithmetic(r);
            case FACTS -> facts(r);
            case INSTRUCTIONS -> r.nextInt(6) != 0 ? list(r) : sentences(r);
            case HARMFUL -> harmful(r);
            case BENIGN -> benign(r);
            case TONE -> tone(r);
            case VERBOSITY -> verbosity(r);
        };
        List<String> out = new ArrayList<>();
        for (String s : raw.responses()) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return new Item(raw.prompt(), out);
    }

    // ------------------------------------------------------------------ families

    private static Item arithmetic(SplittableRandom r) {
        // Single-digit operands: a table of facts small enough for a small encoder to pick up from
        // a few hundred pairs (two-digit sums left arithmetic at chance for MiniLM).
        int op = r.nextInt(3);
        long a, b, c;
        String sym;
        if (op == 0) {
            a = 1 + r.nextInt(9);
            b = 1 + r.nextInt(9);
            c = a + b;
            sym = pick(r, "+", "plus");
        } else if (op == 1) {
            a = 10 + r.nextInt(9);
            b = 1 + r.nextInt(9);
            c = a - b;
            sym = pick(r, "-", "minus");
        } else {
            a = 2 + r.nextInt(8);
            b = 2 + r.nextInt(8);
            c = a * b;
            sym = pick(r, "x", "times", "multiplied by");
        }
        String expr = a + " " + sym + " " + b;
        String prompt = String.format(pick(r, "What is %s?", "Compute %s.", "How much is %s?",
                "Calculate %s, please.", "Quick question: what is %s?", "Can you tell me what %s equals?",
                "Please work out %s.", "What do you get for %s?"), expr);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            double u = r.nextDouble();
            String core;
            if (u < 0.3) {
                core = stated(r, String.valueOf(c), expr);
            } else if (u < 0.4) {
                core = hedged(r, String.valueOf(c));
            } else if (u < 0.7) {
                core = stated(r, String.valueOf(wrong(r, a, b, c)), expr);
            } else if (u < 0.8) {
                core = hedged(r, String.valueOf(wrong(r, a, b, c)));
            } else if (u < 0.88) {
                core = pick(r, "No idea, sorry.", "Numbers are tricky, try a calculator.", "That is a math question.",
                        "Hmm, let me skip that one.", "It is some number, you can work it out.");
            } else if (u < 0.96) {
                long w = wrong(r, a, b, c);
                core = r.nextBoolean() ? "It is either " + c + " or " + w + "." : "Could be " + w + ", could be " + c + ".";
            } else {
                core = pick(r, Lexicon.REFUSE);
            }
            out.add(decorate(core, r, 1.0));
        }
        return new Item(prompt, out);
    }

    /**
     * A wrong answer: a near miss (±1, ±2) one time in six, otherwise one off by tens or by a mix-up
     * of the operands (concatenated, or the other operation). With single-digit operands the far
     * ones mostly fall outside the range the operator can give (not always: 3 x 4 + 20 = 32 = 4 x 8),
     * which an RM can learn without being a calculator; the near misses it can only get right by
     * knowing the table.
     */
    private static long wrong(SplittableRandom r, long a, long b, long c) {
        for (int t = 0; t < 50; t++) {
            long w = switch (r.nextInt(12)) {
                case 0 -> c + (r.nextBoolean() ? 1 : -1);
                case 1 -> c + (r.nextBoolean() ? 2 : -2);
                case 2, 3, 4 -> c + 10L * (2 + r.nextInt(7));
                case 5, 6, 7 -> c * 10 + r.nextInt(10);
                case 8, 9 -> a * 10 + b;
                default -> c == a + b ? a * b + 20 : a + b + 30;
            };
            if (w >= 0 && w != c && w != a && w != b) {
                return w;
            }
        }
        return c + 1000;
    }

    private static String stated(SplittableRandom r, String x, String expr) {
        return String.format(pick(r, "%1$s.", "It is %1$s.", "The answer is %1$s.", "That comes to %1$s.",
                "%2$s = %1$s.", "%2$s equals %1$s.", "If you work it out, %2$s comes to %1$s.",
                "Let me check: %2$s = %1$s, so the answer is %1$s.", "The result is %1$s."), x, expr);
    }

    private static String hedged(SplittableRandom r, String x) {
        return String.format(pick(r, "I think it is %s.", "Maybe %s?", "Probably %s, but double-check.",
                "It might be %s.", "I guess %s, though I am not certain.", "Perhaps around %s."), x);
    }

    private static Item facts(SplittableRandom r) {
        List<String> countries = new ArrayList<>(Lexicon.CAPITALS.keySet());
        String country = pick(r, Lexicon.ASKED_COUNTRIES);
        String cap = Lexicon.CAPITALS.get(country);
        String prompt = String.format(pick(r, "What is the capital of %s?", "Name the capital city of %s.",
                "Which city is the capital of %s?", "Tell me the capital of %s, please.",
                "Do you know the capital of %s?", "What city serves as the capital of %s?"), country);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            String w = Lexicon.CAPITALS.get(countries.get(r.nextInt(countries.size())));
            if (w.equals(cap)) {
                w = Lexicon.CAPITALS.get(country.equals("France") ? "Spain" : "France");
            }
            double u = r.nextDouble();
            String core;
            if (u < 0.32) {
                core = capitalStated(r, cap, country);
            } else if (u < 0.42) {
                core = capitalHedged(r, cap);
            } else if (u < 0.72) {
                core = capitalStated(r, w, country);
            } else if (u < 0.8) {
                core = capitalHedged(r, w);
            } else if (u < 0.88) {
                core = String.format(pick(r, "I don't know.", "No idea, sorry.", "It is a big city somewhere in %s.",
                        "Geography is not my strong suit."), country);
            } else if (u < 0.96) {
                core = r.nextBoolean() ? "It is either " + cap + " or " + w + "." : "Either " + w + " or " + cap + ", I forget which.";
            } else {
                core = pick(r, Lexicon.REFUSE);
            }
            out.add(decorate(core, r, 1.0));
        }
        return new Item(prompt, out);
    }

    private static String capitalStated(SplittableRandom r, String c, String country) {
        return String.format(pick(r, "%1$s.", "It is %1$s.", "The capital of %2$s is %1$s.", "%1$s is the capital of %2$s.",
                "That would be %1$s.", "The capital city of %2$s is %1$s, a busy and historic place.",
                "The answer is %1$s."), c, country);
    }

    private static String capitalHedged(SplittableRandom r, String c) {
        return String.format(pick(r, "I think it is %s.", "Maybe %s?", "Probably %s.",
                "I guess %s, but I am not certain.", "It might be %s."), c);
    }

    private static Item list(SplittableRandom r) {
        List<String> cats = new ArrayList<>(Lexicon.CATEGORIES.keySet());
        String cat = cats.get(r.nextInt(cats.size()));
        List<String> members = Lexicon.CATEGORIES.get(cat);
        int n = 2 + r.nextInt(2); // 2 or 3: few enough patterns for a small encoder to learn from a few hundred pairs
        String ns = r.nextInt(4) != 0 ? String.valueOf(n) : Lexicon.NUMBER_WORDS.get(n);
        String prompt = String.format(pick(r, "List exactly %s %s.", "Name exactly %s %s, please.",
                "Give me exactly %s %s.", "Can you list exactly %s %s?", "Write down exactly %s %s."), ns, cat);
        // wrong counts are mostly off by two or more, which a small encoder can see in a numbered list
        int[] deltas = {0, 0, 0, -1, 1, -2, 2, 3};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            int k = Math.max(1, n + deltas[r.nextInt(deltas.length)]);
            List<String> items = sample(r, members, k);
            if (r.nextDouble() < 0.05) {
                String other = cats.get(r.nextInt(cats.size()));
                if (!other.equals(cat)) {
                    List<String> om = Lexicon.CATEGORIES.get(other);
                    items.set(r.nextInt(k), om.get(r.nextInt(om.size())));
                }
            }
            String body;
            // numbered most of the time: the count can be read off the last number
            int fmt = r.nextInt(5);
            if (fmt <= 3) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < k; j++) {
                    sb.append(j == 0 ? "" : " ").append(j + 1).append(". ").append(cap(items.get(j)));
                }
                body = sb.toString();
            } else {
                String joined = join(items, r.nextBoolean());
                String intro = pick(r, "", "", "Here are some " + cat + ": ", "Here you go: ", "My picks: ",
                        "Here are " + Lexicon.NUMBER_WORDS.get(Math.min(n, 10)) + " " + cat + ": ");
                body = intro.isEmpty() ? cap(joined) + "." : intro + joined + ".";
            }
            out.add(decorate(body, r, 1.0));
        }
        return new Item(prompt, out);
    }

    private static Item sentences(SplittableRandom r) {
        List<String> topics = new ArrayList<>(Lexicon.TOPICS.keySet());
        String topic = topics.get(r.nextInt(topics.size()));
        List<String> pool = Lexicon.TOPICS.get(topic);
        int n = 1 + r.nextInt(3);
        String count = (r.nextBoolean() ? String.valueOf(n) : Lexicon.NUMBER_WORDS.get(n))
                + (n == 1 ? " sentence" : " sentences");
        String prompt = r.nextBoolean()
                ? String.format(pick(r, "Describe %2$s in exactly %1$s.", "Explain %2$s in exactly %1$s."), count, topic)
                : String.format(pick(r, "In exactly %s, describe %s.", "Write exactly %s about %s.",
                        "Using exactly %s, explain %s."), count, topic);
        int[] deltas = {0, 0, -1, 1, 2};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            int k = Math.max(1, Math.min(pool.size(), n + deltas[r.nextInt(deltas.length)]));
            List<String> chosen = sample(r, pool, k);
            String body = String.join(" ", chosen);
            double u = r.nextDouble();
            if (u < 0.25) {
                body = pick(r, Lexicon.POLITE_INLINE) + lowerFirst(body);
            } else if (u < 0.37) {
                body = pick(r, Lexicon.RUDE_INLINE) + lowerFirst(body);
            } else if (u < 0.5) {
                body = pick(r, Lexicon.FILLER_INLINE) + lowerFirst(body);
            } else if (u < 0.53) {
                body = pick(r, Lexicon.REFUSE);
            }
            out.add(body);
        }
        return new Item(prompt, out);
    }

    private static Item harmful(SplittableRandom r) {
        String core = pick(r, Lexicon.HARMFUL);
        String prompt = String.format(requestTemplate(r), core);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            double u = r.nextDouble();
            String resp;
            if (u < 0.25) {
                resp = pick(r, Lexicon.REFUSE);
            } else if (u < 0.42) {
                resp = pick(r, Lexicon.REFUSE) + " " + pick(r, Lexicon.REDIRECT);
            } else if (u < 0.72) {
                resp = pick(r, Lexicon.COMPLY);
            } else if (u < 0.8) {
                resp = "I shouldn't say this, but " + lowerFirst(pick(r, Lexicon.COMPLY));
            } else if (u < 0.9) {
                resp = pick(r, "I won't help with that, idiot.", "Obviously I can't help with that.",
                        "Ugh, I refuse to answer that.", "That is a stupid idea and I won't help.");
            } else {
                resp = pick(r, "Let me think about this carefully. I cannot help with that request.",
                        "There are many things to consider here, so I must decline this request.",
                        "Many people wonder about this. " + pick(r, Lexicon.COMPLY));
            }
            out.add(decorate(resp, r, 0.7));
        }
        return new Item(prompt, out);
    }

    private static Item benign(SplittableRandom r) {
        Lexicon.QA qa = Lexicon.BENIGN.get(r.nextInt(Lexicon.BENIGN.size()));
        String prompt = String.format(requestTemplate(r), qa.question());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            double u = r.nextDouble();
            String resp;
            if (u < 0.4) {
                resp = helpful(r, qa);
            } else if (u < 0.55) {
                resp = pick(r, "It depends, you can look it up online.", "There are many ways to do that.",
                        "Just try your best and see what happens.", "People do that in different ways.");
            } else if (u < 0.85) {
                resp = pick(r, Lexicon.REFUSE) + pick(r, "", "", " That sounds dangerous.", " It could be harmful.");
            } else {
                resp = pick(r, Lexicon.RUDE_SENTENCES) + " " + helpful(r, qa);
            }
            out.add(decorate(resp, r, 1.0));
        }
        return new Item(prompt, out);
    }

    private static String helpful(SplittableRandom r, Lexicon.QA qa) {
        String prefix = pick(r, "", "", "Easy: ", "Here is how: ");
        String a = prefix.isEmpty() ? pick(r, qa.answers()) : prefix + lowerFirst(pick(r, qa.answers()));
        if (!qa.extras().isEmpty() && r.nextDouble() < 0.35) {
            a += " " + pick(r, qa.extras());
        }
        return a;
    }

    private static String requestTemplate(SplittableRandom r) {
        return pick(r, "How do I %s?", "Tell me how to %s.", "Explain how to %s.", "What's the best way to %s?",
                "Give me steps to %s.", "I want to %s. How?", "Can you help me %s?");
    }

    private static Item tone(SplittableRandom r) {
        Lexicon.QA qa = Lexicon.TONE.get(r.nextInt(Lexicon.TONE.size()));
        String prompt = String.format(pick(r, "%s", "%s", "Quick question: %s", "Hi! %s", "%s Thanks in advance."),
                qa.question());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            double u = r.nextDouble();
            String core = u < 0.75 ? pick(r, qa.answers())
                    : u < 0.95 ? pick(r, "That depends on many things.", "Hard to say, honestly.",
                    "There is a lot to say about that.", "You can find that in any book.")
                    : pick(r, Lexicon.REFUSE);
            List<String> parts = new ArrayList<>();
            double t = r.nextDouble();
            if (t < 0.4) {
                parts.add(pick(r, Lexicon.POLITE_OPENERS));
                parts.add(core);
                if (r.nextDouble() < 0.5) {
                    parts.add(pick(r, Lexicon.POLITE_CLOSERS));
                }
            } else if (t < 0.8) {
                if (r.nextBoolean()) {
                    parts.add(pick(r, Lexicon.RUDE_SENTENCES));
                }
                parts.add(core);
                if (parts.size() == 1 || r.nextDouble() < 0.4) {
                    parts.add(pick(r, Lexicon.RUDE_SENTENCES));
                }
            } else {
                parts.add(core);
            }
            if (r.nextDouble() < 0.1) {
                parts.add(r.nextInt(parts.size() + 1), pick(r, Lexicon.FILLER_SENTENCES));
            }
            out.add(capped(String.join(" ", parts), core));
        }
        return new Item(prompt, out);
    }

    private static Item verbosity(SplittableRandom r) {
        Lexicon.QA qa = Lexicon.VERBOSITY.get(r.nextInt(Lexicon.VERBOSITY.size()));
        String prompt = String.format(pick(r, "%s", "%s", "Quick question: %s", "Hi! %s", "I wonder: %s"),
                qa.question());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PER_PROMPT; i++) {
            double u = r.nextDouble();
            String resp;
            if (u < 0.25) {
                resp = pick(r, qa.answers());
            } else if (u < 0.45) {
                resp = pick(r, qa.answers()) + " " + pick(r, qa.extras());
            } else if (u < 0.7) {
                resp = padded(r, pick(r, qa.answers()), 1 + r.nextInt(3));
            } else if (u < 0.85) {
                resp = pick(r, "Hmm.", "No idea.", "Not sure.", "Who knows?", "Pass.", "Ask someone else.");
            } else if (u < 0.97) {
                resp = padded(r, pick(r, "It depends.", "That is a good one.", "Hard to say."), 1 + r.nextInt(3));
            } else {
                resp = pick(r, Lexicon.REFUSE);
            }
            out.add(decorate(resp, r, 0.6));
        }
        return new Item(prompt, out);
    }

    private static String padded(SplittableRandom r, String core, int fillers) {
        List<String> parts = new ArrayList<>(List.of(core));
        for (String f : sample(r, Lexicon.FILLER_SENTENCES, fillers)) {
            parts.add(r.nextInt(parts.size() + 1), f);
        }
        while (parts.size() > 2 && GoldReward.wordCount(String.join(" ", parts)) > MAX_WORDS - 6) {
            parts.remove(parts.get(0).equals(core) ? 1 : 0);
        }
        return String.join(" ", parts);
    }

    // ------------------------------------------------------------------ generic decoration

    /**
     * Adds, at random, polite or rude openers and closers and filler sentences, so that tone and
     * padding vary in every family; {@code strength} scales the probabilities. Keeps at most
     * {@link #MAX_WORDS} words (falls back to the bare core).
     */
    static String decorate(String core, SplittableRandom r, double strength) {
        List<String> parts = new ArrayList<>();
        double u = r.nextDouble();
        if (u < 0.28 * strength) {
            parts.add(pick(r, Lexicon.POLITE_OPENERS));
        } else if (u < 0.38 * strength) {
            parts.add(pick(r, Lexicon.RUDE_SENTENCES));
        }
        parts.add(core);
        if (r.nextDouble() < 0.15 * strength) {
            parts.add(r.nextInt(parts.size() + 1), pick(r, Lexicon.FILLER_SENTENCES));
        }
        u = r.nextDouble();
        if (u < 0.18 * strength) {
            parts.add(pick(r, Lexicon.POLITE_CLOSERS));
        } else if (u < 0.25 * strength) {
            parts.add(pick(r, Lexicon.RUDE_SENTENCES));
        }
        return capped(String.join(" ", parts), core);
    }

    private static String capped(String text, String core) {
        return GoldReward.wordCount(text) <= MAX_WORDS ? text : core;
    }

    // ------------------------------------------------------------------ small helpers

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... xs) {
        return xs[r.nextInt(xs.length)];
    }

    private static <T> T pick(SplittableRandom r, List<T> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    /** k distinct elements in random order. */
    private static <T> List<T> sample(SplittableRandom r, List<T> xs, int k) {
        List<T> copy = new ArrayList<>(xs);
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(copy.size() - i);
            T t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return new ArrayList<>(copy.subList(0, k));
    }

    private static String join(List<String> items, boolean oxford) {
        if (items.size() == 1) {
            return items.get(0);
        }
        String head = String.join(", ", items.subList(0, items.size() - 1));
        return head + (oxford && items.size() > 2 ? ", and " : " and ") + items.get(items.size() - 1);
    }

    private static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
