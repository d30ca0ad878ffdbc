package org.taskwatch.monitor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.taskwatch.kernel.CommandRule;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.IntIntMap;
import org.taskwatch.kernel.NativeException;
import org.taskwatch.kernel.Pidfd;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;
import org.taskwatch.kernel.TaskstatsExits;

/**
 * The one watch registry that every client (JMX, Jolokia, the CLI) shares: kmonitor's hashed
 * filter, done for a JVM. It answers, for each event, which watches want it.
 *
 * <p>Structure: a fixed table of {@value #BUCKETS} buckets keyed by process id (tgid), each an
 * immutable array of {@link Member}s (one per process a watch follows), plus immutable arrays
 * of the all-process and command watches.
 *
 * <p>Threading: the reader thread calls {@link #match} and the bookkeeping methods
 * ({@link #beforeMatch}, {@link #afterMatch}); they read the buckets with one volatile load
 * each, take no lock and allocate nothing for an event nobody watches. Every change (register,
 * unregister from any thread; following a fork or an exec, forgetting an exit on the reader
 * thread) takes {@link #writeLock}, copies the bucket it changes and publishes the copy, so a
 * lookup always sees a whole old or a whole new bucket. Watches that end by themselves are
 * queued in {@link #retired} for the delivery thread to clean up after.
 */
final class WatchRegistry {
    static final int BUCKETS = 1024;
    private static final Member[] NO_MEMBERS = new Member[0];
    private static final Watch[] NO_WATCHES = new Watch[0];

    /**
     * One process in one watch. {@code startTime} pins its identity (-1 when not known).
     * {@code sinceNanos} (CLOCK_MONOTONIC, the kernel's event clock) is when it joined: an event
     * stamped earlier may be about an older process with the same pid, seen late because the
     * reader lags behind a registration.
     */
    record Member(int tgid, long startTime, Watch watch, long sinceNanos) {}

    private final AtomicReferenceArray<Member[]> buckets = new AtomicReferenceArray<>(BUCKETS);
    private volatile Watch[] everyProcess = NO_WATCHES;
    private volatile Watch[] commands = NO_WATCHES;
    private final Map<Long, Watch> byId = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final AtomicLong ids = new AtomicLong();
    final ConcurrentLinkedQueue<Watch> retired = new ConcurrentLinkedQueue<>();
    private final ProcFs proc;
    /** The reader thread's own, for commands at exec: three system calls a file, no garbage but the text. */
    private final ProcFiles execReads = ProcFiles.openOrNothing("/proc");
    /**
     * Names at exit (taskstats), for exits of processes that were gone before {@link
     * #matchCommands} could read them at their exec; the reader thread's. Opened by the first
     * command watch's registration (so that every process that execs after it returns is
     * covered), handed to the reader through {@link #pendingExitNames}, and closed by the reader
     * once the last command watch is gone. Only while {@link #exitNamesProblem} is empty.
     */
    private TaskstatsExits exitNames;
    private volatile TaskstatsExits pendingExitNames;
    private boolean exitNamesOpen; // guarded by writeLock: pending, or the reader's
    private volatile String exitNamesProblem = "not enabled"; // until useExitNames
    /** Pids whose exec could not be read (reader thread only): their exit is matched by its name. */
    private final IntIntMap unreadExecs = new IntIntMap(64);
    private static final int MAX_UNREAD_EXECS = 4096;
    /**
     * What was read at the exec of command watches' members (reader thread only), for their exit
     * notification: delivery sees no exec a watch did not want, and the process is gone by then.
     */
    private final Map<Integer, ProcessDetails.Info> readAtExec = new HashMap<>();
    private static final int MAX_READ_AT_EXEC = 16384;
    /**
     * What the reader knows of the current exec's or exit's process (reader thread only), for
     * delivery: what {@link #matchCommands} read at the exec, and at an exit that, or the name it
     * was matched by. See {@link #readOf}.
     */
    private ProcessDetails.Info lastRead;
    private int lastReadPid;
    private final int maxWatches;
    private final int maxPatternLength;
    /** The reader thread's, for command watches at exec. */
    private final CommandRule execRule = new CommandRule();
    private int publicWatches; // guarded by writeLock

