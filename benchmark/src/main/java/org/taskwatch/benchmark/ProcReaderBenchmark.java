package org.taskwatch.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.taskwatch.kernel.NativeException;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;

/**
 * How callers' threads (JMX over RMI, Jolokia's HTTP threads) should get a {@link ProcFiles}, a
 * reader that holds a descriptor of /proc and native buffers and is not thread-safe. Each
 * operation reads this JVM's own /proc entry through one way of getting a reader:
 *
 * <ul>
 *   <li>{@code javaFileApi}: no reader, Java's file API ({@code Files.readAllBytes},
 *       {@code readSymbolicLink}), as {@code ProcFs} read before it used {@code ProcFiles};
 *   <li>{@code perCall}: a reader opened and closed per operation;
 *   <li>{@code threadLocal}: one reader per thread, never closed;
 *   <li>{@code synchronizedReader}: one reader, one thread at a time;
 *   <li>{@code pool}: {@link ProcFs#withReader}, a reader borrowed from its Commons Pool 2
 *       {@code GenericObjectPool} (bounded, checked on borrow, idle readers evicted, JMX off);
 *   <li>{@code freeList}: a plain {@code ConcurrentLinkedQueue} of idle readers (unbounded, never
 *       evicted): what a pool costs beyond a free list.
 * </ul>
 *
 * <p>{@code read}: {@code comm} (one small file: the cheapest read, where getting a reader weighs
 * most) or {@code process} (comm, exe, cmdline, state and start time: what a caller reads to
 * describe a process). Run with {@code -t 1} and {@code -t 4}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ProcReaderBenchmark {
    @Param({"comm", "process"})
    public String read;

    /**
     * Whose entry: {@code self}, this JVM (its threads take its memory map's lock, as cmdline
     * reads do), or {@code other}, a {@code sleep} started for the trial.
     */
    @Param({"self", "other"})
    public String target;

    private int pid;
    private Process other;

    private boolean process;
    private ProcFiles shared;
    private ThreadLocal<ProcFiles> perThread;
    private ConcurrentLinkedQueue<ProcFiles> free;
    private ProcFs pool;
    private final ConcurrentLinkedQueue<ProcFiles> opened = new ConcurrentLinkedQueue<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        process = read.equals("process");
        if (target.equals("other")) {
            other = new ProcessBuilder("sleep", "3600").start();
            pid = (int) other.pid();
        } else {
            pid = (int) ProcessHandle.current().pid();
        }
        shared = ProcFiles.open("/proc");
        perThread = ThreadLocal.withInitial(() -> {
            ProcFiles r = ProcFiles.openOrNothing("/proc");
            opened.add(r);
            return r;
        });
        free = new ConcurrentLinkedQueue<>();
        pool = ProcFs.at(Path.of("/proc"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (other != null) {
            other.destroy();
            other.waitFor();
        }
        shared.close();
        pool.close();
        for (ProcFiles r : free) {
            r.close();
        }
        for (ProcFiles r : opened) {
            r.close();
        }
    }

    private long readWith(ProcFiles r) {
        long h = r.comm(pid).length();
        if (process) {
            h += r.exe(pid).length() + r.cmdline(pid).length() + r.state(pid) + r.startTime(pid);
        }
        return h;
    }

    @Benchmark
    public long javaFileApi() throws IOException {
        Path dir = Path.of("/proc/" + pid);
        long h = new String(Files.readAllBytes(dir.resolve("comm")), StandardCharsets.UTF_8).length();
        if (process) {
            h += Files.readSymbolicLink(dir.resolve("exe")).toString().length();
            h += new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').length();
            String stat = new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.UTF_8);
            h += stat.charAt(stat.lastIndexOf(')') + 2);
            String stat2 = new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.UTF_8);
            h += Long.parseLong(stat2.substring(stat2.lastIndexOf(')') + 2).split(" ")[19]);
        }
        return h;
    }

    @Benchmark
    public long perCall() throws NativeException {
        try (ProcFiles r = ProcFiles.open("/proc")) {
            return readWith(r);
        }
    }

    @Benchmark
    public long threadLocal() {
        return readWith(perThread.get());
    }

    @Benchmark
    public long synchronizedReader() {
        synchronized (shared) {
            return readWith(shared);
        }
    }

    @Benchmark
    public long pool() {
        return pool.withReader(this::readWith);
    }

    @Benchmark
    public long freeList() throws NativeException {
        ProcFiles r = free.poll();
        if (r == null) {
            r = ProcFiles.open("/proc");
        }
        try {
            return readWith(r);
        } finally {
            free.offer(r);
        }
    }
}
