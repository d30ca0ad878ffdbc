package org.taskwatch.monitor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
import org.taskwatch.benchmark.ProcDatagrams;
import org.taskwatch.kernel.BenchmarkThreadTracker;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ProcEventCodec;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;

/**
 * The reader thread's cost for an event nobody watches, which is almost every event on a real
 * machine. Issue: "the hot path allocates nothing for events nobody watches"; run with
 * {@code -prof gc}, gc.alloc.rate.norm must be 0 B/op.
 *
 * <p>{@link #readerPath} replays, for hand-built datagrams, what the reader thread does after
 * recvfrom: {@link ProcEventCodec#decode} into a reused {@link EventFrame}, the thread tracker's
 * classification ({@code ProcEventReader.dispatch}), and {@code TaskMonitor.Pipeline.onEvent}:
 * counters, the recent-exit cache, and the registry's onEvent. The
 * registry holds ten single-process watches on live {@code sleep} processes, none of which the
 * events name. This class sits in the registry's package (in the benchmark jar) so that the
 * production API need not widen; keep {@link #onEvent} in step with the pipeline.
 *
 * <p>{@code event}: one FORK of a new process, one EXEC, one process EXIT, or {@code thread}: a
 * thread create and its exit (two datagrams per operation). {@code bucket}: whether the
 * event's processes hash to a registry bucket of their own ({@code empty}, the common case) or
 * share one with a watched process ({@code shared}: the lookup walks a member that does not
 * match, and a fork or exit takes the registry's write lock to look for stale members).
 * {@code cgroupWatch}: {@code none}, or {@code cgroup}: a cgroup watch that the events' processes
 * are not in is registered too, so an exec reads the process's {@code /proc/PID/cgroup} on the
 * reader thread (for an exec the process is then this JVM, alive, whose cgroup can be read; the
 * bucket is its own) and must still allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NonMatchingEventBenchmark {
    private static final int WATCHED_PROCESSES = 10;

    @Param({"fork", "exec", "exit", "thread"})
    public String event;

    @Param({"empty", "shared"})
    public String bucket;

    @Param({"none", "cgroup"})
    public String cgroupWatch;

    private final List<Process> sleepers = new ArrayList<>();
    private final EventFrame frame = new EventFrame();
    private final MatchBuffer matched = new MatchBuffer();
    private final Statistics stats = new Statistics();
    private final RecentExits recentExits = new RecentExits(MonitorSettings.defaults().recentExits(),
            MonitorSettings.defaults().maxWatches(), MonitorSettings.defaults().watchedExitSeconds());
    private final BenchmarkThreadTracker tracker = new BenchmarkThreadTracker();
    private ProcessNames names;
    private WatchRegistry registry;
    private ByteBuffer first;
    private ByteBuffer second; // null unless the operation is two datagrams

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        MonitorSettings s = MonitorSettings.defaults();
        names = new ProcessNames(ProcFiles.openOrNothing("/proc"), ProcFs.SYSTEM, ProcessNames.TASKSTATS);
        registry = new WatchRegistry(ProcFs.SYSTEM, names, s.maxWatches(), s.maxPatternLength());
        Set<Integer> watchedBuckets = new HashSet<>();
        Set<Integer> watchedPids = new HashSet<>();
        for (int i = 0; i < WATCHED_PROCESSES; i++) {
            Process p = new ProcessBuilder("sleep", "3600").start();
            sleepers.add(p);
            int pid = (int) p.pid();
            registry.watchProcess(pid, EventType.ALL, false, null);
            watchedPids.add(pid);
            watchedBuckets.add(bucketOf(pid));
        }
        boolean shared = bucket.equals("shared");
        int process = pidIn(watchedBuckets, watchedPids, shared, 200_000);
        if (cgroupWatch.equals("cgroup")) {
            registry.watchCgroup(CgroupPattern.cgroup("/taskwatch-benchmark-matches-nothing"), EventType.ALL, false);
            if (event.equals("exec")) {
                process = (int) ProcessHandle.current().pid();
            }
        }
        int child = pidIn(watchedBuckets, watchedPids, shared, process + 1);
        int parent = 1;
        int thread = child; // a thread id of process
        long now = System.nanoTime();
        switch (event) {
            case "fork":
                first = ProcDatagrams.fork(process, process, child, child, now);
                break;
            case "exec":
                first = ProcDatagrams.exec(process, now);
                break;
            case "exit":
                first = ProcDatagrams.exit(process, process, 3 << 8, 17, parent, now);
                break;
            case "thread":
                // the kernel names the process's parent in a clone's parent fields (docs/kernel.md, What the events mean)
                first = ProcDatagrams.fork(parent, parent, thread, process, now);
                second = ProcDatagrams.exit(thread, process, 0, -1, 0, now);
                break;
            default:
                throw new IllegalArgumentException("event: " + event);
        }
        if (readerPath() != 0) {
            throw new IllegalStateException("the event matched a watch: the benchmark would measure delivery");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Process p : sleepers) {
            p.destroy();
        }
        names.close();
    }

    /** The codec alone, for scale. */
    @Benchmark
    public int decode() {
        return ProcEventCodec.decode(first, 0, ProcDatagrams.SIZE, frame);
    }

    /** Decode, classify, count and look up: everything the reader does for an unwatched event. Returns the matches (0). */
    @Benchmark
    public int readerPath() {
        int n = onMessage(first);
        return second == null ? n : n + onMessage(second);
    }

    private int onMessage(ByteBuffer message) {
        if (ProcEventCodec.decode(message, 0, ProcDatagrams.SIZE, frame) <= 0) {
            return -1;
        }
        boolean processGone = tracker.classify(frame);
        int n = onEvent(frame);
        if (processGone) {
            tracker.endProcess(frame);
            n += onEvent(frame);
        }
        return n;
    }

    /** TaskMonitor.Pipeline.onEvent up to the handoff, which a non-matching event never reaches. */
    private int onEvent(EventFrame f) {
        EventType type = f.type();
        if (type == null) {
            return 0;
        }
        boolean exit = type == EventType.EXIT;
        stats.received(type, exit && f.waitStatus() != 0, f.timestampNanos());
        if (exit) {
            recentExits.record(f.tgid(), f.waitStatus(), f.timestampNanos());
        }
        registry.onEvent(f, matched);
        return matched.size();
    }

    /** The first pid from {@code from} on that is not watched and lies (or not) in a watched bucket. */
    private static int pidIn(Set<Integer> buckets, Set<Integer> watched, boolean inWatchedBucket, int from) {
        for (int pid = from; pid < 4_194_304; pid++) {
            if (!watched.contains(pid) && buckets.contains(bucketOf(pid)) == inWatchedBucket) {
                return pid;
            }
        }
        throw new IllegalStateException("no pid found");
    }

    /** The registry's own bucket hash (called, not copied, so that the two cannot drift apart). */
    private static int bucketOf(int pid) {
        return WatchRegistry.index(pid);
    }
}
