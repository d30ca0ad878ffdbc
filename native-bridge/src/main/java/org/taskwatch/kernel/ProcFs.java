package org.taskwatch.kernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * /proc for any thread: enrichment and finding processes that were alive before taskwatch
 * started, on callers' threads (JMX over RMI, Jolokia's HTTP threads). Each method answers
 * what one {@link ProcFiles} read answers, which it borrows for the call: a process can vanish
 * between any two reads, and every method answers {@code null} (or -1, 0, false, an empty
 * list) for a process that is gone or unreadable, and never throws for that.
 *
 * <p>Threading: safe for any number of threads. The readers it lends (each a descriptor of the
 * root and 4 to 36 KiB of native buffers, one thread at a time) are kept in a Commons Pool 2 {@link
 * GenericObjectPool}, made at the first read: at most {@value #MAX_READERS} are kept, a call
 * that finds them all lent out reads through a reader of its own, opened and closed for that
 * call (it never waits); a reader is checked on borrow (a closed one is never lent); and an
 * idle reader is closed one to five minutes after its last use, so a quiet agent holds no
 * descriptor for it.
 * Why a pool, and not one reader per thread or one reader behind a lock: the README's
 * "Dependencies", with the numbers from {@code benchmark/jmh ProcReader}.
 *
 * <p>A thread that reads /proc per event (the delivery thread, a scan of every process) takes
 * its own reader with {@link #openFiles} instead of borrowing one per read.
 */
public final class ProcFs implements AutoCloseable {
    /** Readers kept for callers' threads: more threads at once each open one for their call. */
    static final int MAX_READERS = 8;
    /** How long a reader may stay idle before it is closed (checked every {@value #IDLE_CHECK_FACTOR} times that). */
    static final Duration IDLE = Duration.ofSeconds(60);
    /**
     * The evictor's period, in units of {@link #IDLE}: its runs wake even a quiet agent. Every 30 s
     * its thread cost 1.5 ms of CPU a minute, every 4 minutes 0.25 (two idle agents side by side,
     * session 11); an unused reader is then closed within 5 minutes.
     */
    static final int IDLE_CHECK_FACTOR = 4;

    /** The real {@code /proc}. */
    public static final ProcFs SYSTEM = new ProcFs("/proc", IDLE);

    private final String root;
    private final Duration idle;
    /** Made at the first read (its evictor task with it), dropped by {@link #close}; written under {@code this}. */
    private volatile GenericObjectPool<ProcFiles> pool;

    ProcFs(String root, Duration idle) {
        this.root = root;
        this.idle = idle;
    }

    /**
     * A reader of another tree laid out as /proc: for tests, a temporary directory with {@code
     * PID/stat}, {@code PID/status}, {@code PID/comm}, {@code PID/cmdline}, {@code PID/cgroup}, {@code PID/exe} (a
     * symbolic link) and {@code PID/task/TID} written by hand. Each method says which file it
     * reads. Close it when done: its idle readers hold descriptors of the tree.
     */
    public static ProcFs at(Path root) {
        return new ProcFs(root.toString(), IDLE);
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

    /** The cgroup path of {@code pid} in {@code layout}'s hierarchy ({@code /proc/PID/cgroup}), or null. */
    public String cgroup(int pid, CgroupLayout layout) {
        return withReader(r -> r.cgroup(pid, layout));
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
     * Closes every reader it keeps (the idle ones now, those lent out when they come back) and
     * their pool. It stays usable: a later read makes a new pool. (For {@link #SYSTEM}, idle
     * eviction closes the readers on its own a minute after the last read.)
     */
    @Override
    public void close() {
        GenericObjectPool<ProcFiles> p;
        synchronized (this) {
            p = pool;
            pool = null;
        }
        if (p != null) {
            p.close(); // a reader given back to a closed pool is closed (destroyObject)
        }
    }

    /** Readers it keeps now, idle and lent out (for tests; never more than there are). */
    int readersKept() {
        GenericObjectPool<ProcFiles> p = pool;
        if (p == null) {
            return 0;
        }
        long created = p.getCreatedCount(); // first: a count taken later can only have grown
        return (int) (created - p.getDestroyedCount());
    }

    /**
     * {@code f} applied to a reader of this tree lent for the call, for several reads with one
     * borrowing (the methods above borrow one each). {@code f} must not keep the reader or hand
     * it to another thread.
     */
    public <T> T withReader(Function<ProcFiles, T> f) {
        GenericObjectPool<ProcFiles> p = pool();
        ProcFiles r;
        try {
            r = p.borrowObject();
        } catch (Exception allLentOutOrClosedOrRootUnopenable) { // NoSuchElement, IllegalState, Native
            try (ProcFiles own = ProcFiles.openOrNothing(root)) {
                return f.apply(own);
            }
        }
        try {
            return f.apply(r);
        } finally {
            p.returnObject(r);
        }
    }

    private GenericObjectPool<ProcFiles> pool() {
        GenericObjectPool<ProcFiles> p = pool;
        if (p == null) {
            synchronized (this) {
                p = pool;
                if (p == null) {
                    pool = p = new GenericObjectPool<>(new Readers(root), config(idle));
                }
            }
        }
        return p;
    }

    static GenericObjectPoolConfig<ProcFiles> config(Duration idle) {
        GenericObjectPoolConfig<ProcFiles> c = new GenericObjectPoolConfig<>();
        c.setMaxTotal(MAX_READERS);
        c.setMaxIdle(MAX_READERS);
        c.setMinIdle(0);
        c.setBlockWhenExhausted(false); // all lent out: the caller opens its own (see read)
        c.setTestOnBorrow(true);
        c.setMinEvictableIdleDuration(idle);
        c.setTimeBetweenEvictionRuns(idle.multipliedBy(IDLE_CHECK_FACTOR));
        c.setNumTestsPerEvictionRun(MAX_READERS);
        c.setJmxEnabled(false); // no MBean of the pool's own beside taskwatch's
        return c;
    }

    /** Opens, checks and closes the pool's readers. */
    private static final class Readers extends BasePooledObjectFactory<ProcFiles> {
        private final String root;

        Readers(String root) {
            this.root = root;
        }

        @Override
        public ProcFiles create() throws NativeException {
            return ProcFiles.open(root);
        }

        @Override
        public PooledObject<ProcFiles> wrap(ProcFiles r) {
            return new DefaultPooledObject<>(r);
        }

        @Override
        public boolean validateObject(PooledObject<ProcFiles> p) {
            return p.getObject().isOpen();
        }

        @Override
        public void destroyObject(PooledObject<ProcFiles> p) {
            p.getObject().close();
        }
    }
}
