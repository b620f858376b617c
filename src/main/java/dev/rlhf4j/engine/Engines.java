package dev.rlhf4j.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Start-up of the tensor engine (DJL over libtorch): offline mode, device selection, seeds.
 * Everything else in the project reaches the engine through the model package.
 */
public final class Engines {
    private Engines() {}

    static {
        // Never reach for the network: the native library comes from the pytorch-native jar.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    }

    /** Parses {@code cpu}, {@code gpu}, {@code gpu:1} (also {@code cuda}). */
    public static Device device(String name) {
        String n = name == null ? "cpu" : name.trim().toLowerCase();
        if (n.equals("cpu")) return Device.cpu();
        if (n.startsWith("gpu") || n.startsWith("cuda")) {
            int colon = n.indexOf(':');
            int id = colon < 0 ? 0 : Integer.parseInt(n.substring(colon + 1));
            Engine engine = Engine.getInstance();
            if (engine.getGpuCount() <= id) {
                throw new IllegalArgumentException("device " + name + " was asked for but the engine sees "
                        + engine.getGpuCount() + " GPU(s); add the CUDA native jar of your platform "
                        + "(ai.djl.pytorch:pytorch-native-cuXXX) or use --device cpu");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, gpu or gpu:N)");
    }

    public static NDManager newManager(Device device) {
        return NDManager.newBaseManager(device);
    }

    /** Seeds the engine's generator (dropout masks, random init). */
    public static void seed(long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)) & 0x7fffffff);
    }

    /**
     * Readies the calling thread for tensor work. libtorch's grad mode is per thread, and DJL turns it off only on the
     * thread that starts the engine; on any other thread (a Spark task, a server's worker) it is on, so in-place
     * updates of trained weights (AdamW) fail and scoring records graphs. Call once on such a thread.
     */
    public static void prepareThread() {
        Engine.getInstance(); // start the engine first: that turns grad mode off on its own thread only
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /**
     * Whether libtorch records operations for autograd on this thread: on inside a gradient collector (a training
     * step), off for scoring. Without it nothing reads an operation's inputs again once its output exists, so a pass
     * may close each layer's intermediates as soon as the next layer has its input.
     */
    public static boolean gradMode() {
        return ai.djl.pytorch.jni.JniUtils.isGradMode();
    }

    /**
     * Collects the garbage a model load leaves: the weights' host copies (the file's bytes, fp32 arrays, transposes)
     * on the JVM heap, and DJL's direct staging buffers ({@link #assign} copies out of one per tensor; their native
     * memory is freed only when a collection finds them, 86 MiB for MiniLM). Call once a model is built, from a frame
     * that no longer holds the host tensors. Under the launcher's small initial heap ({@code -Xms64m
     * -XX:-ShrinkHeapInSteps}) the heap then shrinks back and returns the pages the load touched (about 280 MiB for
     * MiniLM), which would otherwise stay resident through training and scoring: no collection runs there, as a
     * training step allocates little on the heap.
     */
    public static void collectLoadGarbage() {
        System.gc();
    }

    /**
     * Returns to the operating system the memory that glibc's allocator keeps after libtorch freed it
     * ({@code malloc_trim(0)}, every arena, free pages in the middle of a heap included); true when some was returned.
     * The launcher's {@code MALLOC_*} settings keep freed blocks on purpose, so that a training step reuses the last
     * step's pages instead of page-faulting fresh ones; when training ends they are what a later phase (scoring,
     * evaluation) would otherwise find resident. Call between phases, never per step. False where there is no glibc
     * (JNA, a dependency of DJL's API, finds no {@code malloc_trim}).
     */
    public static boolean releaseFreeMemory() {
        try {
            com.sun.jna.Function trim = com.sun.jna.NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME)
                    .getFunction("malloc_trim");
            return trim.invokeInt(new Object[] {0L}) != 0;
        } catch (LinkageError | RuntimeException e) { // no JNA on the classpath, its native part, or no malloc_trim
            return false;
        }
    }

    /**
     * Whether {@code a}'s gradient buffer exists and is dense. libtorch leaves it undefined until the first backward
     * pass, and DJL's {@code getGradient} then hands out fresh zeros that are not the buffer.
     */
    public static boolean hasDenseGradient(NDArray a) {
        if (!a.hasGradient()) return false;
        ai.djl.pytorch.engine.PtNDArray g = ai.djl.pytorch.jni.JniUtils.getGradient((ai.djl.pytorch.engine.PtNDArray) a);
        if (g == null) return false;
        try (g) {
            return !g.isSparse();
        }
    }

    /** Engine name and version, for provenance. */
    public static String describe() {
        Engine e = Engine.getInstance();
        return e.getEngineName() + " " + e.getVersion() + " (DJL " + Engine.getDjlVersion() + ")";
    }

    /**
     * Copies {@code values} into {@code target} in place (weights loaded or initialised, optimizer moments restored).
     * Not {@code NDArray.set(float[])}: DJL's native copy behind it enters libtorch's deprecated
     * {@code AutoNonVariableTypeMode}, whose first use prints a deprecation warning on stderr in every process; an
     * indexed put of a fresh array (libtorch {@code index_put_}) copies the same values without it.
     */
    public static void assign(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(values.length + " values for an array of shape " + target.getShape());
        }
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            target.set(new NDIndex("..."), source);
        }
    }

    /** Engine name, versions and thread counts, for provenance (starts the engine). */
    public static dev.rlhf4j.provenance.EngineInfo info() {
        return new dev.rlhf4j.provenance.EngineInfo(describe(), ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
    }

    /** Threads libtorch uses for intra-op parallelism. */
    public static void threads(int n) {
        if (n > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        }
    }

    /** Intra-op threads libtorch is using now (starts the engine). */
    public static int threadsInUse() {
        Engine.getInstance();
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /** Starts libtorch's profiler (op names and input shapes, CPU time). */
    public static void startProfile() {
        ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
    }

    /** Stops the profiler and writes what it recorded as a Chrome trace. */
    public static void stopProfile(java.nio.file.Path file) {
        try {
            java.nio.file.Path parent = file.toAbsolutePath().getParent();
            if (parent != null) java.nio.file.Files.createDirectories(parent);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the folder of " + file, e);
        }
        ai.djl.pytorch.jni.JniUtils.stopProfile(file.toAbsolutePath().toString());
    }
}
