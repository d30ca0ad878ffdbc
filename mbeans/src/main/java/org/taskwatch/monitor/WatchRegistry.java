package org.taskwatch.monitor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.Pidfd;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;

/**
 * The one watch table that every client (JMX, Jolokia, the CLI) shares: kmonitor's hashed
 * filter, done for a JVM. For each event it answers which watches want it, and keeps the table
 * true to what the event changed (a fork adds the child to its parent's trees and cgroup watches,
 * an exec adds the process to the command and cgroup watches it now matches, an exit removes it).
 *
 * <p>Structure: a fixed table of {@value #BUCKETS} buckets keyed by process id (tgid), each an
 * immutable array of {@link Member}s (one per process a watch follows), plus immutable arrays
 * of the all-process, command and cgroup watches.
 *
 * <p>I/O: none of its own. What it asks of /proc (is a pid alive, whose child is it, its
 * start time) goes through the {@link ProcFs} it is given; the commands at exec and names at
 * exit through the {@link ProcessNames} it is given; a process watch's {@link Pidfd} is opened by
 * the caller; what the processes a watch takes in from /proc run is read by the {@link Found} it
 * is given.
 *
 * <p>Threading: the reader thread calls {@link #onEvent} (and {@link #onBatch}, {@link #resync});
 * it reads the buckets with one volatile load each, takes no lock and allocates nothing for an
 * event nobody watches. Every change (register, unregister from any thread; following a fork or
 * an exec, forgetting an exit on the reader thread) takes {@link #writeLock}, copies the bucket it
 * changes and publishes the copy, so a lookup always sees a whole old or a whole new bucket.
 * Watches that end by themselves are queued in {@link #retired} for the delivery thread.
 */
final class WatchRegistry {
    static final int BUCKETS = 1024;
    private static final Member[] NO_MEMBERS = new Member[0];
    static final Watch[] NO_WATCHES = new Watch[0];

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
    /** The cgroup watches and their patterns, published together. */
    private volatile CgroupWatches cgroups = CgroupWatches.NONE;
    /** The reader thread's answers of {@link ProcessNames#cgroupMatches}, one per cgroup watch. */
    private boolean[] cgroupMatched = new boolean[4];
    private final Map<Long, Watch> byId = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final AtomicLong ids = new AtomicLong();
    final ConcurrentLinkedQueue<Watch> retired = new ConcurrentLinkedQueue<>();
    private final ProcFs proc;
    private final ProcessNames names;
    private final Found found;
    private final int maxWatches;
    private final int maxPatternLength;
    private int publicWatches; // guarded by writeLock

    /**
     * Told of each process a watch whose exits tell commands ({@link Watch#tellsCommandsAtExit})
     * takes in from /proc rather than by an event: a tree's descendants alive when it begins (or
     * found after a loss), every process alive when a watch of all begins, the processes in a
     * cgroup when its watch begins, the running processes a declared command watch adopts. No
     * event told their command (their fork and exec came before the watch), and once reaped /proc
     * cannot tell it at their exit: so they are described as they join, before they are members
     * (their exit can only be matched after). {@code r} is the reader that found the process (the
     * caller's thread's, lent for the call); what was already read of it is handed on, not read
     * again: {@code stat} (name and parent) and {@code cgroup}, each null when not read.
     */
    interface Found {
        Found NOTHING = (r, pid, stat, cgroup) -> {};

        void found(ProcFiles r, int pid, ProcFiles.Stat stat, String cgroup);
    }

    WatchRegistry(ProcFs proc, ProcessNames names, int maxWatches, int maxPatternLength) {
        this(proc, names, maxWatches, maxPatternLength, Found.NOTHING);
    }

    /** @param found told of the processes watches take in from /proc (see {@link Found}) */
    WatchRegistry(ProcFs proc, ProcessNames names, int maxWatches, int maxPatternLength, Found found) {
        this.proc = proc;
        this.names = names;
        this.found = found;
        this.maxWatches = maxWatches;
        this.maxPatternLength = maxPatternLength;
        for (int i = 0; i < BUCKETS; i++) {
            buckets.set(i, NO_MEMBERS);
        }
    }

