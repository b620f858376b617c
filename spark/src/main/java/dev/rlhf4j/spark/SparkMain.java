package dev.rlhf4j.spark;

import dev.rlhf4j.cli.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code rlhf4j spark}: the Spark jobs, for {@code spark-submit --class dev.rlhf4j.spark.SparkMain} and for
 * {@code ./rlhf4j spark ... --master local[N]} on one machine. Exit codes as the core CLI's: 0 ok, 1 failure,
 * 2 bad input.
 */
@Command(name = "rlhf4j spark", mixinStandardHelpOptions = true, versionProvider = SparkMain.Version.class,
        description = "rlhf4j on Apache Spark: strength ensembles with one task per member, and batch scoring.",
        subcommands = {SparkStrengthCommand.class, SparkScoreCommand.class, CommandLine.HelpCommand.class})
public final class SparkMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int code = execute(args);
        // spark-submit waits for main to return; a non-zero code must still fail the submission.
        if (code != Main.OK) System.exit(code);
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            Throwable cause = rootInput(ex);
            boolean input = cause != null;
            line.getErr().println("error: " + (input ? cause.getMessage() : ex.getMessage()));
            if (System.getenv("RLHF4J_DEBUG") != null) ex.printStackTrace(line.getErr());
            return input ? Main.BAD_INPUT : Main.FAILED;
        });
        return cl.execute(args);
    }

    /** The bad-input exception behind {@code ex}, if any (Spark wraps what a task threw). */
    private static Throwable rootInput(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof dev.rlhf4j.data.DataException
                    || t instanceof java.nio.file.NoSuchFileException) {
                return t;
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"rlhf4j " + dev.rlhf4j.provenance.Provenance.version() + " on Spark "
                    + org.apache.spark.package$.MODULE$.SPARK_VERSION(), "Java " + System.getProperty("java.version")};
        }
    }
}
