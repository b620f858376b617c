package dev.rlhf4j.cli;

import dev.rlhf4j.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code rlhf4j report RUN_DIR}: one self-contained HTML page with the plots of whatever the run directory holds. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a self-contained HTML report of a run directory (inline SVG, nothing fetched).",
                "Shows preference strength (histogram; σ̂ against μ̂ over the 20 groups), label–gold agreement per group, the reward-model variants "
                + "with their intervals, training curves, the decile experiment, contrastive separation, PPO curves, judged comparisons, "
                + "best-of-n curves (each set of curves once), reward models on policy samples and an experiment's claims with its mechanism table, "
                + "each where its files exist (searched " + dev.rlhf4j.report.RunFiles.DEPTH + " levels deep). The page lists the files it read."})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "Run directory (e.g. runs/demo).")
    Path runDir;

    @Option(names = "--out", description = "Output HTML file (default: RUN_DIR/report.html).")
    Path out;

    @Override
    public Integer call() throws Exception {
        RunReport.Result r = RunReport.write(runDir, out != null ? out : runDir.resolve("report.html"));
        System.out.println("sections: " + String.join(", ", r.sections()));
        System.out.println("read " + r.filesRead().size() + " file(s): " + String.join(", ", r.filesRead()));
        System.out.println("report: " + r.file().toAbsolutePath());
        return Main.OK;
    }
}
