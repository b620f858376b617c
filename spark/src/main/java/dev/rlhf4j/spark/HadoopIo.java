package dev.rlhf4j.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files on any Hadoop file system (local, HDFS, S3 through s3a, ...) as the core needs them: local copies to read
 * and local directories copied up. The core reads and writes {@code java.nio} paths only; this class is the one
 * place where the Spark jobs touch remote storage. It travels to executors with the driver's Hadoop configuration
 * (so {@code spark.hadoop.*} settings and credentials given to spark-submit apply there too).
 */
public final class HadoopIo implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Remote files and directories already copied down by this JVM (an executor reads each once). */
    private static final Map<String, java.nio.file.Path> LOCAL_COPIES = new ConcurrentHashMap<>();

    private final byte[] conf;
    private transient Configuration cached;

    private HadoopIo(byte[] conf) {
        this.conf = conf;
    }

    public static HadoopIo of(Configuration c) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            c.write(out);
            out.flush();
            return new HadoopIo(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized Configuration conf() {
        if (cached == null) {
            Configuration c = new Configuration(false);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(conf))) {
                c.readFields(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cached = c;
        }
        return cached;
    }

    /** A child path of a directory URI. */
    public static String child(String dir, String name) {
        return new Path(dir, name).toString();
    }

    private static boolean isLocal(String uri) {
        String scheme = new Path(uri).toUri().getScheme();
        return scheme == null || scheme.equals("file");
    }

    private static java.nio.file.Path asLocal(String uri) {
        URI u = new Path(uri).toUri();
        return java.nio.file.Path.of(u.getPath());
    }

    /** The file system of {@code p}; a local one without its checksum layer, so no .crc files appear beside outputs. */
    private FileSystem fs(Path p) throws IOException {
        FileSystem fs = p.getFileSystem(conf());
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    public boolean exists(String uri) {
        try {
            Path p = new Path(uri);
            return fs(p).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + uri + ": " + e.getMessage(), e);
        }
    }

    /** The text of a (small) file, or null when it does not exist. */
    public String readText(String uri) {
        try {
            Path p = new Path(uri);
            FileSystem fs = fs(p);
            if (!fs.exists(p)) return null;
            try (var in = fs.open(p)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    public void writeText(String uri, String text) {
        try {
            Path p = new Path(uri);
            try (var out = fs(p).create(p, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * A local path holding the file or directory at {@code uri}: the path itself on a local file system, otherwise
     * a copy made once per JVM in a temporary directory.
     */
    public java.nio.file.Path local(String uri) {
        return local(uri, "");
    }

    /**
     * {@link #local(String)} for content that can change under the same name (a member retrained by a later run):
     * {@code version} (e.g. the member's marker) tells this JVM's copies apart.
     */
    public java.nio.file.Path local(String uri, String version) {
        if (isLocal(uri)) {
            java.nio.file.Path p = asLocal(uri);
            if (!Files.exists(p)) throw new IllegalArgumentException(uri + ": no such file or directory");
            return p;
        }
        return LOCAL_COPIES.computeIfAbsent(uri + "#" + version.hashCode(), ignored -> {
            String u = uri;
            try {
                Path src = new Path(u);
                if (!fs(src).exists(src)) throw new IllegalArgumentException(u + ": no such file or directory");
                java.nio.file.Path dir = Files.createTempDirectory("rlhf4j-spark-");
                java.nio.file.Path dst = dir.resolve(src.getName());
                fs(src).copyToLocalFile(false, src, new Path(dst.toUri()), true);
                return dst;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + u + " to this machine: " + e.getMessage(), e);
            }
        });
    }

    /** Copies a local directory's files to the directory {@code uri}, replacing what was there. */
    public void putDir(java.nio.file.Path localDir, String uri) {
        try {
            Path dst = new Path(uri);
            FileSystem fs = fs(dst);
            if (fs.exists(dst)) fs.delete(dst, true);
            fs.mkdirs(dst);
            try (var files = Files.list(localDir)) {
                for (java.nio.file.Path f : files.sorted().toList()) {
                    fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(dst, f.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + localDir + " to " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Copies one local file to {@code uri}. */
    public void putFile(java.nio.file.Path local, String uri) {
        try {
            Path dst = new Path(uri);
            fs(dst).copyFromLocalFile(false, true, new Path(local.toUri()), dst);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + local + " to " + uri + ": " + e.getMessage(), e);
        }
    }

    /** The subdirectories of {@code uri} whose names start with {@code prefix}, sorted by name. */
    public List<String> subdirs(String uri, String prefix) {
        try {
            Path p = new Path(uri);
            FileSystem fs = fs(p);
            if (!fs.exists(p)) throw new IllegalArgumentException(uri + ": no such directory");
            List<String> out = new ArrayList<>();
            List<FileStatus> all = new ArrayList<>(List.of(fs.listStatus(p)));
            // member-2 before member-10
            all.sort(Comparator.comparing((FileStatus s) -> s.getPath().getName().length()).thenComparing(s -> s.getPath().getName()));
            for (FileStatus s : all) if (s.isDirectory() && s.getPath().getName().startsWith(prefix)) out.add(s.getPath().toString());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a local temporary directory (best effort). */
    static void deleteLocal(java.nio.file.Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (java.nio.file.Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temporary file is not worth failing a job for
        }
    }
}
