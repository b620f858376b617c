package dev.rlhf4j.data.format;

import dev.rlhf4j.data.Turn;

import java.util.ArrayList;
import java.util.List;

/** The HH-RLHF dialogue text form: {@code \n\nHuman: …\n\nAssistant: …}. */
public final class Transcript {
    private Transcript() {}

    public static final String HUMAN = "\n\nHuman:";
    public static final String ASSISTANT = "\n\nAssistant:";

    public static boolean hasMarkers(String text) {
        return text.contains(HUMAN) || text.contains(ASSISTANT);
    }

    /**
     * The turns of a transcript, oldest first, each stripped of surrounding whitespace. Text before
     * the first marker, if not blank, becomes a {@code system} turn.
     */
    public static List<Turn> parse(String text) {
        List<Turn> turns = new ArrayList<>();
        int pos = 0;
        String role = null;
        while (true) {
            int h = text.indexOf(HUMAN, pos);
            int a = text.indexOf(ASSISTANT, pos);
            int next = h < 0 ? a : a < 0 ? h : Math.min(h, a);
            int end = next < 0 ? text.length() : next;
            String content = text.substring(pos, end).strip();
            if (role != null) {
                turns.add(new Turn(role, content));
            } else if (!content.isEmpty()) {
                turns.add(new Turn(Turn.SYSTEM, content));
            }
            if (next < 0) {
                return turns;
            }
            role = next == h ? Turn.USER : Turn.ASSISTANT;
            pos = next + (next == h ? HUMAN.length() : ASSISTANT.length());
        }
    }
}