    WatchRegistry(ProcFs proc, int maxWatches, int maxPatternLength) {
        this.proc = proc;
        this.maxWatches = maxWatches;
        this.maxPatternLength = maxPatternLength;
        for (int i = 0; i < BUCKETS; i++) {
            buckets.set(i, NO_MEMBERS);
        }
    }

    // ---- registration (any thread) ----

    Watch watchProcess(int pid, int mask, boolean internal) {
        requirePid(pid);
        long start = requireAlive(pid);
        Pidfd fd = openPidfd(pid);
        synchronized (writeLock) {
            Watch w = newWatch(WatchKind.PROCESS, pid, null, mask, internal);
            w.pidfd = fd;
            addMember(pid, start, w);
            return w;
        }
    }

    private static Pidfd openPidfd(int pid) {
        try {
            return Pidfd.open(pid);
        } catch (NativeException e) {
            return null; // no pidfd (old kernel, out of descriptors): after a loss the status is unknown
        }
    }

    Watch watchTree(int pid, int mask) {
        requirePid(pid);
        if (pid == 1) {
            synchronized (writeLock) {
                Watch w = newWatch(WatchKind.ALL, 1, null, mask, false);
                everyProcess = append(everyProcess, w);
                return w;
            }
        }
        long start = requireAlive(pid);
        Watch w;
        synchronized (writeLock) {
            w = newWatch(WatchKind.TREE, pid, null, mask, false);
            addMember(pid, start, w);
        }
        // From here the reader follows every fork of a member. Descendants that were alive
        // before are found in /proc; the second pass catches children forked by a descendant
        // before the first pass had published it.
        for (int pass = 0; pass < 2; pass++) {
            for (int child : descendants(pid)) {
                long childStart = proc.startTime(child);
                if (childStart >= 0) {
                    synchronized (writeLock) {
                        if (!w.ended() && !isMember(child, w)) {
                            addMember(child, childStart, w);
                        }
                    }
                }
            }
        }
        return w;
    }

