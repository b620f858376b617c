package dev.rlhf4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The two ways memory goes back between phases: glibc's kept free blocks, and a model load's staging buffers. */
class MemoryReleaseTest {
    /**
     * Blocks of just under 64 KiB (below glibc's smallest mmap threshold, so they come from its heaps), every other one
     * freed: 32 MiB of holes between live blocks, which glibc keeps resident. {@code releaseFreeMemory} returns their
     * pages but the first of each (glibc's chunk header sits in it): 15 of 16 pages, 30 MiB; at least half is asserted.
     */
    @Test
    void releaseFreeMemoryReturnsTheHolesGlibcKeeps() {
        assumeTrue(ProcessMemory.statusKib("RssAnon") > 0, "Linux: /proc/self/status");
        try (NDManager m = Engines.newManager(Engines.device("cpu"))) {
            List<NDArray> blocks = new ArrayList<>();
            for (int i = 0; i < 1024; i++) blocks.add(m.ones(new Shape(16 * 1024 - 64))); // 65,280 bytes each
            for (int i = 1; i < blocks.size(); i += 2) blocks.get(i).close();
            long before = ProcessMemory.statusKib("RssAnon");
            assertThat(Engines.releaseFreeMemory()).as("some memory was returned").isTrue();
            long after = ProcessMemory.statusKib("RssAnon");
            assertThat(before - after).as("KiB returned").isGreaterThanOrEqualTo(512 * 32);
            for (int i = 0; i < blocks.size(); i += 2) assertThat(blocks.get(i).getFloat(100)).isEqualTo(1f); // live ones intact
        }
    }

    /**
     * {@link Engines#assign} copies out of a direct buffer that nothing references afterwards; its native memory goes
     * only when a collection finds it. After {@code collectLoadGarbage} the direct pool is back to its size before the
     * copy (the buffer's cleaner runs on its own thread, so this waits for it, at most 10 s).
     */
    @Test
    void collectLoadGarbageFreesTheStagingBuffers() throws InterruptedException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        int n = 2 << 20; // 8 MiB of fp32
        float[] values = new float[n];
        try (NDManager m = Engines.newManager(Engines.device("cpu"))) {
            NDArray a = m.zeros(new Shape(n));
            long before = direct.getMemoryUsed();
            Engines.assign(a, values);
            assertThat(direct.getMemoryUsed()).as("the staging buffer").isGreaterThanOrEqualTo(before + 4L * n);
            Engines.collectLoadGarbage();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (direct.getMemoryUsed() > before && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(direct.getMemoryUsed()).isLessThanOrEqualTo(before);
        }
    }
}
