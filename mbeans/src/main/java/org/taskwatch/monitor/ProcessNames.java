package org.taskwatch.monitor;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.CommandRule;
import org.taskwatch.kernel.IntIntMap;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;
import org.taskwatch.kernel.TaskstatsExits;

/**
 * What command watches know of a process: its command read from /proc at exec, and, for a
 * process that was gone before that read (a script that fails 0.3 ms after its exec), its name at
 * exit from the kernel's exit records ({@link ExitNames}, taskstats). Also the one place the
 * {@link CommandRule} is applied for the monitor, on the reader thread ({@link #test}, counted
 * per watch) and on callers' threads ({@link #matchesNow}). And, for cgroup watches, whether an
 * exec'ing process is in their cgroups ({@link #cgroupMatches}, one read of {@code
 * /proc/PID/cgroup} on the reader's own /proc reader, allocating nothing).
 *
 * <p>Threads: the reader thread calls {@link #readAtExec}, {@link #keepForExit}, {@link
 * #takeKept}, {@link #takeNameAtExit}, {@link #test} and {@link #onBatch}, and owns {@link
 * #execReads}, the caches and the open exit-name source. A registering thread calls {@link
 * #commandWatchAdded} (under the registry's write lock), which opens the source and hands it
 * over through {@link #pending}, so that every process that execs after the registration
 * returns is covered; {@link #commandWatchRemoved} lets the reader close it after the last.
 * {@link #matchesNow} runs on any thread with a rule of its own.
 */
final class ProcessNames implements AutoCloseable {
    /** Pids remembered as unread at exec; beyond this, exits were lost and the set starts over. */
    static final int MAX_UNREAD_EXECS = 4096;
    /** Commands kept from exec for the exits of command watches' members. */
    static final int MAX_KEPT = 16384;

    /** A source of process names at exit: the taskstats listener, or a test's. */
    interface ExitNames extends AutoCloseable {
        /** Takes the records the kernel sent since the last call (before the batch's exits). */
        void drain();

        /** The name of {@code pid} at its exit, if its record was drained, else null; forgets it. */
        String takeComm(int pid);

        @Override
        void close();
    }

    /** Opens an {@link ExitNames}. */
    interface ExitNamesOpener {
        ExitNames open() throws IOException;
    }

    /** The kernel's: a taskstats listener on every CPU's exits. */
    static final ExitNamesOpener TASKSTATS = () -> {
        TaskstatsExits t = TaskstatsExits.open();
        return new ExitNames() {
            @Override
            public void drain() {
                t.drain();
            }

            @Override
            public String takeComm(int pid) {
                return t.takeComm(pid);
            }

            @Override
            public void close() {
                t.close();
            }
        };
    };

    private final ProcFiles execReads;
    private final ProcFs proc;
    private final CgroupLayout layout;
    private final ExitNamesOpener opener;
    private final CommandRule readerRule = new CommandRule();
    /** Why names at exit are not used ("" while they may be): set once at start, or by a failed open. */
    private volatile String problem = "not enabled";
    private volatile int commandWatches; // written under this
    private boolean opened; // guarded by this: pending, or the reader's
    private volatile ExitNames pending;
    private ExitNames exitNames; // reader thread
    /** Pids whose exec could not be read (reader thread): their exit is matched by its name. */
    private final IntIntMap unreadExecs = new IntIntMap(64);
    /**
     * What was read at the exec of command watches' members (reader thread), for their exit
     * notification: delivery sees no exec a watch did not want, and the process is gone by then.
     */
    private final Map<Integer, ProcessDetails.Info> kept = new HashMap<>();

    /**
     * @param execReads the reader thread's /proc reader (this object closes it)
     * @param proc for callers' threads
     * @param opener opens the exit-name source with the first command watch
     */
    ProcessNames(ProcFiles execReads, ProcFs proc, ExitNamesOpener opener) {
        this(execReads, proc, opener, CgroupLayout.system());
    }

    /** @param layout which cgroup hierarchy names a process's cgroup here */
    ProcessNames(ProcFiles execReads, ProcFs proc, ExitNamesOpener opener, CgroupLayout layout) {
        this.layout = layout;
        this.execReads = execReads;
        this.proc = proc;
        this.opener = opener;
    }

    /**
     * Whether names at exit may be used: {@code problem} null when they may, else why not (no
     * taskstats, or an event source without the kernel's exit events to pair them with). Once,
     * before the first command watch.
     */
    void useExitNames(String why) {
        problem = why == null ? "" : why;
    }

    /** Why names at exit are not used, or empty. */
    String exitNamesProblem() {
        return problem;
    }

