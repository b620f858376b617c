package dev.rlhf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rlhf4j} command: one subcommand per feature. */
@Command(name = "rlhf4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Reward modeling for RLHF on the JVM: train, evaluate and denoise reward models.",
        subcommands = {DemoCommand.class, TrainRmCommand.class, EvalRmCommand.class, ScoreCommand.class, DataCommand.class, SynthCommand.class, StrengthCommand.class, DenoiseCommand.class, DecilesCommand.class, GenerateCommand.class, ConvertCommand.class, MergeCommand.class, BenchCommand.class,
                ServeCommand.class, ServeLoadCommand.class,
                CalibrateCommand.class,
                SftCommand.class, DpoCommand.class, PpoCommand.class, MetaRmCommand.class, RlhfCommand.class, JudgeCommand.class,
                BonCommand.class, RmOnPolicyCommand.class, ExperimentCommand.class,
                ReportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit codes: 0 ok, 1 failure while running, 2 bad usage or bad input. */
    public static final int OK = 0, FAILED = 1, BAD_INPUT = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            boolean input = ex instanceof IllegalArgumentException || ex instanceof dev.rlhf4j.data.DataException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof java.nio.file.NoSuchFileException;
            line.getErr().println("error: " + ex.getMessage());
            if (System.getenv("RLHF4J_DEBUG") != null) ex.printStackTrace(line.getErr());
            return input ? BAD_INPUT : FAILED;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"rlhf4j " + dev.rlhf4j.provenance.Provenance.version(),
                    "Java " + System.getProperty("java.version")};
        }
    }
}
