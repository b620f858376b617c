package dev.rlhf4j.serving;

import dev.rlhf4j.data.Turn;

import java.util.List;

/**
 * One text to score.
 *
 * @param context  the dialogue before the response (encoders read it; decoders render it with the response when
 *                 {@code rendered} is null)
 * @param response the response scored
 * @param rendered the full text as a trainer sent it ({@code /get_reward}): decoders score exactly this text, so it is
 *                 null for items given as (prompt, response)
 */
public record ScoreItem(List<Turn> context, String response, String rendered) {
    public ScoreItem {
        context = List.copyOf(context);
    }
}