    // ---- registering threads ----

    /** A command watch is being registered: open the exit-name source for the reader to take. */
    synchronized void commandWatchAdded() {
        commandWatches++;
        if (opened || !problem.isEmpty()) {
            return;
        }
        try {
            pending = opener.open();
            opened = true;
        } catch (IOException e) {
            problem = e.getMessage(); // not tried again
        }
    }

    /** A command watch is gone: after the last, the reader closes the source. */
    synchronized void commandWatchRemoved() {
        commandWatches--;
    }

    // ---- the reader thread ----

    /**
     * Before a batch's events: takes over a newly opened source, closes it once no command watch
     * is left, and takes the names of the processes that exited meanwhile.
     */
    void onBatch() {
        ExitNames opening = pending;
        if (opening != null) {
            pending = null;
            exitNames = opening;
        }
        if (exitNames != null && commandWatches == 0) {
            synchronized (this) {
                if (commandWatches == 0) { // still none: a registration meanwhile keeps it
                    exitNames.close();
                    exitNames = null;
                    opened = false;
                    unreadExecs.clear();
                }
            }
        }
        if (exitNames != null) {
            exitNames.drain();
        }
        if (commandWatches == 0 && !kept.isEmpty()) {
            kept.clear(); // the last command watch went: nobody will want these exits
        }
    }

    /**
     * The command of {@code pid}, read at its exec; comm null when it is gone already, and then,
     * while names at exit are available, its exit will be matched by its name.
     */
    ProcessDetails.Info readAtExec(int pid) {
        ProcessDetails.Info read = ProcessDetails.Info.read(execReads, pid, layout);
        if (read.comm() == null && exitNames != null) {
            if (unreadExecs.size() >= MAX_UNREAD_EXECS) {
                unreadExecs.clear(); // exits were lost: these pids' exits will never come
            }
            unreadExecs.put(pid, 1, 0);
        }
        return read;
    }

    /** Keeps what was read at the exec of a process that joined a command watch, for its exit. */
    void keepForExit(int pid, ProcessDetails.Info read) {
        if (kept.size() < MAX_KEPT) {
            kept.put(pid, read);
        }
    }

    /** What {@link #keepForExit} kept of {@code pid}, or null; forgets it. Boxes: call for members only. */
    ProcessDetails.Info takeKept(int pid) {
        return kept.isEmpty() ? null : kept.remove(pid);
    }

    /**
     * At an exit: the name of a process whose exec could not be read, at its exit; null for every
     * other process (allocates nothing for them).
     */
    String takeNameAtExit(int pid) {
        if (unreadExecs.size() == 0 || unreadExecs.remove(pid, 0) == 0 || exitNames == null) {
            return null;
        }
        return exitNames.takeComm(pid);
    }

    /** The rule on the reader thread: whether {@code w}'s pattern matches; an abandoned search is counted on it. */
    boolean test(Watch w, String comm, String exe, String cmdline) {
        CommandRule.Outcome o = readerRule.test(w.pattern(), comm, exe, cmdline);
        if (o == CommandRule.Outcome.ABANDONED) {
            w.countAbandonedMatch();
        }
        return o == CommandRule.Outcome.MATCH;
    }

    /**
     * Whether {@code pid} is in each of {@code patterns[0..count)}, into {@code matched}: false
     * (and {@code matched} untouched) when its cgroup cannot be read. Allocates nothing.
     */
    boolean cgroupMatches(int pid, CgroupPattern[] patterns, int count, boolean[] matched) {
        return execReads.cgroupMatches(pid, layout, patterns, count, matched);
    }

    // ---- any thread ----

    /** Which cgroup hierarchy names a process's cgroup here. */
    CgroupLayout layout() {
        return layout;
    }

    /** Whether process {@code pid}'s command matches {@code p} now (false when it is gone or the search was abandoned). */
    boolean matchesNow(Pattern p, int pid) {
        return proc.withReader(r -> matchesNow(p, r, pid));
    }

    /** {@link #matchesNow(Pattern, int)} through a reader the caller holds (a scan of every process). */
    boolean matchesNow(Pattern p, ProcFiles r, int pid) {
        return new CommandRule().matches(p, r.comm(pid), r.exe(pid), r.cmdline(pid));
    }

    /** After the reader thread has stopped. */
    @Override
    public void close() {
        execReads.close();
        for (ExitNames n : new ExitNames[] {exitNames, pending}) {
            if (n != null) {
                n.close();
            }
        }
        exitNames = null;
        pending = null;
    }
}
