package dev.rlhf4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Where the job runs: the master and extra Spark settings (as spark-submit's --master and --conf). */
public final class SparkOptions {
    @Option(names = "--master",
            description = "Spark master, e.g. local[2] on one machine (local[N,F]: N cores, a task tried up to F times), "
                    + "yarn, k8s://..., spark://... (default: what spark-submit sets, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, as spark-submit's --conf; repeatable (default: none).")
    List<String> conf = new ArrayList<>();

    SparkSession session(String appName) {
        SparkConf sc = new SparkConf();
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--conf takes KEY=VALUE, got '" + kv + "'");
            sc.set(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (master != null) {
            sc.setMaster(master);
        } else if (!sc.contains("spark.master")) {
            sc.setMaster("local[*]");
        }
        if (!sc.contains("spark.app.name")) sc.setAppName(appName);
        return SparkSession.builder().config(sc).getOrCreate();
    }
}