    /**
     * @param internal an internal watch (summaries) also follows the matching processes alive now
     */
    Watch watchCommand(String regex, int mask, boolean internal) {
        if (regex == null || regex.isEmpty()) {
            throw new IllegalArgumentException("regex: empty; give a pattern such as 'nginx' or '^/usr/sbin/'");
        }
        if (regex.length() > maxPatternLength) {
            throw new IllegalArgumentException("regex: " + regex.length() + " characters, more than the limit of "
                    + maxPatternLength);
        }
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("regex: invalid pattern '" + regex + "': " + e.getDescription()
                    + " near index " + e.getIndex(), e);
        }
        Watch w;
        synchronized (writeLock) {
            w = newWatch(WatchKind.COMMAND, 0, p, mask, internal);
            commands = append(commands, w);
            openExitNames();
        }
        if (internal) {
            for (int pid : proc.pids()) {
                if (matchesCommand(p, pid)) {
                    synchronized (writeLock) {
                        if (byId.containsKey(w.id()) && !isMember(pid, w)) {
                            addMember(pid, -1, w);
                        }
                    }
                }
            }
        }
        return w;
    }

    /**
     * Whether the process's comm, exe path or command line matches (false when it is gone, or
     * when the search runs out of steps). For callers' threads: a budget of its own per call.
     */
    boolean matchesCommand(Pattern p, int pid) {
        return new CommandRule().matches(p, proc.comm(pid), proc.exe(pid), proc.cmdline(pid));
    }

    boolean unwatch(long id) {
        synchronized (writeLock) {
            Watch w = byId.get(id);
            if (w == null || w.internal()) {
                return false;
            }
            remove(w);
            return true;
        }
    }

    /** Removes an internal watch (a finished or abandoned waiter). */
    void discard(Watch w) {
        synchronized (writeLock) {
            if (byId.containsKey(w.id())) {
                remove(w);
            }
        }
    }

    Watch get(long id) {
        Watch w = byId.get(id);
        return w == null || w.internal() ? null : w;
    }

    /** Every public watch, in id order. */
    List<Watch> watches() {
        List<Watch> out = new ArrayList<>();
        for (Watch w : byId.values()) {
            if (!w.internal()) {
                out.add(w);
            }
        }
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    int size() {
        synchronized (writeLock) {
            return publicWatches;
        }
    }

    Collection<Watch> all() {
        return byId.values();
    }

    private Watch newWatch(WatchKind kind, int pid, Pattern p, int mask, boolean internal) {
        if (mask == 0) {
            throw new IllegalArgumentException("events: no event types selected");
        }
        if (!internal && publicWatches >= maxWatches) {
            throw new IllegalArgumentException("too many watches: the limit is " + maxWatches
                    + " (setting maxWatches); remove some with unwatch(id)");
        }
        Watch w = new Watch(ids.incrementAndGet(), kind, pid, p, mask, internal);
        byId.put(w.id(), w);
        if (!internal) {
            publicWatches++;
        }
        return w;
    }

    private void remove(Watch w) {
        byId.remove(w.id());
        if (!w.internal()) {
            publicWatches--;
        }
        everyProcess = without(everyProcess, w);
        commands = without(commands, w);
        for (int i = 0; i < BUCKETS; i++) {
            Member[] ms = buckets.get(i);
            for (Member m : ms) {
                if (m.watch == w) {
                    buckets.set(i, removeWatch(ms, w));
                    break;
                }
            }
        }
        w.members = 0;
        w.end();
    }

    private static void requirePid(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid: must be a positive process id, got " + pid);
        }
    }

    private long requireAlive(int pid) {
        long start = proc.startTime(pid);
        if (start < 0 || proc.state(pid) == 'Z' || proc.state(pid) == 'X') {
            throw new IllegalArgumentException("pid " + pid + ": no such process" + (start >= 0 ? " (it has exited)" : ""));
        }
        int tgid = proc.tgid(pid);
        if (tgid > 0 && tgid != pid) {
            throw new IllegalArgumentException("pid " + pid + ": is a thread of process " + tgid + "; watch the process");
        }
        return start;
    }

    private List<Integer> descendants(int root) {
        Map<Integer, List<Integer>> children = new HashMap<>();
        for (int p : proc.pids()) {
            int pp = proc.ppid(p);
            if (pp > 0) {
                children.computeIfAbsent(pp, k -> new ArrayList<>()).add(p);
            }
        }
        List<Integer> out = new ArrayList<>();
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            for (int c : children.getOrDefault(todo.poll(), List.of())) {
                out.add(c);
                todo.add(c);
            }
        }
        return out;
    }

    // ---- the reader thread ----

    /**
     * Bookkeeping that must happen before an event is matched: a fork makes the child a member
     * of every tree its parent belongs to (and clears what a reused pid left behind); an exec
     * makes the process a member of every command watch it now matches.
     */
    void beforeMatch(EventFrame f) {
        EventType t = f.type();
        if (t == EventType.FORK) {
            int child = f.childTgid();
            if (buckets.get(index(child)).length != 0) {
                forgetStale(child, f.timestampNanos());
            }
            Member[] ms = buckets.get(index(f.tgid()));
            if (ms.length != 0) {
                followFork(ms, f.tgid(), child, f.timestampNanos());
            }
        } else if (t == EventType.EXEC) {
            lastRead = null; // what an earlier event read is not this one's
            if (commands.length != 0) {
                matchCommands(f.tgid(), f.timestampNanos());
            }
        } else if (t == EventType.EXIT) {
            lastRead = null;
        }
    }

    /** The watches that want this event, into {@code out}; allocates nothing unless {@code out} grows. */
    void match(EventFrame f, MatchBuffer out) {
        out.clear();
        EventType t = f.type();
        int key = f.tgid();
        // A watch reports what happens from the moment it began; the reader may get to an event
        // stamped earlier only after the registration (it lags by up to the coalescing period).
        // An exit counts whenever it comes: it ends the watch, and a waiter waits for it.
        long stamp = t == EventType.EXIT ? Long.MAX_VALUE : f.timestampNanos();
        Member[] ms = buckets.get(index(key));
        for (int i = 0; i < ms.length; i++) {
            Member m = ms[i];
            if (m.tgid == key && m.watch.wants(t) && stamp >= m.sinceNanos) {
                out.add(m.watch);
            }
        }
        Watch[] all = everyProcess;
        for (int i = 0; i < all.length; i++) {
            if (all[i].wants(t) && stamp >= all[i].sinceNanos()) {
                out.add(all[i]);
            }
        }
        if (t == EventType.EXIT) {
            if (!readAtExec.isEmpty() && hasMember(key)) { // (members only: no boxing for other exits)
                ProcessDetails.Info r = readAtExec.remove(key);
                if (r != null) {
                    lastReadPid = key;
                    lastRead = r;
                }
            }
            if (unreadExecs.size() != 0 && unreadExecs.remove(key, 0) != 0) {
                matchExitByName(key, out);
            }
        }
    }

    /**
     * The exit of a process whose exec could not be read: the command watches whose pattern its
     * name at exit (taskstats) matches. Only the name: its command line and executable are gone.
     */
    private void matchExitByName(int pid, MatchBuffer out) {
        String comm = exitNames == null ? null : exitNames.takeComm(pid);
        if (comm == null) {
            return;
        }
        lastReadPid = pid;
        lastRead = new ProcessDetails.Info(comm, null, null, -1);
        for (Watch w : commands) {
            if (w.wants(EventType.EXIT) && byId.containsKey(w.id()) && matches(w, comm, null, null)) {
                out.add(w);
            }
        }
    }

    /**
     * Before a batch's events (reader thread): opens or closes the taskstats listener as command
     * watches come and go, and takes the names of the processes that exited meanwhile (the kernel
     * sent them before the batch's exits).
     */
    void onBatch() {
        TaskstatsExits opened = pendingExitNames;
        if (opened != null) {
            pendingExitNames = null;
            exitNames = opened;
        }
        if (exitNames != null && commands.length == 0) {
            synchronized (writeLock) {
                if (commands.length == 0) { // still none: a registration meanwhile would keep it
                    exitNames.close();
                    exitNames = null;
                    exitNamesOpen = false;
                    unreadExecs.clear();
                }
            }
        }
        if (exitNames != null) {
            exitNames.drain();
        }
        if (commands.length == 0 && !readAtExec.isEmpty()) {
            readAtExec.clear(); // the last command watch went: nobody will want these exits
        }
    }

    /**
     * Whether exits of processes gone before their exec could be read may be matched by their
     * name at exit (the taskstats listener, while command watches exist): {@code problem} null
     * when they may, else why not. Once, at start.
     */
    void useExitNames(String problem) {
        exitNamesProblem = problem == null ? "" : problem;
    }

    /** With the first command watch (under writeLock): the taskstats listener, for the reader to take. */
    private void openExitNames() {
        if (exitNamesOpen || !exitNamesProblem.isEmpty()) {
            return;
        }
        try {
            pendingExitNames = TaskstatsExits.open();
            exitNamesOpen = true;
        } catch (NativeException e) {
            exitNamesProblem = e.getMessage(); // said by TaskMonitor.exitNames(); not tried again
        }
    }

    /** Why the taskstats listener may not or could not be opened, or empty. */
    String exitNamesProblem() {
        return exitNamesProblem;
    }

    /** After a process exit has been matched: it is no longer a member of anything. */
    void afterMatch(EventFrame f) {
        if (f.type() == EventType.EXIT && buckets.get(index(f.tgid())).length != 0) {
            forgetExited(f.tgid(), f.waitStatus(), f.timestampNanos());
        }
    }

    private void followFork(Member[] ms, int parent, int child, long forkNanos) {
        for (Member m : ms) {
            if (m.tgid == parent && m.watch.kind() == WatchKind.TREE) {
                synchronized (writeLock) {
                    if (!m.watch.ended() && !isMember(child, m.watch)) {
                        addMember(child, -1, m.watch, forkNanos); // start time unread: the fork event itself pins it
                    }
                }
            }
        }
    }

    private void matchCommands(int pid, long execNanos) {
        // Only when command watches exist: the command is read from /proc at exec. A process
        // that is gone before we read it is matched at its exit by its name then (taskstats),
        // where that is available; else it cannot be (said so in the README).
        ProcessDetails.Info read = ProcessDetails.Info.read(execReads, pid);
        if (read.comm() == null && exitNames != null) { // gone already: its exit will be matched by its name
            if (unreadExecs.size() >= MAX_UNREAD_EXECS) {
                unreadExecs.clear(); // exits were lost: these pids' exits will never come
            }
            unreadExecs.put(pid, 1, 0);
        }
        lastReadPid = pid;
        lastRead = read;
        boolean joined = false;
        for (Watch w : commands) {
            if (matches(w, read.comm(), read.exe(), read.cmdline())) {
                synchronized (writeLock) {
                    if (byId.containsKey(w.id()) && !isMember(pid, w)) {
                        addMember(pid, -1, w, execNanos);
                        joined = true;
                    }
                }
            }
        }
        if (joined && readAtExec.size() < MAX_READ_AT_EXEC) {
            readAtExec.put(pid, lastRead); // its exit names it so, even when nobody wanted the exec
        }
    }

    /** On the reader thread: a search that runs out of steps is no match, and is counted on the watch. */
    private boolean matches(Watch w, String comm, String exe, String cmdline) {
        CommandRule.Outcome o = execRule.test(w.pattern(), comm, exe, cmdline);
        if (o == CommandRule.Outcome.ABANDONED) {
            w.countAbandonedMatch();
        }
        return o == CommandRule.Outcome.MATCH;
    }

    private void forgetStale(int pid, long forkNanos) {
        // A fork of a new process with this pid: a member with it that joined before the fork is
        // a process that died unseen. One that joined after is the new process itself, registered
        // before the (lagging) reader got to its fork. So is one that joined "before" but still
        // has the start time it was registered with: the /proc poller stamps a fork with the scan
        // that saw it, which can be later than a registration that came right after the fork.
        if (!hasMember(pid)) {
            return; // the common case, another process in the same bucket: no lock
        }
        synchronized (writeLock) {
            Member[] ms = buckets.get(index(pid));
            for (Member m : ms) {
                if (m.tgid == pid && m.sinceNanos < forkNanos && !holdsItsPid(m)) {
                    leave(m, null, 0);
                }
            }
        }
    }

    private void forgetExited(int pid, int waitStatus, long timestampNanos) {
        if (!hasMember(pid)) {
            return;
        }
        synchronized (writeLock) {
            Member[] ms = buckets.get(index(pid));
            for (Member m : ms) {
                if (m.tgid == pid && !olderNamesake(m, timestampNanos)) {
                    leave(m, ExitStatus.fromWaitStatus(waitStatus), timestampNanos);
                }
            }
        }
    }

    /**
     * What the kernel must let through for the watches now: everything (some watch follows
     * trees, commands or every process: their new members are only known after the kernel has
     * already filtered their next events), or the events of a set of processes.
     *
     * @param everything true when no kernel filter may be used
     * @param mask the union of the process watches' event masks
     * @param tgids the watched processes
     */
    record KernelNeeds(boolean everything, int mask, int[] tgids) {}

    /** {@link KernelNeeds} for the current watches, plus {@code extraPid} (about to be watched) when positive. */
    KernelNeeds kernelNeeds(int extraPid, int extraMask) {
        if (everyProcess.length != 0 || commands.length != 0) {
            return new KernelNeeds(true, 0, new int[0]);
        }
        java.util.TreeSet<Integer> tgids = new java.util.TreeSet<>();
        int mask = extraMask;
        if (extraPid > 0) {
            tgids.add(extraPid);
        }
        for (int b = 0; b < BUCKETS; b++) {
            for (Member m : buckets.get(b)) {
                if (m.watch.kind() != WatchKind.PROCESS) {
                    return new KernelNeeds(true, 0, new int[0]);
                }
                tgids.add(m.tgid);
                mask |= m.watch.mask();
            }
        }
        int[] out = new int[tgids.size()];
        int i = 0;
        for (int t : tgids) {
            out[i++] = t;
        }
        return new KernelNeeds(false, mask, out);
    }

    /** A watched process found gone after a loss: its exit, as well as it can be known. */
    record RecoveredExit(int tgid, int waitStatus, Watch[] watches) {}

    /**
     * After events were lost (reader thread, so that no event is matched meanwhile): every
     * member of a process or tree watch whose process is no longer the one that joined is
     * removed as if its exit had been seen, with its status from the zombie's /proc entry, or
     * the watch's pidfd (Linux 6.15+), else unknown; tree watches then adopt live descendants
     * whose forks were lost. An exit still queued behind the loss then finds no member: nothing
     * is reported twice.
     *
     * @return the exits to deliver, marked as recovered
     */
    List<RecoveredExit> resync(long nowNanos) {
        List<RecoveredExit> out = new ArrayList<>();
        List<Watch> trees = new ArrayList<>();
        for (int b = 0; b < BUCKETS; b++) {
            for (Member m : buckets.get(b)) {
                WatchKind k = m.watch.kind();
                if (k == WatchKind.TREE && !trees.contains(m.watch)) {
                    trees.add(m.watch);
                }
                if ((k == WatchKind.PROCESS || k == WatchKind.TREE) && gone(m)) {
                    int status = lostStatus(m);
                    synchronized (writeLock) {
                        if (hasMember(m.tgid) && Arrays.asList(buckets.get(index(m.tgid))).contains(m)) {
                            leave(m, ExitStatus.fromWaitStatus(status), nowNanos);
                            out.add(new RecoveredExit(m.tgid, status, new Watch[] {m.watch}));
                        }
                    }
                }
            }
        }
        for (Watch t : trees) {
            adoptDescendants(t);
        }
        return out;
    }

    private boolean gone(Member m) {
        char state = proc.state(m.tgid);
        if (state == 0 || state == 'X') {
            return true;
        }
        if (state == 'Z' && proc.tasks(m.tgid).size() <= 1) {
            return true; // exited, not yet reaped
        }
        return m.startTime >= 0 && proc.startTime(m.tgid) != m.startTime; // the pid is someone else's now
    }

    private int lostStatus(Member m) {
        int zombie = proc.zombieWaitStatus(m.tgid);
        if (zombie != ExitStatus.UNKNOWN_WAIT_STATUS) {
            return zombie;
        }
        Pidfd fd = m.watch.pidfd;
        if (fd != null && m.tgid == m.watch.pid()) {
            ExitStatus s = fd.exitStatus();
            if (s != null) {
                return s.waitStatus();
            }
        }
        return ExitStatus.UNKNOWN_WAIT_STATUS;
    }

    private void adoptDescendants(Watch tree) {
        for (int child : descendants(tree.pid())) {
            long start = proc.startTime(child);
            if (start >= 0) {
                synchronized (writeLock) {
                    if (!tree.ended() && !isMember(child, tree)) {
                        addMember(child, start, tree);
                    }
                }
            }
        }
    }

    /** Lock-free: whether any watch has a member with this tgid (the bucket array is immutable). */
    private boolean hasMember(int pid) {
        for (Member m : buckets.get(index(pid))) {
            if (m.tgid == pid) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an exit stamped before the member joined belongs to an earlier process that had
     * the same pid: only then is the member's process still alive with its own start time.
     * (Rare: only while the reader lags behind a registration; reads /proc only then.)
     */
    private boolean olderNamesake(Member m, long exitNanos) {
        return exitNanos < m.sinceNanos && holdsItsPid(m);
    }

    /**
     * Whether the member's own process (alive, or a zombie) still has its pid: /proc shows the
     * start time it joined with.
     */
    private boolean holdsItsPid(Member m) {
        return m.startTime >= 0 && proc.startTime(m.tgid) == m.startTime;
    }

    /** Removes one member; ends its watch when that was the watched process or the last of a tree. */
    private void leave(Member m, ExitStatus status, long timestampNanos) {
        int b = index(m.tgid);
        Member[] ms = buckets.get(b);
        Member[] out = new Member[ms.length - 1];
        int j = 0;
        for (Member x : ms) {
            if (x != m && j < out.length) {
                out[j++] = x;
            }
        }
        buckets.set(b, j == out.length ? out : Arrays.copyOf(out, j));
        Watch w = m.watch;
        w.members--;
        if (w.kind() == WatchKind.PROCESS || w.kind() == WatchKind.TREE && m.tgid == w.pid()) {
            if (status != null) {
                w.exited(status, timestampNanos);
            }
        }
        if (w.kind() == WatchKind.PROCESS || w.kind() == WatchKind.TREE && w.members == 0) {
            byId.remove(w.id());
            if (!w.internal()) {
                publicWatches--;
            }
            w.end();
            retired.add(w);
        }
    }

    // ---- members (callers hold writeLock) ----

    private boolean isMember(int pid, Watch w) {
        for (Member m : buckets.get(index(pid))) {
            if (m.tgid == pid && m.watch == w) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the reader knows of the process of this exec or exit, for command watches, or null:
     * at an exec what they read then (the delivery thread need not read it again); at an exit
     * what they read at its exec, or, when the process was gone by then, its name at exit
     * ({@link #matchExitByName}). Reader thread, after {@link #match} of the event.
     */
    ProcessDetails.Info readOf(int pid) {
        ProcessDetails.Info r = lastReadPid == pid ? lastRead : null;
        lastRead = null;
        return r;
    }

    /** After the reader thread has stopped. */
    void close() {
        execReads.close();
        for (TaskstatsExits t : new TaskstatsExits[] {exitNames, pendingExitNames}) {
            if (t != null) {
                t.close();
            }
        }
        exitNames = null;
        pendingExitNames = null;
    }

    /** A member from now on: a registration (the caller's thread), or a process found in /proc. */
    private void addMember(int pid, long startTime, Watch w) {
        addMember(pid, startTime, w, System.nanoTime());
    }

    /** A member since {@code sinceNanos}: the kernel's timestamp of the fork or exec that made it one. */
    private void addMember(int pid, long startTime, Watch w, long sinceNanos) {
        int b = index(pid);
        Member[] ms = buckets.get(b);
        Member[] out = Arrays.copyOf(ms, ms.length + 1);
        out[ms.length] = new Member(pid, startTime, w, sinceNanos);
        buckets.set(b, out);
        w.members++;
    }

    private static Member[] removeWatch(Member[] ms, Watch w) {
        List<Member> keep = new ArrayList<>(ms.length);
        for (Member m : ms) {
            if (m.watch != w) {
                keep.add(m);
            }
        }
        return keep.toArray(NO_MEMBERS);
    }

    private static Watch[] append(Watch[] ws, Watch w) {
        Watch[] out = Arrays.copyOf(ws, ws.length + 1);
        out[ws.length] = w;
        return out;
    }

    private static Watch[] without(Watch[] ws, Watch w) {
        List<Watch> keep = new ArrayList<>(Arrays.asList(ws));
        return keep.remove(w) ? keep.toArray(NO_WATCHES) : ws;
    }

    private static int index(int pid) {
        int h = pid * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (BUCKETS - 1);
    }
}