    // ---- registration (any thread) ----

    /**
     * @param pidfd the caller's hold on the process (null when none could be opened); the watch
     *     owns it from here, and closes it when it ends
     */
    Watch watchProcess(int pid, int mask, boolean internal, Pidfd pidfd) {
        try {
            requirePid(pid);
            long start = requireAlive(pid);
            synchronized (writeLock) {
                Watch w = newWatch(WatchKind.PROCESS, pid, null, mask, internal, pidfd);
                addMember(pid, start, w, System.nanoTime());
                return w;
            }
        } catch (RuntimeException e) {
            if (pidfd != null) {
                pidfd.close();
            }
            throw e;
        }
    }

    /** A process and its descendants, alive and to come; pid 1 is every process. */
    Watch watchTree(int pid, int mask) {
        requirePid(pid);
        if (pid == 1) {
            Watch w;
            synchronized (writeLock) {
                w = newWatch(WatchKind.ALL, 1, null, mask, false, null);
                everyProcess = append(everyProcess, w);
            }
            describeEveryProcess(w);
            return w;
        }
        long start = requireAlive(pid);
        Watch w;
        synchronized (writeLock) {
            w = newWatch(WatchKind.TREE, pid, null, mask, false, null);
            addMember(pid, start, w, System.nanoTime());
        }
        // From here the reader follows every fork of a member. Descendants that were alive
        // before are found in /proc; the second pass catches children forked by a descendant
        // before the first pass had published it.
        adoptDescendants(w);
        adoptDescendants(w);
        return w;
    }

    /** Whether the processes {@code w} takes in from /proc are told to {@link #found}. */
    private boolean describes(Watch w) {
        return found != Found.NOTHING && w.tellsCommandsAtExit();
    }

    /**
     * Every process alive when a watch of all began is told to {@link #found} (one read of each
     * process's stat, and what the describer reads beside), where its exits tell commands: events
     * tell those of the processes that fork or exec from now on.
     */
    private void describeEveryProcess(Watch all) {
        if (!describes(all)) {
            return;
        }
        proc.withReader(r -> {
            for (int pid : r.pids()) {
                ProcFiles.Stat st = r.stat(pid);
                if (st != null) {
                    found.found(r, pid, st, null);
                }
            }
            return null;
        });
    }

    /**
     * Every process whose command matches {@code regex} at its exec, from now on.
     *
     * @param internal an internal watch (summaries) also follows the matching processes alive now
     */
    Watch watchCommand(String regex, int mask, boolean internal) {
        Pattern p = compile(regex);
        Watch w;
        synchronized (writeLock) {
            w = newWatch(WatchKind.COMMAND, 0, p, mask, internal, null);
            commands = append(commands, w);
            names.commandWatchAdded();
        }
        if (internal) {
            adoptMatching(w);
        }
        return w;
    }

    /** The cgroup watches, with their patterns at the same index. */
    private record CgroupWatches(Watch[] watches, CgroupPattern[] patterns) {
        static final CgroupWatches NONE = new CgroupWatches(NO_WATCHES, new CgroupPattern[0]);

        CgroupWatches with(Watch w) {
            CgroupPattern[] ps = Arrays.copyOf(patterns, patterns.length + 1);
            ps[patterns.length] = w.cgroup();
            return new CgroupWatches(append(watches, w), ps);
        }

        CgroupWatches without(Watch w) {
            CgroupWatches out = NONE;
            for (Watch x : watches) {
                if (x != w) {
                    out = out.with(x);
                }
            }
            return out;
        }
    }

