package org.taskwatch.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fallback event source, {@code "procfs"}, for where the proc connector is out of reach (a
 * container, another pid namespace) or turned off: a thread that scans /proc every interval
 * (100 ms by default) and tells the same {@link EventHandler} what changed, in frames it fills
 * itself: a new process is a FORK (its parent as /proc names it now), followed by an EXEC when it
 * runs another program than its parent; a process whose program changed is an EXEC; a process
 * that is gone is an EXIT. Pid and start time name a process, so a pid reused between two scans
 * is an exit and a fork, never the same process ({@link ProcChanges} has the rules and their
 * order). Timestamps are when the scan saw the change (CLOCK_MONOTONIC, like the kernel's).
 *
 * <p>Exit status: a process that someone {@link #track tracks} is held by a pidfd, and from Linux
 * 6.15 its exit status comes from {@code PIDFD_GET_INFO} once it is reaped; a tracked process
 * that starts and ends between two scans is still reported (its exit, not its fork). Every other
 * exit has {@link ExitStatus#UNKNOWN_WAIT_STATUS}, never an invented 0. See {@link #limitations()}
 * for what a poller cannot see. It never calls {@link EventHandler#onLoss}: what it misses is not
 * counted, it is what this source is ({@link #degraded()}).
 *
 * <p>Cost: one {@code getdents64} pass over /proc and three syscalls per process per scan, and no
 * allocation while nothing changes (the snapshots, the frame and the read buffers are reused;
 * exits of tracked processes allocate a little).
 *
 * <p>It sees what /proc shows it: the processes of its own pid namespace, less those a
 * {@code hidepid} mount hides from its user.
 *
 * <p>Threading: the poller thread owns the scanner, both snapshots, the change finder and the
 * frame, and calls the handler. The first scan (the baseline, no events) runs on the thread
 * that calls {@link #start}, before the poller thread starts, so that every process started
 * after {@code start} returns is new to it. {@link #track}, {@link #untrack} and {@link #close} may
 * be called from any thread ({@link TrackedProcesses} is thread-safe); the counters are volatile,
 * written by the poller thread only.
 */
public final class ProcPollSource implements EventSource {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(60);
    /** Linux 6.15 added PIDFD_INFO_EXIT (docs/kernel.md, pidfd). */
    static final int EXIT_INFO_MAJOR = 6;
    static final int EXIT_INFO_MINOR = 15;
    /** Failed scans in a row after which /proc is taken to be gone for good. */
    private static final int MAX_FAILED_SCANS = 50;

    private final long intervalNanos;
    private final String reason;
    private final ExitStatusCoverage coverage;
    private final GuardedHandler guarded;
    private final ProcScanner scanner;
    private final TrackedProcesses tracked = new TrackedProcesses(ProcFs.SYSTEM);
    private final Thread thread;

    // poller thread only (the starter's until the thread starts)
    private final ProcChanges changes = new ProcChanges();
    private final Emitter emitter = new Emitter();
    private final EventFrame frame = new EventFrame();
    private final List<TrackedProcesses.Entry> endedUnseen = new ArrayList<>();
    private ProcSnapshot previous = new ProcSnapshot(1024);
    private ProcSnapshot current = new ProcSnapshot(1024);
    private long scanNanos; // when the scan now being compared finished reading /proc
    private int failedScans;
    private Exception lastScanError;

    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile long scans;

    private ProcPollSource(Duration interval, String reason, EventHandler handler, String name, ProcScanner scanner) {
        this.intervalNanos = interval.toNanos();
        this.reason = reason;
        this.guarded = new GuardedHandler(handler);
        this.scanner = scanner;
        this.coverage = KernelVersion.running().atLeast(EXIT_INFO_MAJOR, EXIT_INFO_MINOR)
                ? ExitStatusCoverage.TRACKED : ExitStatusCoverage.NONE;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Scans /proc once (the baseline: no events for what runs now), then starts the poller thread
     * named {@code name}.
     *
     * @param interval time between the starts of two scans, {@link #MIN_INTERVAL} to {@link #MAX_INTERVAL}
     * @param reason why this degraded source is in use, for {@link #degradedReason()}
     * @throws NativeException when /proc cannot be opened or listed
     */
    public static ProcPollSource start(Duration interval, String reason, EventHandler handler, String name)
            throws NativeException {
        checkInterval(interval);
        ProcScanner scanner = new ProcScanner("/proc");
        ProcPollSource s;
        try {
            s = new ProcPollSource(interval, reason, handler, name, scanner);
            scanner.scan(null, s.previous);
        } catch (NativeException | RuntimeException e) {
            scanner.close();
            throw e;
        }
        s.thread.start();
        return s;
    }

    /** @throws IllegalArgumentException unless {@link #MIN_INTERVAL} <= {@code interval} <= {@link #MAX_INTERVAL} */
    public static void checkInterval(Duration interval) {
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("poll interval: must be " + MIN_INTERVAL.toMillis() + " ms to "
                    + MAX_INTERVAL.toSeconds() + " s, got " + (interval == null ? "none" : interval.toMillis() + " ms"));
        }
    }

    @Override
    public String name() {
        return "procfs";
    }

    @Override
    public boolean degraded() {
        return true;
    }

    @Override
    public String degradedReason() {
        return reason;
    }

    @Override
    public String limitations() {
        return "misses processes that start and end between two scans of /proc (every "
                + TimeUnit.NANOSECONDS.toMillis(intervalNanos) + " ms) unless tracked, a second exec between two scans,"
                + " execs of a program by the same name where the kernel hides its code addresses, thread, comm, uid,"
                + " gid, sid, ptrace and coredump events and the CPU of each event; it names a reparented child's new"
                + " parent as its forker, times events by the scan that saw them, "
                + (coverage == ExitStatusCoverage.TRACKED
                        ? "knows exit statuses only of tracked processes"
                        : "knows no exit status (pidfd exit info needs Linux 6.15)")
                + " and sees the pids of its own pid namespace";
    }

    @Override
    public ExitStatusCoverage exitStatusCoverage() {
        return coverage;
    }

    @Override
    public boolean track(int tgid) {
        return tracked.track(tgid) && coverage == ExitStatusCoverage.TRACKED;
    }

    @Override
    public void untrack(int tgid) {
        tracked.untrack(tgid);
    }

    /** Processes held by a pidfd now. */
    public int trackedCount() {
        return tracked.size();
    }

    @Override
    public boolean isRunning() {
        return thread.isAlive();
    }

    @Override
    public boolean failed() {
        return failed;
    }

    @Override
    public long handlerErrors() {
        return guarded.errors();
    }

    /** Scans done since start, the baseline not counted. */
    public long scans() {
        return scans;
    }

    /** The time between two scans. */
    public Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    // ---- the poller thread ----

    private void run() {
        guarded.start();
        try {
            long next = System.nanoTime() + intervalNanos;
            while (running) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    Thread.interrupted(); // an interrupt would make every park return at once: only close stops this thread
                    continue; // woken early (close, or spuriously): look at running and the time again
                }
                next += intervalNanos;
                if (next - System.nanoTime() < 0) {
                    next = System.nanoTime() + intervalNanos; // a scan overran: skip, do not catch up
                }
                scanOnce();
                if (failedScans >= MAX_FAILED_SCANS) {
                    failed = true;
                    guarded.error(new java.io.IOException("the /proc poller stops: " + MAX_FAILED_SCANS
                            + " scans in a row failed, the last with: " + lastScanError, lastScanError));
                    return;
                }
            }
        } finally {
            scanner.close();
        }
    }

    /** One scan and its events. Never throws: a failure is reported and the scan skipped. */
    private void scanOnce() {
        long start = System.nanoTime();
        try {
            scanner.scan(previous, current);
        } catch (NativeException | RuntimeException e) {
            failedScans++;
            lastScanError = e;
            guarded.error(e);
            return; // keep the previous snapshot: compare with it next time
        }
        failedScans = 0;
        scanNanos = System.nanoTime();
        try {
            changes.compare(previous, current, emitter);
            tracked.sweep(current, start, endedUnseen);
            for (int i = 0; i < endedUnseen.size(); i++) {
                TrackedProcesses.Entry e = endedUnseen.get(i);
                frame.polledExit(scanNanos, e.pid, e.ppid, e.finish());
                guarded.event(frame);
            }
        } catch (RuntimeException | Error e) { // a bug here must not stop the poller
            guarded.error(e);
        } finally {
            endedUnseen.clear();
        }
        ProcSnapshot t = previous;
        previous = current;
        current = t;
        scans++;
    }

    /** Turns the changes of one scan into frames for the handler. */
    private final class Emitter implements ProcChanges.Listener {
        @Override
        public void fork(int parent, int grandparent, int child, long childStartTime) {
            frame.polledFork(scanNanos, parent, grandparent, child, childStartTime);
            guarded.event(frame);
        }

        @Override
        public void exec(int pid, int ppid) {
            frame.polledExec(scanNanos, pid, ppid);
            guarded.event(frame);
        }

        @Override
        public void exit(int pid, int ppid, long startTime) {
            int status = ExitStatus.UNKNOWN_WAIT_STATUS;
            if (!tracked.isEmpty()) {
                TrackedProcesses.Entry e = tracked.take(pid, startTime);
                if (e != null) {
                    status = e.finish();
                }
            }
            frame.polledExit(scanNanos, pid, ppid, status);
            guarded.event(frame);
        }
    }



    /** Stops the poller thread (at once, unless a scan is under way), then closes every pidfd. */
    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() != thread) {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        tracked.close();
    }
}
