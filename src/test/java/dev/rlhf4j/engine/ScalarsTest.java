package dev.rlhf4j.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ScalarsTest {

    /** Freed native memory is collected and refilled with NaN bytes between forward and backward. */
    private static void churn() {
        List<ByteBuffer> held = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            held.clear();
            for (int i = 0; i < 256; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 + i % 60);
                while (b.hasRemaining()) b.put((byte) 0xFF);
                held.add(b);
            }
        }
    }

    @Test
    void theBackwardPassReadsTheConstantsAfterTheCollectorRan() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, -2f, 3f, 0.5f});
            x.setRequiresGradient(true);
            float[] grad;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // d/dx of Σ (x·0.25)² / 2 + Σ max(x, 0.75) = 0.0625·x + [x > 0.75]
                NDArray y = Scalars.div(Scalars.pow(Scalars.mul(x, 0.25), 2), 2).sum().add(Scalars.maximum(x, 0.75).sum());
                churn();
                gc.backward(y);
            }
            grad = x.getGradient().toFloatArray();
            assertThat(grad).containsExactly(1.0625f, -0.125f, 1.1875f, 0.03125f);
        }
    }

    @Test
    void constantsHaveTheTypeOfTheirTensor() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray i = m.create(new long[] {4, 9});
            assertThat(Scalars.constant(i, 3).getDataType()).isEqualTo(i.getDataType());
            assertThat(Scalars.constant(i, 3).getShape()).isEqualTo(new Shape());
            assertThat(Scalars.minimum(i, 5).toLongArray()).containsExactly(4, 5);
        }
    }

    /**
     * No production class calls DJL's {@code mul/div/pow/maximum/minimum(Number)}: their constant lives in a Java
     * buffer that the collector frees while autograd still holds it (what made runs depend on timing). Reads the
     * method references of every compiled class.
     */
    @Test
    void noProductionCodeUsesTheNumberOverloads() throws Exception {
        Path classes = Path.of(Scalars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                try (InputStream in = Files.newInputStream(f)) {
                    for (String ref : numberOverloads(in)) offenders.add(classes.relativize(f) + " → " + ref);
                }
            }
        }
        assertThat(offenders).as("use dev.rlhf4j.engine.Scalars instead").isEmpty();
    }

    private static final Set<String> OWNERS = Set.of("ai/djl/ndarray/NDArray", "ai/djl/ndarray/NDArrayAdapter",
            "ai/djl/pytorch/engine/PtNDArray");
    private static final Set<String> NAMES = Set.of("mul", "div", "pow", "maximum", "minimum");

    /** Method references in a class file's constant pool to a banned overload, as owner.name(descriptor). */
    static List<String> numberOverloads(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
        in.readUnsignedShort();
        in.readUnsignedShort();
        int n = in.readUnsignedShort();
        String[] utf = new String[n];
        int[] classOf = new int[n], natName = new int[n], natDesc = new int[n], refClass = new int[n], refNat = new int[n];
        boolean[] isMethodRef = new boolean[n];
        for (int i = 1; i < n; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf[i] = in.readUTF();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 7 -> classOf[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 9 -> in.readInt();
                case 10, 11 -> {
                    isMethodRef[i] = true;
                    refClass[i] = in.readUnsignedShort();
                    refNat[i] = in.readUnsignedShort();
                }
                case 12 -> {
                    natName[i] = in.readUnsignedShort();
                    natDesc[i] = in.readUnsignedShort();
                }
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 17, 18 -> in.readInt();
                default -> throw new IOException("constant pool tag " + tag + " at " + i);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            if (!isMethodRef[i]) continue;
            String owner = utf[classOf[refClass[i]]], name = utf[natName[refNat[i]]], desc = utf[natDesc[refNat[i]]];
            if (OWNERS.contains(owner) && NAMES.contains(name) && desc.startsWith("(Ljava/lang/Number;)")) {
                out.add(owner + "." + name + desc);
            }
        }
        return out;
    }
}