    /**
     * Every process in a cgroup (and below it), present and to come: those in it now are found by
     * {@link #adoptCgroup} (the caller's next step), later ones at their fork (a member's child)
     * or exec (read then), and by {@link #rescanCgroups}.
     *
     * @throws IllegalArgumentException when this machine has no cgroups, or, for a unit, when it
     *     has no systemd and no cgroup of that name
     */
    Watch watchCgroup(CgroupPattern p, int mask, boolean internal) {
        CgroupLayout layout = names.layout();
        if (!layout.available()) {
            throw new IllegalArgumentException(p + ": " + layout.unavailableReason() + "; unit and cgroup watches need"
                    + " cgroups");
        }
        if (p.kind() == CgroupPattern.Kind.UNIT && !layout.systemd() && !layout.hasCgroupNamed(p.target())) {
            throw new IllegalArgumentException(p + ": this machine is not run by systemd (/run/systemd/system is"
                    + " absent) and has no cgroup named " + p.target() + " under " + layout.mountPoint()
                    + ": no process can be in that unit");
        }
        synchronized (writeLock) {
            Watch w = newWatch(WatchKind.CGROUP, 0, null, p, mask, internal, null);
            cgroups = cgroups.with(w);
            return w;
        }
    }

    /**
     * The processes in {@code w}'s cgroup now that are not members yet join it: after {@link
     * #watchCgroup} (from then on the reader follows forks and execs; this finds those that were in
     * it before), and after a loss.
     */
    void adoptCgroup(Watch w) {
        CgroupLayout layout = names.layout();
        boolean describe = describes(w);
        proc.withReader(r -> {
            for (int pid : r.pids()) {
                String path = r.cgroup(pid, layout);
                if (path != null && w.cgroup().matches(path)) {
                    long start = r.startTime(pid);
                    if (describe && start >= 0 && !isMember(pid, w)) {
                        found.found(r, pid, null, path); // before it joins: its exit finds it described
                    }
                    synchronized (writeLock) {
                        if (start >= 0 && !w.ended() && !isMember(pid, w)) {
                            addMember(pid, start, w, System.nanoTime());
                        }
                    }
                }
            }
            return null;
        });
    }

    /**
     * Brings every cgroup watch up to date with /proc (a timer's thread, every {@code
     * cgroupRescanSeconds}): processes that moved into its cgroup join, members that moved out
     * leave (without an exit: they run on elsewhere). Nothing to do without cgroup watches.
     */
    void rescanCgroups() {
        CgroupWatches cw = cgroups;
        if (cw.watches().length == 0) {
            return;
        }
        CgroupLayout layout = names.layout();
        proc.withReader(r -> {
            for (int pid : r.pids()) {
                String path = r.cgroup(pid, layout);
                if (path == null) {
                    continue; // gone meanwhile: its exit says so
                }
                for (Watch w : cw.watches()) {
                    boolean in = w.cgroup().matches(path);
                    if (in == isMember(pid, w)) {
                        continue;
                    }
                    long start = in ? r.startTime(pid) : -1;
                    synchronized (writeLock) {
                        if (w.ended()) {
                            continue;
                        }
                        if (in && start >= 0 && !isMember(pid, w)) {
                            addMember(pid, start, w, System.nanoTime());
                        } else if (!in) {
                            for (Member m : buckets.get(index(pid))) {
                                if (m.tgid == pid && m.watch == w) {
                                    leave(m, null, 0);
                                }
                            }
                        }
                    }
                }
            }
            return null;
        });
    }

    /** Whether any cgroup watch exists (for the rescan timer). */
    boolean hasCgroupWatches() {
        return cgroups.watches().length != 0;
    }

    /**
     * The matching processes alive now join a command watch (internal ones, and declared ones at
     * their start), each told to {@link #found} before it joins where the watch's exits tell
     * commands (a declared one: a service running before the agent started).
     */
    void adoptMatching(Watch w) {
        boolean describe = describes(w);
        proc.withReader(r -> {
            for (int pid : r.pids()) {
                if (names.matchesNow(w.pattern(), r, pid)) {
                    if (describe && !isMember(pid, w)) {
                        found.found(r, pid, null, null); // before it joins: its exit finds it described
                    }
                    synchronized (writeLock) {
                        if (!w.ended() && !isMember(pid, w)) {
                            addMember(pid, -1, w, System.nanoTime());
                        }
                    }
                }
            }
            return null;
        });
    }

    /** How many processes {@code w} follows now. */
    int members(Watch w) {
        synchronized (writeLock) {
            return w.members();
        }
    }

