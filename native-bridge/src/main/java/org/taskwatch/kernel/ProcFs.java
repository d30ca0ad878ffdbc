package org.taskwatch.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * /proc for any thread: enrichment and finding processes that were alive before taskwatch
 * started, on callers' threads (JMX over RMI, Jolokia's HTTP threads). Each method answers
 * what one {@link ProcFiles} read answers: a process can vanish between any two reads, and
 * every method answers {@code null} (or -1, 0, false, an empty list) for a process that is gone
 * or unreadable, and never throws for that.
 *
 * <p>Threading: safe for any number of threads. It reads through one {@link ProcFiles} (one
 * descriptor of the root and 4 to 36 KiB of native buffers, one thread at a time), opened at
 * the first read and used under this object's lock, one read at a time (a read takes 5 to 50
 * µs). Why one reader under a lock, and not a reader per call, per thread, or a Commons Pool 2
 * pool of them: the README's "Dependencies", from {@code benchmark/jmh ProcReader}.
 *
 * <p>A thread that reads /proc per event (the delivery thread, a scan of every process) takes
 * its own reader with {@link #openFiles} instead, and holds no lock.
 */
public final class ProcFs implements AutoCloseable {
    /** The real {@code /proc}. */
    public static final ProcFs SYSTEM = new ProcFs("/proc");

    private final String root;
    /** The reader of every call; null before the first and after {@link #close}. Guarded by {@code this}. */
    private ProcFiles reader;

    ProcFs(String root) {
        this.root = root;
    }

    /**
     * A reader of another tree laid out as /proc: for tests, a temporary directory with {@code
     * PID/stat}, {@code PID/status}, {@code PID/comm}, {@code PID/cmdline}, {@code PID/exe} (a
     * symbolic link) and {@code PID/task/TID} written by hand. Each method says which file it
     * reads. Close it when done: it holds a descriptor of the tree.
     */
    public static ProcFs at(Path root) {
        return new ProcFs(root.toString());
    }

    /**
     * A reader of this tree for one thread, owned by the caller, who closes it: for reading /proc
     * per event, or many processes in a row. Reads nothing (as if every process were gone) when
     * the tree cannot be opened.
     */
    public ProcFiles openFiles() {
        return ProcFiles.openOrNothing(root);
    }

    /** {@code /proc/PID/comm} without its newline, or null. */
    public String comm(int pid) {
        return withReader(r -> r.comm(pid));
    }

    /** The target of {@code /proc/PID/exe}, or null (gone, a kernel thread, or no permission). */
    public String exe(int pid) {
        return withReader(r -> r.exe(pid));
    }

    /** {@code /proc/PID/cmdline} with its NUL separators turned into spaces (the first 4096 bytes), or null. */
    public String cmdline(int pid) {
        return withReader(r -> r.cmdline(pid));
    }

    /** The parent's pid (field 4 of {@code /proc/PID/stat}), or -1. */
    public int ppid(int pid) {
        Integer v = withReader(r -> r.ppid(pid));
        return v == null ? -1 : v;
    }

    /** The real uid from {@code /proc/PID/status}, or -1. */
    public int uid(int pid) {
        Integer v = withReader(r -> r.uid(pid));
        return v == null ? -1 : v;
    }

    /** The thread group id of a task (a thread's process) from {@code /proc/PID/status}, or -1. */
    public int tgid(int pid) {
        Integer v = withReader(r -> r.tgid(pid));
        return v == null ? -1 : v;
    }

    /**
     * The start time of a process in clock ticks since boot (field 22 of {@code /proc/PID/stat}),
     * or -1. Together with the pid it names one process for ever: a reused pid has a later start.
     */
    public long startTime(int pid) {
        Long v = withReader(r -> r.startTime(pid));
        return v == null ? -1 : v;
    }

    /**
     * The wait status of a process that has exited and not yet been reaped (a zombie: field 52
     * of {@code /proc/PID/stat}), or {@link ExitStatus#UNKNOWN_WAIT_STATUS} when it is not a zombie or gone.
     */
    public int zombieWaitStatus(int pid) {
        Integer v = withReader(r -> r.zombieWaitStatus(pid));
        return v == null ? ExitStatus.UNKNOWN_WAIT_STATUS : v;
    }

    /** The state letter from {@code /proc/PID/stat} ('R', 'S', 'Z', ...), or 0 when gone. */
    public char state(int pid) {
        Character v = withReader(r -> r.state(pid));
        return v == null ? 0 : v;
    }

    /** Whether {@code /proc/PID} is there. */
    public boolean exists(int pid) {
        return Boolean.TRUE.equals(withReader(r -> r.exists(pid)));
    }

    /** Every process now alive (the numeric entries of /proc). */
    public List<Integer> pids() {
        List<Integer> v = withReader(ProcFiles::pids);
        return v == null ? List.of() : v;
    }

    /** The thread ids of a process ({@code /proc/PID/task}), or an empty list when it is gone. */
    public List<Integer> tasks(int pid) {
        List<Integer> v = withReader(r -> r.tasks(pid));
        return v == null ? List.of() : v;
    }

    /**
     * {@code f} applied to this object's reader, under its lock: several reads in one go (the
     * methods above take the lock once each). {@code f} should only read, and must not keep
     * the reader or hand it to another thread.
     */
    public synchronized <T> T withReader(Function<ProcFiles, T> f) {
        if (reader == null || !reader.isOpen()) {
            reader = ProcFiles.openOrNothing(root); // a root that could not be opened is tried again next time
        }
        return f.apply(reader);
    }

    /** Closes its reader (its descriptor). It stays usable: a later read opens one again. */
    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
