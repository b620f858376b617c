package dev.rlhf4j.spark;

import dev.rlhf4j.cli.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The core CLI's conventions hold for the Spark commands too (no Spark session is started here). */
class SparkCliTest {
    @Test
    void everyOptionStatesItsDefaultAndHelpPrintsCleanly() {
        CommandLine root = new CommandLine(new SparkMain());
        List<String> missing = new ArrayList<>();
        for (CommandLine c : root.getSubcommands().values()) {
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp() || o.required()) continue;
                if (!String.join(" ", o.description()).contains("default")) missing.add(c.getCommandName() + " " + o.longestName());
            }
        }
        assertThat(missing).as("options whose help does not state a default").isEmpty();
        for (String cmd : List.of("strength", "score")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            PrintStream o = System.out, e = System.err;
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            try {
                assertThat(SparkMain.execute(cmd, "--help")).isZero();
            } finally {
                System.setOut(o);
                System.setErr(e);
            }
            assertThat(err.toString()).as("picocli warnings for " + cmd).isEmpty();
            assertThat(out.toString()).contains("--master", "--data", "(default:");
        }
        // strength takes every option of the local command (the same mixins)
        assertThat(root.getSubcommands().get("strength").getCommandSpec().optionsMap())
                .containsKeys("--train-top-layers", "--scheme", "--members", "--backbone", "--seed", "--format");
    }

    @Test
    void badUsageIsExitCodeTwo() {
        PrintStream e = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            assertThat(SparkMain.execute("score", "--data", "x.jsonl", "--out", "o")).isEqualTo(Main.BAD_INPUT);
            assertThat(SparkMain.execute("strength", "--data", "x.jsonl")).isEqualTo(Main.BAD_INPUT);
        } finally {
            System.setErr(e);
        }
    }
}