    private Pattern compile(String regex) {
        if (regex == null || regex.isEmpty()) {
            throw new IllegalArgumentException("regex: empty; give a pattern such as 'nginx' or '^/usr/sbin/'");
        }
        if (regex.length() > maxPatternLength) {
            throw new IllegalArgumentException("regex: " + regex.length() + " characters, more than the limit of "
                    + maxPatternLength);
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("regex: invalid pattern '" + regex + "': " + e.getDescription()
                    + " near index " + e.getIndex(), e);
        }
    }

    /** Ends a public watch; false when there is no such watch. */
    boolean unwatch(long id) {
        synchronized (writeLock) {
            Watch w = byId.get(id);
            if (w == null || w.internal()) {
                return false;
            }
            retire(w);
            return true;
        }
    }

    /** Removes an internal watch (a finished or abandoned waiter, an evicted summary). */
    void discard(Watch w) {
        synchronized (writeLock) {
            if (byId.containsKey(w.id())) {
                retire(w);
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

    private Watch newWatch(WatchKind kind, int pid, Pattern p, int mask, boolean internal, Pidfd pidfd) {
        return newWatch(kind, pid, p, null, mask, internal, pidfd);
    }

    private Watch newWatch(WatchKind kind, int pid, Pattern p, CgroupPattern cgroup, int mask, boolean internal,
            Pidfd pidfd) {
        if (mask == 0) {
            throw new IllegalArgumentException("events: no event types selected");
        }
        if (!internal && publicWatches >= maxWatches) {
            throw new IllegalArgumentException("too many watches: the limit is " + maxWatches
                    + " (setting maxWatches); remove some with unwatch(id)");
        }
        Watch w = new Watch(ids.incrementAndGet(), kind, pid, p, cgroup, mask, internal, pidfd);
        byId.put(w.id(), w);
        if (!internal) {
            publicWatches++;
        }
        return w;
    }

    private static void requirePid(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid: must be a positive process id, got " + pid);
        }
    }

    private long requireAlive(int pid) {
        long start = proc.startTime(pid);
        char state = proc.state(pid);
        if (start < 0 || state == 'Z' || state == 'X') {
            throw new IllegalArgumentException("pid " + pid + ": no such process" + (start >= 0 ? " (it has exited)" : ""));
        }
        int tgid = proc.tgid(pid);
        if (tgid > 0 && tgid != pid) {
            throw new IllegalArgumentException("pid " + pid + ": is a thread of process " + tgid + "; watch the process");
        }
        return start;
    }

    // ---- the reader thread ----

    /** Before a batch of events: see {@link ProcessNames#onBatch}. */
    void onBatch() {
        names.onBatch();
    }

    /**
     * The one call per event: the watches that want {@code f} into {@code out} (with what was read
     * of its process, for delivery), and the table kept true to it. Allocates nothing unless
     * {@code out} grows or the event concerns a watched process.
     *
     * <ul>
     *   <li>fork: the child joins every tree its parent belongs to (and what a reused pid left
     *       behind is cleared);
     *   <li>exec: while command watches exist, the command is read, and the process joins every
     *       command watch it now matches; while cgroup watches exist, its cgroup is read, and it
     *       joins or leaves each as its cgroup now says (gone before the read: it stays as its fork
     *       left it);
     *   <li>exit: the process leaves every watch; one gone before its exec could be read is
     *       matched by its name at exit.
     * </ul>
     */
    void onEvent(EventFrame f, MatchBuffer out) {
        out.clear();
        EventType t = f.type();
        int key = f.tgid();
        if (t == EventType.FORK) {
            followFork(key, f.childTgid(), f.timestampNanos(), f.childStartTime());
        } else if (t == EventType.EXEC) {
            if (commands.length != 0) {
                joinCommands(key, f.timestampNanos(), out);
            }
            if (cgroups.watches().length != 0) {
                followCgroups(key, f.timestampNanos());
            }
        }
        // A watch reports what happens from the moment it began; the reader may get to an event
        // stamped earlier only after the registration (it lags by up to the coalescing period).
        // An exit counts whenever it comes: it ends the watch, and a waiter waits for it.
        long stamp = t == EventType.EXIT ? Long.MAX_VALUE : f.timestampNanos();
        Member[] ms = buckets.get(index(key));
        boolean member = false;
        for (int i = 0; i < ms.length; i++) {
            Member m = ms[i];
            if (m.tgid == key) {
                member = true;
                if (m.watch.wants(t) && stamp >= m.sinceNanos) {
                    out.add(m.watch);
                } else if (m.watch.needsForItsExits(t)) {
                    out.neededForExits();
                }
            }
        }
        Watch[] all = everyProcess;
        for (int i = 0; i < all.length; i++) {
            if (all[i].wants(t) && stamp >= all[i].sinceNanos()) {
                out.add(all[i]);
            } else if (all[i].needsForItsExits(t)) {
                out.neededForExits();
            }
        }
        if (t == EventType.EXIT) {
            if (member) {
                ProcessDetails.Info kept = names.takeKept(key); // (members only: no boxing for other exits)
                if (kept != null) {
                    out.read(kept);
                }
                if (forgetExited(key, f.waitStatus(), f.timestampNanos())) {
                    out.watchedProcessExited();
                }
            }
            String nameAtExit = names.takeNameAtExit(key);
            if (nameAtExit != null) {
                matchByNameAtExit(nameAtExit, out);
            }
        }
    }

    private void followFork(int parent, int child, long forkNanos, long childStartTime) {
        if (buckets.get(index(child)).length != 0) {
            forgetStale(child, forkNanos, childStartTime);
        }
        Member[] ms = buckets.get(index(parent));
        for (Member m : ms) {
            if (m.tgid == parent && m.watch.followsForks()) {
                synchronized (writeLock) {
                    if (!m.watch.ended() && !isMember(child, m.watch)) {
                        addMember(child, -1, m.watch, forkNanos); // start time unread: the fork event itself pins it
                    }
                }
            }
        }
    }

    /**
     * Reads the command of an exec'ing process and makes it a member of every command watch it
     * matches. A process gone before the read is matched at its exit by its name then, where that
     * is available; else it cannot be (said so in the README).
     */
    private void joinCommands(int pid, long execNanos, MatchBuffer out) {
        ProcessDetails.Info read = names.readAtExec(pid);
        out.read(read); // delivery need not read it again
        boolean member = false;
        for (Watch w : commands) {
            if (names.test(w, read.comm(), read.exe(), read.cmdline())) {
                synchronized (writeLock) {
                    if (!w.ended() && !isMember(pid, w)) {
                        addMember(pid, -1, w, execNanos);
                    }
                }
                member = true;
            } else if (w.followsForks() && isMember(pid, w)) {
                leaveAtExec(pid, w); // a forked member ran another program: /proc no longer shows it matching
            } else if (isMember(pid, w)) {
                member = true; // it matched at an earlier exec, and stays
            }
        }
        if (member) {
            // its exit names what it ran last, even when nobody wanted this exec
            names.keepForExit(pid, read);
        }
    }

    /**
     * Reads the cgroup of an exec'ing process and makes its membership of each cgroup watch what
     * the cgroup says: it moved in (join) or out (leave, without an exit). Allocates nothing for a
     * process that is in none and was in none.
     */
    private void followCgroups(int pid, long execNanos) {
        CgroupWatches cw = cgroups;
        int n = cw.watches().length;
        if (cgroupMatched.length < n) {
            cgroupMatched = new boolean[Math.max(n, 2 * cgroupMatched.length)];
        }
        if (!names.cgroupMatches(pid, cw.patterns(), n, cgroupMatched)) {
            return; // gone already: its membership stays what its fork made it
        }
        for (int i = 0; i < n; i++) {
            Watch w = cw.watches()[i];
            if (cgroupMatched[i] == isMember(pid, w)) {
                continue;
            }
            if (cgroupMatched[i]) {
                synchronized (writeLock) {
                    if (!w.ended() && !isMember(pid, w)) {
                        addMember(pid, -1, w, execNanos);
                    }
                }
            } else {
                leaveAtExec(pid, w);
            }
        }
    }

    /**
     * The exit of a process whose exec could not be read: the command watches whose pattern its
     * name at exit matches. Only the name: its command line and executable are gone.
     */
    private void matchByNameAtExit(String comm, MatchBuffer out) {
        out.read(new ProcessDetails.Info(comm, null, null, -1));
        for (Watch w : commands) {
            if (w.wants(EventType.EXIT) && !w.ended() && names.test(w, comm, null, null)) {
                out.add(w);
            }
        }
    }

    private void leaveAtExec(int pid, Watch w) {
        synchronized (writeLock) {
            for (Member m : buckets.get(index(pid))) {
                if (m.tgid == pid && m.watch == w) {
                    leave(m, null, 0);
                    return;
                }
            }
        }
    }

    private void forgetStale(int pid, long forkNanos, long childStartTime) {
        // A fork of a new process with this pid: a member with it that joined before the fork is
        // a process that died unseen. One that joined after is the new process itself, registered
        // before the (lagging) reader got to its fork. So is one that joined "before" but has the
        // start time of the fork's child: the /proc poller stamps a fork with the scan that saw
        // it, which can be later than a registration that came right after the fork, and gives
        // the child's start time (/proc may no longer show the process: it can end during the
        // scan). The kernel's forks carry no start time: then /proc is asked.
        if (!hasMember(pid)) {
            return; // the common case, another process in the same bucket: no lock
        }
        synchronized (writeLock) {
            for (Member m : buckets.get(index(pid))) {
                if (m.tgid == pid && m.sinceNanos < forkNanos && !isTheForked(m, childStartTime)) {
                    leave(m, null, 0);
                }
            }
        }
    }

    /** Whether the member is the fork's child: by the poller's start time, else (the kernel's forks) by /proc. */
    private boolean isTheForked(Member m, long childStartTime) {
        return childStartTime >= 0 ? m.startTime == childStartTime : holdsItsPid(m);
    }

    /** @return whether the process was the one a public process or tree watch is about (its root) */
    private boolean forgetExited(int pid, int waitStatus, long timestampNanos) {
        boolean watched = false;
        synchronized (writeLock) {
            for (Member m : buckets.get(index(pid))) {
                if (m.tgid == pid && !olderNamesake(m, timestampNanos)) {
                    leave(m, ExitStatus.fromWaitStatus(waitStatus), timestampNanos);
                    watched |= !m.watch.internal() && m.tgid == m.watch.pid();
                }
            }
        }
        return watched;
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
    record KernelNeeds(boolean everything, int mask, int[] tgids) {
        static final KernelNeeds EVERYTHING = new KernelNeeds(true, 0, new int[0]);
    }

    /** {@link KernelNeeds} for the current watches, plus {@code extraPid} (about to be watched) when positive. */
    KernelNeeds kernelNeeds(int extraPid, int extraMask) {
        if (everyProcess.length != 0 || commands.length != 0 || cgroups.watches().length != 0) {
            return KernelNeeds.EVERYTHING;
        }
        TreeSet<Integer> tgids = new TreeSet<>();
        int mask = extraMask;
        if (extraPid > 0) {
            tgids.add(extraPid);
        }
        for (int b = 0; b < BUCKETS; b++) {
            for (Member m : buckets.get(b)) {
                if (m.watch.kind() != WatchKind.PROCESS) {
                    return KernelNeeds.EVERYTHING;
                }
                tgids.add(m.tgid);
                mask |= Watch.neededMask(m.watch.mask(), m.watch.internal());
            }
        }
        return new KernelNeeds(false, mask, tgids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A watched process found gone after a loss: its exit, as well as it can be known. */
    record RecoveredExit(int tgid, int waitStatus, Watch watch) {}

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
                if ((k == WatchKind.PROCESS || k == WatchKind.TREE || k == WatchKind.CGROUP) && gone(m)) {
                    int status = lostStatus(m);
                    synchronized (writeLock) {
                        if (Arrays.asList(buckets.get(index(m.tgid))).contains(m)) {
                            leave(m, ExitStatus.fromWaitStatus(status), nowNanos);
                            out.add(new RecoveredExit(m.tgid, status, m.watch));
                        }
                    }
                }
            }
        }
        for (Watch t : trees) {
            adoptDescendants(t);
        }
        for (Watch c : cgroups.watches()) {
            adoptCgroup(c); // forks and execs into it may have been among the lost events
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
        Pidfd fd = m.watch.pidfd();
        if (fd != null && m.tgid == m.watch.pid()) {
            ExitStatus s = fd.exitStatus();
            if (s != null) {
                return s.waitStatus();
            }
        }
        return ExitStatus.UNKNOWN_WAIT_STATUS;
    }

    /**
     * The tree's live descendants that are not members yet join it (at registration, and after a
     * loss), each told to {@link #found} before it joins where the tree's exits tell commands: with
     * the stat read to find its parent, so that every process's stat is read once per pass and a
     * joining one's command, executable and cgroup once.
     */
    private void adoptDescendants(Watch tree) {
        boolean describe = describes(tree);
        proc.withReader(r -> {
            Map<Integer, List<Integer>> children = new HashMap<>();
            Map<Integer, ProcFiles.Stat> stats = describe ? new HashMap<>() : null;
            for (int p : r.pids()) {
                ProcFiles.Stat st = r.stat(p);
                if (st != null && st.ppid() > 0) {
                    children.computeIfAbsent(st.ppid(), k -> new ArrayList<>()).add(p);
                    if (describe) {
                        stats.put(p, st);
                    }
                }
            }
            for (int child : descendants(tree.pid(), children)) {
                if (isMember(child, tree)) {
                    continue; // (the second pass, a loss): it was described when it joined
                }
                long start = r.startTime(child);
                if (start < 0) {
                    continue;
                }
                if (describe) {
                    found.found(r, child, stats.get(child), null); // before it joins: its exit finds it described
                }
                synchronized (writeLock) {
                    if (!tree.ended() && !isMember(child, tree)) {
                        addMember(child, start, tree, System.nanoTime());
                    }
                }
            }
            return null;
        });
    }

    private static List<Integer> descendants(int root, Map<Integer, List<Integer>> children) {
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

    // ---- changes (callers hold writeLock) ----

    /**
     * Removes one member (its process exited: {@code status}, or is known gone: null); the watch
     * ends when that was the watched process or the last of a tree.
     */
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
        int left = w.left();
        boolean root = w.kind() == WatchKind.PROCESS || w.kind() == WatchKind.TREE && m.tgid == w.pid();
        if (root && status != null) {
            w.exited(status, timestampNanos);
        }
        if (w.kind() == WatchKind.PROCESS || w.kind() == WatchKind.TREE && left == 0) {
            retire(w);
            retired.add(w);
        }
    }

    /** The one way a watch ends: out of the table, every member gone, its waiters released. */
    private void retire(Watch w) {
        byId.remove(w.id());
        if (!w.internal()) {
            publicWatches--;
        }
        if (w.kind() == WatchKind.ALL) {
            everyProcess = without(everyProcess, w);
        } else if (w.kind() == WatchKind.COMMAND) {
            commands = without(commands, w);
            names.commandWatchRemoved();
        } else if (w.kind() == WatchKind.CGROUP) {
            cgroups = cgroups.without(w);
        }
        if (w.members() > 0) { // (not after its last member left: the common end, at an exit)
            for (int i = 0; i < BUCKETS; i++) {
                Member[] ms = buckets.get(i);
                for (Member m : ms) {
                    if (m.watch == w) {
                        buckets.set(i, withoutWatch(ms, w));
                        break;
                    }
                }
            }
        }
        w.end();
    }

    private boolean isMember(int pid, Watch w) {
        for (Member m : buckets.get(index(pid))) {
            if (m.tgid == pid && m.watch == w) {
                return true;
            }
        }
        return false;
    }

    /** A member since {@code sinceNanos}: a registration's time, or the kernel's timestamp of the fork or exec that made it one. */
    private void addMember(int pid, long startTime, Watch w, long sinceNanos) {
        int b = index(pid);
        Member[] ms = buckets.get(b);
        Member[] out = Arrays.copyOf(ms, ms.length + 1);
        out[ms.length] = new Member(pid, startTime, w, sinceNanos);
        buckets.set(b, out);
        w.joined();
    }

    private static Member[] withoutWatch(Member[] ms, Watch w) {
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

    static int index(int pid) {
        int h = pid * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (BUCKETS - 1);
    }
}
