package dev.rlhf4j.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The one padded batch: each factory's layout, written out by hand. */
class TokenBatchTest {
    static final int PAD = 9;

    @Test
    void encoderRowsAreRightPaddedWithTheirSegmentIds() {
        TokenBatch b = TokenBatch.of(List.of(new EncodedSequence(new int[] {1, 2, 3}, new int[] {0, 1, 1}, false),
                new EncodedSequence(new int[] {4}, new int[] {0}, false)), PAD);
        assertThat(b.rows()).isEqualTo(2);
        assertThat(b.cols()).isEqualTo(3);
        assertThat(b.leftPadded()).isFalse();
        assertThat(b.ids()).containsExactly(1, 2, 3, 4, PAD, PAD);
        assertThat(b.typeIds()).containsExactly(0, 1, 1, 0, 0, 0);
        assertThat(b.mask()).containsExactly(1, 1, 1, 1, 0, 0);
        assertThat(b.lossMask()).containsOnly(0f);
        assertThat(b.lengths()).containsExactly(3, 1);
        assertThat(b.realTokens()).isEqualTo(4);
        assertThat(b.targets()).isZero();
    }

    @Test
    void leftPaddedRowsEndInTheLastColumn() {
        TokenBatch b = TokenBatch.leftPadded(List.of(new EncodedSequence(new int[] {1, 2, 3}, new int[3], false),
                new EncodedSequence(new int[] {4}, new int[1], false)), PAD);
        assertThat(b.leftPadded()).isTrue();
        assertThat(b.ids()).containsExactly(1, 2, 3, PAD, PAD, 4);
        assertThat(b.mask()).containsExactly(1, 1, 1, 0, 0, 1);
    }

    @Test
    void promptsAreLeftPaddedWithRoomForNewTokensOnTheRight() {
        TokenBatch b = TokenBatch.prompts(List.of(new int[] {1, 2}, new int[] {3}), PAD, 2);
        assertThat(b.cols()).isEqualTo(4);
        assertThat(b.ids()).containsExactly(1, 2, PAD, PAD, PAD, 3, PAD, PAD);
        assertThat(b.mask()).containsExactly(1, 1, 0, 0, 0, 1, 0, 0);
        assertThat(b.lengths()).containsExactly(2, 1);
    }

    @Test
    void promptResponseRowsCarryTheLossOnTheResponseAndAlignItWithNextTokenTargets() {
        TokenBatch b = TokenBatch.promptResponses(List.of(new int[] {1, 2}, new int[] {3}),
                List.of(new int[] {5}, new int[] {6, 7}), PAD);
        assertThat(b.cols()).isEqualTo(3);
        assertThat(b.ids()).containsExactly(1, 2, 5, 3, 6, 7);
        assertThat(b.mask()).containsOnly(1f);
        assertThat(b.lossMask()).containsExactly(0, 0, 1, 0, 1, 1);
        // Column c of the log-probabilities predicts token c + 1.
        assertThat(b.targetMask()).containsExactly(0, 1, 1, 1);
        assertThat(b.targets()).isEqualTo(3);
    }

    @Test
    void learningRowsHaveAtLeastTwoColumnsSoEveryRowHasATarget() {
        TokenBatch b = TokenBatch.learning(List.of(new int[] {1}), List.of(new boolean[] {true}), PAD);
        assertThat(b.cols()).isEqualTo(2);
        assertThat(b.ids()).containsExactly(1, PAD);
        assertThat(b.mask()).containsExactly(1, 0);
        // The first token is never a target: nothing predicts it.
        assertThat(b.targetMask()).containsExactly(0);
        assertThat(b.targets()).isZero();
    }

    @Test
    void pickedRowsKeepTheWidth() {
        TokenBatch b = TokenBatch.promptResponses(List.of(new int[] {1}, new int[] {2, 3, 4}, new int[] {5}),
                List.of(new int[] {6}, new int[] {7}, new int[] {8, 8}), PAD);
        TokenBatch p = b.rows(new int[] {2, 0});
        assertThat(p.rows()).isEqualTo(2);
        assertThat(p.cols()).isEqualTo(4);
        assertThat(p.ids()).containsExactly(5, 8, 8, PAD, 1, 6, PAD, PAD);
        assertThat(p.mask()).containsExactly(1, 1, 1, 0, 1, 1, 0, 0);
        assertThat(p.lossMask()).containsExactly(0, 1, 1, 0, 0, 1, 0, 0);
        assertThat(p.lengths()).containsExactly(3, 2);
    }
}
