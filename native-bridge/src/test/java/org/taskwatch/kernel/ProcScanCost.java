package org.taskwatch.kernel;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures what one scan of the /proc poller costs on this machine: wall time, CPU time and
 * allocation per scan (read /proc, compare with the last scan), with the processes the machine
 * runs plus {@code N} idle ones started for the measurement. Run on purpose, not by the build:
 * <pre>
 * java -cp native-bridge/target/classes:native-bridge/target/test-classes:JNA_JAR \
 *     org.taskwatch.kernel.ProcScanCost [N extra processes, default 0] [scans, default 2000]
 * </pre>
 */
public final class ProcScanCost {
    private ProcScanCost() {}

    public static void main(String[] args) throws Exception {
        int extra = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int scans = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        List<Process> idle = new ArrayList<>();
        try {
            for (int i = 0; i < extra; i++) {
                idle.add(new ProcessBuilder("/bin/sleep", "600").start());
            }
            measure(scans);
        } finally {
            for (Process p : idle) {
                p.destroyForcibly();
            }
        }
    }

    private static void measure(int scans) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ProcChanges.Listener count = new ProcChanges.Listener() {
            @Override public void fork(int parent, int grandparent, int child, long childStartTime) { }
            @Override public void exec(int pid, int ppid) { }
            @Override public void exit(int pid, int ppid, long startTime) { }
        };
        try (ProcScanner scanner = new ProcScanner("/proc")) {
            ProcSnapshot a = new ProcSnapshot(1024);
            ProcSnapshot b = new ProcSnapshot(1024);
            ProcChanges changes = new ProcChanges();
            for (int i = 0; i < 500; i++) { // warm up the JIT
                scanner.scan(a, b);
                changes.compare(a, b, count);
                ProcSnapshot t = a;
                a = b;
                b = t;
            }
            long[] wall = new long[scans];
            long cpu0 = threads.getCurrentThreadCpuTime();
            long alloc0 = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < scans; i++) {
                long t0 = System.nanoTime();
                scanner.scan(a, b);
                changes.compare(a, b, count);
                wall[i] = System.nanoTime() - t0;
                ProcSnapshot t = a;
                a = b;
                b = t;
            }
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long alloc = threads.getCurrentThreadAllocatedBytes() - alloc0;
            Arrays.sort(wall);
            System.out.printf("processes %d, scans %d: wall median %.0f us, p99 %.0f us; cpu %.0f us/scan"
                    + " (%.2f%% of one core at 100 ms); allocated %d B/scan; unreadable %d%n",
                    a.size(), scans, wall[scans / 2] / 1e3, wall[scans * 99 / 100] / 1e3, cpu / 1e3 / scans,
                    cpu / 1e3 / scans / 100_000 * 100, alloc / scans, scanner.unreadable());
        }
    }
}
