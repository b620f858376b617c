package dev.rlhf4j.engine;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Peak resident memory of one phase of this process (Linux), and how much of it the JVM heap can account for.
 *
 * <p>{@link #start} resets the kernel's high-water mark (VmHWM, by writing 5 to /proc/self/clear_refs) and the heap
 * pools' peak usage; {@link Mark#end} reads both back. The whole run's peak is kept across resets
 * ({@link #overallPeakMib}). Off Linux, or where clear_refs is not writable, the figures are the process's peak so far
 * ({@link Phase#reset} false) or −1.
 */
public final class ProcessMemory {
    private ProcessMemory() {}

    private static long overallKib = -1;

    /**
     * One phase: peak and final resident set (MiB), the final one split into anonymous memory and mapped files (libraries); the heap's peak use (sum of the heap pools' peaks, an upper bound),
     * committed size, the non-heap use (metaspace, code cache) and the JVM's direct buffers (native memory freed only
     * when the garbage collector finds their buffers unreachable) at the end; {@code heapShareOfPeak} = peak heap use /
     * peak RSS, {@code committedShareOfPeak} = committed heap / peak RSS.
     */
    public record Phase(String name, double peakRssMib, double rssEndMib, double rssAnonEndMib, double rssFileEndMib,
                        double heapPeakUsedMib, double heapCommittedMib, double nonHeapUsedMib, double directBufferMib,
                        double heapShareOfPeak, double committedShareOfPeak, boolean reset) {
        public String describe() {
            return String.format("%s: peak RSS %.0f MiB (at end %.0f: anonymous %.0f, files %.0f); JVM heap peak use %.0f MiB "
                            + "(%.0f%% of the peak), committed %.0f MiB (%.0f%%), non-heap %.0f MiB, direct buffers %.0f MiB", name,
                    peakRssMib, rssEndMib, rssAnonEndMib, rssFileEndMib, heapPeakUsedMib, 100 * heapShareOfPeak, heapCommittedMib,
                    100 * committedShareOfPeak, nonHeapUsedMib, directBufferMib);
        }
    }

    /** A phase under way. */
    public static final class Mark {
        private final boolean reset;

        private Mark(boolean reset) {
            this.reset = reset;
        }

        /** The phase's figures, read now. */
        public Phase end(String name) {
            // One snapshot of /proc/self/status: the kernel reports VmHWM ≥ VmRSS within one read, while two reads
            // let the resident set grow past the high-water mark read first.
            Map<String, Long> status = status();
            long hwm = field(status, "VmHWM"), rss = field(status, "VmRSS");
            overallKib = Math.max(overallKib, hwm);
            long heapPeak = 0, heapCommitted = 0, nonHeap = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    heapPeak += p.getPeakUsage().getUsed();
                    heapCommitted += p.getUsage().getCommitted();
                } else {
                    nonHeap += p.getUsage().getUsed();
                }
            }
            long direct = 0;
            for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (b.getName().equals("direct")) direct += b.getMemoryUsed();
            }
            double peak = hwm / 1024.0, mib = 1024.0 * 1024.0;
            return new Phase(name, peak, rss / 1024.0, field(status, "RssAnon") / 1024.0, field(status, "RssFile") / 1024.0, heapPeak / mib, heapCommitted / mib, nonHeap / mib, direct / mib,
                    heapPeak / mib / peak, heapCommitted / mib / peak, reset);
        }
    }

    /** Starts a phase: resets the resident high-water mark and the heap pools' peaks. */
    public static Mark start() {
        overallKib = Math.max(overallKib, statusKib("VmHWM"));
        boolean reset;
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            reset = true;
        } catch (IOException | RuntimeException e) {
            reset = false;
        }
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        return new Mark(reset);
    }

    /** The run's peak resident set (MiB) over every phase and before them; −1 off Linux. */
    public static double overallPeakMib() {
        overallKib = Math.max(overallKib, statusKib("VmHWM"));
        return overallKib < 0 ? -1 : overallKib / 1024.0;
    }

    /** A {@code /proc/self/status} field in KiB (VmHWM, VmRSS, RssAnon, ...); −1 when unreadable. */
    public static long statusKib(String field) {
        return field(status(), field);
    }

    private static long field(Map<String, Long> status, String name) {
        return status.getOrDefault(name, -1L);
    }

    /** The kB fields of one read of {@code /proc/self/status}; empty when unreadable (off Linux). */
    private static Map<String, Long> status() {
        Map<String, Long> fields = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.endsWith(" kB")) fields.put(line.substring(0, colon), Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return fields;
    }
}
