package dev.rlhf4j.provenance;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What made an artifact: the command and its arguments, the SHA-256 of every input file, the seed,
 * and the versions of rlhf4j, Java and the engine. Written beside every checkpoint, strength file
 * and report so that a run can be traced and repeated.
 */
public final class Provenance {
    private Provenance() {}

    /** The rlhf4j version from the jar manifest, or "dev" when run from classes. */
    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * @param command the subcommand, e.g. {@code train-rm}
     * @param args    the arguments as given
     * @param inputs  named input files to hash (name → path); null paths are skipped
     * @param engine  the tensor engine and its thread counts; null when the command does not use it
     */
    public static ObjectNode of(String command, List<String> args, Map<String, Path> inputs, long seed, EngineInfo engine) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("tool", "rlhf4j");
        o.put("version", version());
        SourceRevision rev = SourceRevision.get();
        o.put("commit", rev.commit());
        o.put("dirty", rev.dirty());
        o.put("command", command);
        var a = o.putArray("args");
        args.forEach(a::add);
        o.put("seed", seed);
        ObjectNode data = o.putObject("inputs");
        inputs.forEach((name, path) -> {
            if (path == null) return;
            ObjectNode d = data.putObject(name);
            d.put("path", path.toAbsolutePath().normalize().toString());
            d.put("sha256", sha256(path));
        });
        ObjectNode env = o.putObject("environment");
        env.put("java", System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("cores", Runtime.getRuntime().availableProcessors());
        if (engine != null) {
            env.put("engine", engine.description());
            if (engine.intraOpThreads() > 0) env.put("intra_op_threads", engine.intraOpThreads());
            if (engine.interOpThreads() > 0) env.put("inter_op_threads", engine.interOpThreads());
        }
        // Settings that change what the native libraries compute or how: thread pools, MKL's code path, malloc.
        ObjectNode vars = env.putObject("variables");
        for (String k : NUMERIC_ENV) {
            String v = System.getenv(k);
            vars.put(k, v == null ? "unset" : v);
        }
        for (String k : List.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
            String v = System.getProperty(k);
            if (v != null) vars.put(k, v);
        }
        var jvm = env.putArray("jvm_args");
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().forEach(jvm::add);
        o.put("created", Instant.now().toString());
        return o;
    }

    /** Environment variables recorded with every run. */
    static final List<String> NUMERIC_ENV = List.of("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_CBWR", "MKL_DYNAMIC",
            "OMP_DYNAMIC", "KMP_AFFINITY", "OMP_PROC_BIND", "ATEN_CPU_CAPABILITY", "DNNL_MAX_CPU_ISA",
            "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_");

    /** SHA-256 of a file's bytes, hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
