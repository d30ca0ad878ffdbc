package org.taskwatch.kernel;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures what a kernel BPF filter saves the reader thread: the CPU time of a
 * {@link ProcEventReader}'s thread during storms from {@code storm.c} (two stormers, one per
 * core), without a filter and with one that lets through only an idle process. Run on purpose,
 * not by the build (timing on a shared machine is no test):
 * <pre>
 * mvn -o -q -pl native-bridge test-compile
 * java -cp native-bridge/target/classes:native-bridge/target/test-classes:JNA_JAR \
 *     org.taskwatch.kernel.FilterCost ../shared/bench/storm.c [events per stormer, default 200000] [fork|exec|thread ...]
 * </pre>
 * For each storm and mode it prints the events the stormers generated, the events the reader
 * handed to its handler, the reader thread's CPU time during the storm (utime + stime from
 * {@code /proc/self/task/TID/stat}, in clock ticks of 10 ms, and the JVM's nanosecond thread
 * clock), CPU per 1000 generated events, and the socket's drops.
 */
public final class FilterCost {
    private static final String THREAD = "filter-cost";

    private FilterCost() {}

    /** Counts what the reader delivers; written by the reader thread only. */
    private static final class Counter implements EventHandler {
        volatile long events;
        volatile long lost;

        @Override
        public void onEvent(EventFrame frame) {
            events++;
        }

        @Override
        public void onLoss(long count, String cause) {
            lost += Math.max(count, 1);
        }
    }

    public static void main(String[] args) throws Exception {
        Path storm = compile(Path.of(args.length > 0 ? args[0] : "../shared/bench/storm.c"));
        long perStormer = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
        List<String> storms = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("fork", "exec", "thread");
        Process idle = new ProcessBuilder("/bin/sleep", "3600").start();
        Counter counter = new Counter();
        try (ProcEventReader reader = ProcEventReader.start(ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER),
                counter, THREAD)) {
            int tid = readerTid();
            Thread javaThread = javaThread();
            BpfProgram onlyIdle = BpfProgram.builder().acceptProcesses(BpfProgram.KNOWN_EVENTS, (int) idle.pid())
                    .acceptForksOf((int) idle.pid()).build();
            System.out.printf("reader tid %d; filter: %s; %d events per stormer, 2 stormers%n", tid, onlyIdle, perStormer);
            System.out.printf("%-7s %-5s %10s %10s %8s %9s %12s %7s %6s%n", "storm", "mode", "generated", "delivered",
                    "cpu ms", "(ticks)", "us/1k events", "drops", "gaps");
            for (String kind : storms) {
                for (boolean filtered : new boolean[] {false, true}) {
                    if (filtered) {
                        reader.setFilter(onlyIdle);
                    } else {
                        reader.clearFilter();
                    }
                    run(storm, kind, perStormer / 10); // warm-up, not measured
                    settle(counter);
                    long events0 = counter.events;
                    long drops0 = reader.connector().kernelDrops();
                    long gaps0 = reader.connector().sequenceGaps();
                    long ticks0 = procTicks(tid);
                    long nanos0 = cpuNanos(javaThread);
                    run(storm, kind, perStormer);
                    settle(counter);
                    long ticks = procTicks(tid) - ticks0;
                    long nanos = cpuNanos(javaThread) - nanos0;
                    long generated = 2 * perStormer * (kind.equals("exec") ? 3 : 2);
                    System.out.printf("%-7s %-5s %10d %10d %8.0f %9d %12.1f %7d %6d%n", kind, filtered ? "bpf" : "none",
                            generated, counter.events - events0, nanos / 1e6, ticks, nanos / 1e3 / (generated / 1000.0),
                            reader.connector().kernelDrops() - drops0, reader.connector().sequenceGaps() - gaps0);
                }
            }
            reader.clearFilter();
        } finally {
            idle.destroyForcibly();
        }
    }

    private static Path compile(Path source) throws IOException, InterruptedException {
        if (!source.toString().endsWith(".c")) {
            return source;
        }
        Path binary = Files.createTempDirectory("filter-cost").resolve("storm");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-pthread", "-o", binary.toString(), source.toString()).inheritIO().start();
        if (gcc.waitFor() != 0) {
            throw new IllegalStateException("gcc failed for " + source);
        }
        return binary;
    }

    /** Two stormers at once, one per core of these machines. */
    private static void run(Path storm, String kind, long n) throws IOException, InterruptedException {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(new ProcessBuilder(storm.toString(), Long.toString(n), kind).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start());
        }
        for (Process p : ps) {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("storm " + kind + " failed");
            }
        }
    }

    /** Waits until the reader has handled what is queued (nothing new for half a second). */
    private static void settle(Counter c) throws InterruptedException {
        long last = -1;
        while (c.events != last) {
            last = c.events;
            Thread.sleep(500);
        }
    }

    private static int readerTid() throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    if (Files.readString(t.resolve("comm")).trim().equals(THREAD)) {
                        return Integer.parseInt(t.getFileName().toString());
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no thread named " + THREAD);
    }

    private static Thread javaThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(THREAD)).findFirst()
                .orElseThrow();
    }

    /** utime + stime (fields 14 and 15 of /proc/self/task/TID/stat), in clock ticks. */
    private static long procTicks(int tid) throws IOException {
        String s = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // f[0] is field 3
    }

    private static long cpuNanos(Thread t) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return mx.getThreadCpuTime(t.getId());
    }
}
