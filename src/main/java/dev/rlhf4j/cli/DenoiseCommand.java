package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.Denoiser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j denoise}: flip, drop and annotate pairs by their preference strength. */
@Command(name = "denoise", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Denoise a strength file (from 'rlhf4j strength'): flip the weakest pairs, optionally drop an "
                + "ambiguous band, and attach per-pair 'margin' and 'label_smoothing' for the margin and soft-label losses.",
                "The paper's four methods are then one train-rm each: Flip (--flip-fraction F, --loss bt); Margin "
                        + "(--loss margin); Flip + Margin (--flip-fraction F, --loss margin); Soft Label + Margin "
                        + "(--loss smooth+margin).",
                "Writes OUT (JSONL) and OUT.json (what was done, with provenance)."})
public final class DenoiseCommand implements Callable<Integer> {
    @Option(names = "--strength", required = true, description = "A strength.jsonl written by 'rlhf4j strength'.")
    Path strength;

    @Option(names = "--out", required = true, description = "Output JSONL.")
    Path out;

    @Option(names = "--flip-fraction", defaultValue = "0",
            description = "Flip chosen/rejected of this share of pairs with the lowest μ̂ (the paper: 0.1 in its appendix, "
                    + "0.2 in its main text; default: ${DEFAULT-VALUE}).")
    double flipFraction;

    @Option(names = "--flip-below", description = "Also flip every pair with μ̂ below this value (default: off).")
    Double flipBelow;

    @Option(names = "--drop-between", split = ",", description = "Drop pairs with μ̂ in [LO,HI], e.g. -0.1,0.1 (default: none).")
    double[] dropBand;

    @Option(names = "--margin-scale", defaultValue = "1.0", description = "margin = scale · μ̂ (default: ${DEFAULT-VALUE}).")
    double marginScale;

    @Option(names = "--margin-clip-zero", defaultValue = "false",
            description = "Clip negative margins to 0; otherwise a negative margin lets a doubtful pair keep r_c < r_r "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean clipZero;

    @Option(names = "--margin-max", defaultValue = "4.0", description = "Clip margins to [−max, max] (default: ${DEFAULT-VALUE}).")
    double marginMax;

    @Option(names = "--smooth-negative", defaultValue = "0.1",
            description = "label_smoothing α written on pairs whose μ̂ stays negative; 0 elsewhere (default: ${DEFAULT-VALUE}).")
    double smoothNegative;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (dropBand != null && dropBand.length != 2) throw new IllegalArgumentException("--drop-between takes LO,HI");
        Denoiser d = new Denoiser(flipFraction, flipBelow == null ? Double.NaN : flipBelow,
                dropBand == null ? Double.NaN : dropBand[0], dropBand == null ? Double.NaN : dropBand[1], marginScale,
                clipZero, marginMax, smoothNegative);
        var pairs = PreferenceDataset.load(strength, "auto", false).pairs();
        Denoiser.Outcome o = d.apply(pairs);
        Jsonl.write(out, o.records());
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("input_pairs", pairs.size());
        s.put("output_pairs", o.pairs().size());
        s.put("flipped", o.flipped());
        s.put("dropped", o.dropped());
        s.put("smoothed", o.smoothed());
        s.put("mean_margin", o.meanMargin());
        s.put("settings", d.toString());
        s.set("provenance", Provenance.of("denoise", spec.commandLine().getParseResult().originalArgs(),
                Map.of("strength", strength), 0, null));
        Json.write(out.resolveSibling(out.getFileName() + ".json"), s);
        System.out.printf("%d pairs in, %d out: flipped %d, dropped %d, label smoothing on %d, mean margin %.3f%n",
                pairs.size(), o.pairs().size(), o.flipped(), o.dropped(), o.smoothed(), o.meanMargin());
        System.out.println("wrote " + out.toAbsolutePath());
        return Main.OK;
    }
}
