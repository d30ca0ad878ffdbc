package org.taskwatch.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The processes someone watches, each held by a pidfd so that the poller can learn how it ended:
 * from Linux 6.15 {@code PIDFD_GET_INFO} gives the exit status of a reaped process to whoever
 * opened a pidfd on it before the reap (docs/kernel.md, pidfd), child or not. The pidfd is opened by
 * {@link #track} at once, on the caller's thread: a process that ends before the next scan is
 * still caught.
 *
 * <p>Each process is known by pid and start time (read from /proc right after the pidfd was
 * opened), so that an exit is matched only with the process the pidfd names, never with another
 * that has its pid. Tracking is counted: {@link #untrack} closes the pidfd when the last tracker
 * lets go, and the poller takes the entry when the process ends (a later untrack of it is a
 * no-op).
 *
 * <p>Threading: {@link #track}, {@link #untrack} and {@link #close} from any thread; {@link #take}
 * and {@link #sweep} from the poller thread. Everything is guarded by {@code this}; the pidfd of an
 * entry that has been taken out belongs to whoever took it.
 */
final class TrackedProcesses implements AutoCloseable {
    /** A start time not known: the process had exited before it could be read. */
    static final long ANY_START = -1;

    /** One tracked process. */
    static final class Entry {
        final int pid;
        final int ppid;
        final long startTime;
        final Pidfd pidfd;
        int trackers = 1;
        /** When tracking began (System.nanoTime): only scans that began later may miss it as gone. */
        final long trackedAtNanos;
        /** A scan has seen it alive: from then on its exit shows as a vanished process. */
        boolean seen;

        Entry(int pid, int ppid, long startTime, Pidfd pidfd, long trackedAtNanos) {
            this.pid = pid;
            this.ppid = ppid;
            this.startTime = startTime;
            this.pidfd = pidfd;
            this.trackedAtNanos = trackedAtNanos;
        }

        /** The wait status from the pidfd, or {@link ExitStatus#UNKNOWN_WAIT_STATUS}; closes the pidfd. */
        int finish() {
            try {
                return pidfd.exitWaitStatus();
            } finally {
                pidfd.close();
            }
        }
    }

    private final ProcFs proc;
    private final Map<Integer, Entry> byPid = new HashMap<>(); // guarded by this
    private int unseen; // guarded by this
    private boolean closed; // guarded by this
    private volatile int size;

    TrackedProcesses(ProcFs proc) {
        this.proc = proc;
    }

    /**
     * Holds a pidfd on {@code pid} until it ends or is untracked.
     *
     * @return false when that is not possible: no such process, pidfds not supported (before
     *     Linux 5.3), out of file descriptors, or closed
     */
    boolean track(int pid) {
        if (pid <= 0) {
            return false;
        }
        Pidfd fd;
        try {
            fd = Pidfd.open(pid);
        } catch (NativeException e) {
            return false;
        }
        if (fd == null) {
            return false;
        }
        // read after the open: while the pidfd shows the process running, /proc/PID is that process
        long start = proc.startTime(pid);
        int ppid = proc.ppid(pid);
        boolean exited;
        try {
            exited = fd.awaitExit(0);
        } catch (NativeException e) {
            exited = true;
        }
        if (exited || start < 0) {
            start = ANY_START; // it ended already: /proc/PID may be its zombie, or gone, or another process
        }
        synchronized (this) {
            Entry old = byPid.get(pid);
            if (closed || old != null && old.startTime == start) {
                fd.close(); // tracked already: one pidfd is enough
                if (closed) {
                    return false;
                }
                old.trackers++;
                return true;
            }
            if (old != null) {
                // one entry per pid: an earlier process with this pid whose exit has not been
                // seen yet (a pid reused within one scan interval) loses its exit status
                remove(old).pidfd.close();
            }
            byPid.put(pid, new Entry(pid, Math.max(ppid, 0), start, fd, System.nanoTime()));
            unseen++;
            size = byPid.size();
            return true;
        }
    }

    /** Lets go of one {@link #track} of {@code pid}; the pidfd closes with the last. */
    synchronized void untrack(int pid) {
        Entry e = byPid.get(pid);
        if (e != null && --e.trackers <= 0) {
            remove(e).pidfd.close();
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Tracked processes now. */
    int size() {
        return size;
    }

    /**
     * The exit of ({@code pid}, {@code startTime}) was seen: takes its entry out, if it is
     * tracked. The caller then owns the entry (see {@link Entry#finish}).
     */
    synchronized Entry take(int pid, long startTime) {
        Entry e = byPid.get(pid);
        if (e == null || e.startTime != startTime && e.startTime != ANY_START) {
            return null;
        }
        return remove(e);
    }

    /**
     * After a scan: marks tracked processes that {@code now} shows alive as seen, and takes out
     * those that were never seen and are gone already (they started and ended between two scans,
     * or ended before they were tracked), into {@code ended}. Only processes tracked before the
     * scan began ({@code scanStartNanos}) can be missing from it for having ended. Allocates only
     * when there are such processes.
     */
    synchronized void sweep(ProcSnapshot now, long scanStartNanos, List<Entry> ended) {
        if (unseen == 0) {
            return;
        }
        for (Iterator<Entry> it = byPid.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (e.seen) {
                continue;
            }
            int s = now.slotOf(e.pid);
            if (s >= 0 && e.startTime != ANY_START && now.startTime(s) == e.startTime) {
                e.seen = true;
                unseen--;
                continue;
            }
            if (e.trackedAtNanos - scanStartNanos >= 0) {
                continue; // tracked while this scan ran: /proc may have been listed before it started
            }
            if (e.startTime == ANY_START && s >= 0 && e.pidfd.exitWaitStatus() == ExitStatus.UNKNOWN_WAIT_STATUS) {
                continue; // ended before it was tracked, and /proc still has it: its zombie, not reaped yet
            }
            it.remove();
            unseen--;
            ended.add(e);
        }
        size = byPid.size();
    }

    private Entry remove(Entry e) {
        byPid.remove(e.pid);
        if (!e.seen) {
            unseen--;
        }
        size = byPid.size();
        return e;
    }

    /** Closes every pidfd; {@link #track} fails from now on. */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byPid.values());
            byPid.clear();
            unseen = 0;
            size = 0;
        }
        for (Entry e : all) {
            e.pidfd.close();
        }
    }
}
