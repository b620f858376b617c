package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file from a literal header and data bytes. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) {
            b.putShort((short) s);
        }
        return b.array();
    }

    @Test
    void f32RoundTripWithMetadata() throws Exception {
        Map<String, HostTensor> in = new LinkedHashMap<>();
        float[] big = new float[300_000]; // spans more than one 1 MiB write chunk
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) Math.sin(i) * 1e-3f;
        }
        in.put("z.big", new HostTensor("z.big", new long[] {600, 500}, big));
        in.put("a.weight", new HostTensor("a.weight", new long[] {2, 3},
                new float[] {1f, -2.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, Float.NaN}));
        in.put("m.scalar", new HostTensor("m.scalar", new long[] {}, new float[] {42f}));
        in.put("e.empty", new HostTensor("e.empty", new long[] {0, 4}, new float[0]));
        Path f = dir.resolve("model.safetensors");
        Safetensors.write(f, in, Map.of("format", "pt", "step", "17"));

        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + n + 4L * (big.length + 6 + 1));
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip(); // the header JSON, padding trimmed
        assertThat(header.indexOf("\"a.weight\"")).isLessThan(header.indexOf("\"e.empty\""));
        assertThat(header.indexOf("\"m.scalar\"")).isLessThan(header.indexOf("\"z.big\""));
        assertThat(header).contains("\"dtype\":\"F32\"").contains("\"data_offsets\":[0,24]");

        Safetensors.Contents back = Safetensors.read(f);
        assertThat(back.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "step", "17"));
        assertThat(back.tensors().keySet()).containsExactly("a.weight", "e.empty", "m.scalar", "z.big");
        for (HostTensor t : in.values()) {
            HostTensor r = back.tensors().get(t.name());
            assertThat(r.name()).isEqualTo(t.name());
            assertThat(r.shape()).containsExactly(t.shape());
            assertThat(Arrays.equals(r.data(), t.data())).as(t.name()).isTrue(); // bitwise incl. NaN, -0
        }
        // Overwrite in place: atomic replace, no temp files left behind.
        Safetensors.write(f, Map.of("only", new HostTensor("only", new long[] {1}, new float[] {3f})), null);
        assertThat(Safetensors.read(f).tensors()).containsOnlyKeys("only");
        assertThat(Safetensors.read(f).metadata()).isEmpty();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
        }
    }

    @Test
    void f16DecodesExactly() throws Exception {
        Path f = dir.resolve("h.safetensors");
        Files.write(f, file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,4],\"data_offsets\":[0,16]}}",
                shorts(0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0xFC00, 0x8000, 0x03FF)));
        HostTensor h = Safetensors.read(f).tensors().get("h");
        assertThat(h.shape()).containsExactly(2, 4);
        float[] d = h.data();
        assertThat(d[0]).isEqualTo(1.0f);
        assertThat(d[1]).isEqualTo(-2.0f);
        assertThat(d[2]).isEqualTo(0.333251953125f);
        assertThat(d[3]).isEqualTo(65504f);
        assertThat(d[4]).isEqualTo((float) Math.scalb(1.0, -24)); // smallest subnormal
        assertThat(d[5]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(d[6])).isEqualTo(0x80000000); // -0
        assertThat(d[7]).isEqualTo((float) (1023 * Math.scalb(1.0, -24))); // largest subnormal
    }

    @Test
    void bf16DecodesExactlyAndMetadataIsRead() throws Exception {
        Path f = dir.resolve("b.safetensors");
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[6],\"data_offsets\":[0,12]}}   ";
        Files.write(f, file(header, shorts(0x3F80, 0xC049, 0x7F80, 0x0001, 0x3EAB, 0x4049)));
        Safetensors.Contents c = Safetensors.read(f);
        assertThat(c.metadata()).containsExactly(Map.entry("format", "pt"));
        assertThat(c.tensors().get("b").data()).containsExactly(
                1.0f, -3.140625f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000),
                0.333984375f, 3.140625f);
    }

    @Test
    void f64IsNarrowedToFloat() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-3);
        Path f = dir.resolve("d.safetensors");
        Files.write(f, file("{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", b.array()));
        assertThat(Safetensors.read(f).tensors().get("d").data()).containsExactly(0.1f, -3f);
    }

    @Test
    void truncatedFileNamesTheTensor() throws Exception {
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, Map.of(
                "a", new HostTensor("a", new long[] {4}, new float[4]),
                "b.last", new HostTensor("b.last", new long[] {4}, new float[4])), Map.of());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Safetensors.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t.safetensors")
                .hasMessageContaining("'b.last'")
                .hasMessageContaining("[16, 32]")
                .hasMessageContaining("29 data bytes");
    }

    @Test
    void outOfRangeOffsetNamesTheTensor() throws Exception {
        Path f = dir.resolve("o.safetensors");
        Files.write(f, file("{\"ok\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"huge\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[8,4000008]}}", new byte[16]));
        assertThatThrownBy(() -> Safetensors.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("o.safetensors")
                .hasMessageContaining("'huge'")
                .hasMessageContaining("outside");
    }

    @Test
    void headerLengthLargerThanFile() throws Exception {
        Path f = dir.resolve("hl.safetensors");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hl.safetensors")
                .hasMessageContaining("header length " + (1L << 40))
                .hasMessageContaining("20 bytes");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        assertThatThrownBy(() -> Safetensors.read(tiny)).hasMessageContaining("shorter than");
        Path neg = dir.resolve("neg.safetensors");
        Files.write(neg, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array());
        assertThatThrownBy(() -> Safetensors.read(neg)).hasMessageContaining("header length 18446744073709551608");
    }

    @Test
    void otherProblemsAreNamed() throws Exception {
        Path f = dir.resolve("x.safetensors");
        Files.write(f, file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("'ids'").hasMessageContaining("I64");

        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("'w'").hasMessageContaining("needs 12");

        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]));
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("'w'").hasMessageContaining("outside");

        Files.write(f, file("{not json", new byte[0]));
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("not valid JSON");
    }
}
