package dev.rlhf4j.rl;

import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.text.ChatTemplates;
import dev.rlhf4j.text.PromptRenderer;
import dev.rlhf4j.text.SequenceEncoder;

import java.util.Arrays;
import java.util.List;

/**
 * How a policy reads a prompt and writes a response, the same in SFT, PPO, sampling and judging: the prompt is a
 * user turn rendered by the checkpoint's chat template (or {@code Human: …\n\nAssistant:}), BOS in front; the
 * response is its tokens followed by EOS. Training on exactly the tokens that generation conditions on keeps SFT
 * and PPO consistent.
 */
public final class PolicyText {
    private final CausalLm lm;
    private final SequenceEncoder encoder;
    private final int maxPromptTokens;

    public PolicyText(CausalLm lm, int maxPromptTokens) {
        this.lm = lm;
        this.maxPromptTokens = maxPromptTokens;
        DecoderConfig c = lm.config();
        PromptRenderer renderer = ChatTemplates.renderer(lm.tokenizerConfig());
        this.encoder = SequenceEncoder.forDecoder(lm.tokenizer(), Math.max(maxPromptTokens, 8),
                new SequenceEncoder.Decoding(c.addBos() ? c.bosId() : -1, c.eosId(), c.padOrEos(), renderer));
    }

    /** The prompt as the policy sees it before its response (oldest text dropped to fit). */
    public int[] prompt(String prompt) {
        return encoder.encodePrompt(List.of(Turn.user(prompt)), maxPromptTokens);
    }

    /** The response tokens followed by EOS, at most {@code maxTokens} (EOS included; a cut response has no EOS). */
    public int[] response(String response, int maxTokens) {
        int[] ids = lm.tokenizer().encode(response);
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = lm.config().eosId();
        return out.length <= maxTokens ? out : Arrays.copyOf(out, maxTokens);
    }

    public int maxPromptTokens() {
        return maxPromptTokens;
    }
}
