package org.taskwatch.monitor;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.Pidfd;
import org.taskwatch.kernel.ProcEvent;

/**
 * One registered watch: what it follows, which events it wants, and what it has seen.
 *
 * <p>Threading: immutable identity; {@link #matched} is bumped by the reader thread, the
 * volatile fields are written by the reader or the delivery thread and read by anyone. The
 * member count is the registry's, kept under its write lock.
 */
public final class Watch {
    private final long id;
    private final WatchKind kind;
    private final int pid;
    private final Pattern pattern;
    private final CgroupPattern cgroup;
    private final int mask;
    private final long createdMillis;
    private final long sinceNanos; // CLOCK_MONOTONIC, the kernel's event clock
    private final boolean internal;
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong abandonedMatches = new AtomicLong();
    private volatile ProcEvent lastEvent; // described when asked: most are never read
    private volatile ExitStatus exitStatus;
    private volatile long exitTimestampNanos;
    private volatile boolean ended;
    private final CountDownLatch endedLatch = new CountDownLatch(1);
    /** Internal watches may record what they match on the reader thread (allocation-free). */
    private volatile FrameSink sink;
    /** Processes this watch follows now. Guarded by the registry's write lock. */
    private int members;
    /**
     * A process watch's hold on its process (null if it could not be opened, and for other
     * kinds): after a loss it tells whether the process ended and, from Linux 6.15, how. Closed
     * when the watch ends.
     */
    private volatile Pidfd pidfd;
    /** Who this watch ends with ({@link WatchOwners}); null: nobody, it stays until unwatched. */
    private volatile WatchOwners.Owner owner;
    /** The declared watch this is the table entry of (see {@link ServiceWatches}), or null. Set once, before it has members. */
    private volatile String name;

    Watch(long id, WatchKind kind, int pid, Pattern pattern, int mask, boolean internal, Pidfd pidfd) {
        this(id, kind, pid, pattern, null, mask, internal, pidfd);
    }

    Watch(long id, WatchKind kind, int pid, Pattern pattern, CgroupPattern cgroup, int mask, boolean internal,
            Pidfd pidfd) {
        this.cgroup = cgroup;
        this.pidfd = pidfd;
        this.id = id;
        this.kind = kind;
        this.pid = pid;
        this.pattern = pattern;
        this.mask = mask;
        this.internal = internal;
        this.createdMillis = System.currentTimeMillis();
        this.sinceNanos = System.nanoTime();
    }

    public long id() { return id; }
    public WatchKind kind() { return kind; }
    /** The watched pid (the root of a tree); 0 for command and all-process watches. */
    public int pid() { return pid; }
    public Pattern pattern() { return pattern; }
    /** A cgroup watch's unit or path; null for the other kinds. */
    public CgroupPattern cgroup() { return cgroup; }
    /** The {@link EventType} mask. */
    public int mask() { return mask; }
    public String events() { return EventType.toList(mask); }
    public long createdMillis() { return createdMillis; }
    /** When it began on the kernel's event clock ({@link System#nanoTime()}): earlier events are not its own. */
    long sinceNanos() { return sinceNanos; }
    /** Internal watches serve {@code waitForExit} and summaries: no MBean, not listed. */
    public boolean internal() { return internal; }
    /** Events delivered to this watch so far. */
    public long matched() { return matched.get(); }
    /** A one-line description of the last event delivered, "" before the first. */
    public String lastEvent() {
        ProcEvent e = lastEvent;
        return e == null ? "" : e.describe();
    }
    /** How the watched process (the root of a tree) ended, or null while it runs. */
    public ExitStatus exitStatus() { return exitStatus; }
    /** Whether the watch has ended by itself (its process, or every process of its tree, is gone). */
    public boolean ended() { return ended; }

    /** What it watches, as the MBean shows it: a pid, "tree of 1234", a regex, "unit:nginx.service", or "all". */
    public String target() {
        switch (kind) {
            case PROCESS: return Integer.toString(pid);
            case TREE: return "tree of " + pid;
            case COMMAND: return pattern.pattern();
            case CGROUP: return cgroup.toString();
            default: return "all";
        }
    }

    boolean wants(EventType type) {
        return type.in(mask);
    }

    /**
     * Whether this watch's exits need {@code type}'s event of a member although it does not want
     * it ({@link #neededMask}).
     */
    boolean needsForItsExits(EventType type) {
        return !type.in(mask) && type.in(neededMask(mask, internal));
    }

    /**
     * The events of its processes a watch wanting {@code mask} needs: those, and for a public
     * watch of exits also the forks (the child's command, inherited), execs (the new command,
     * read then) and comm changes, which are what an exit tells of its process. A watch of exits
     * only would otherwise tell the exit of a short-lived process without its command: gone
     * before the exit is delivered, /proc no longer has it. (Internal watches, waiters, tell no
     * command.)
     */
    static int neededMask(int mask, boolean internal) {
        return !tellsCommandsAtExit(mask, internal) ? mask
                : mask | EventType.FORK.bit() | EventType.EXEC.bit() | EventType.COMM.bit();
    }

    /**
     * Whether this watch's exits tell the command of their process ({@link #neededMask}): then a
     * process it takes in from /proc rather than by an event (one alive when it began) is
     * described as it joins, see {@link WatchRegistry.Found}.
     */
    boolean tellsCommandsAtExit() {
        return tellsCommandsAtExit(mask, internal);
    }

    /** A public watch of exits tells the command at each exit; internal ones (waiters) tell none. */
    private static boolean tellsCommandsAtExit(int mask, boolean internal) {
        return !internal && EventType.EXIT.in(mask);
    }

    /** The client whose end ends this watch, or null when it stays until unwatched (see {@link WatchOwners}). */
    public WatchOwners.Owner owner() { return owner; }

    /** Set by {@link WatchOwners}, under its lock. */
    void owner(WatchOwners.Owner o) {
        owner = o;
    }

    /** Command searches that ran out of steps (a pattern with catastrophic backtracking), counted as no match. */
    public long abandonedMatches() { return abandonedMatches.get(); }

    void countAbandonedMatch() {
        abandonedMatches.incrementAndGet();
    }

    /**
     * The name of the declared watch this belongs to, or null for a watch a client made. A
     * named watch has no id MBean (its MBean is by name) and cannot be ended by {@code unwatch}.
     */
    public String name() {
        return name;
    }

    void declaredAs(String declaredName) {
        name = declaredName;
    }

    /**
     * Whether a fork of a member makes the child a member too: trees, and declared command
     * watches (a forked child runs the same command until it execs, so /proc shows it matching:
     * nginx's workers, a shell's subshells). Such a command watch also lets a member go at an
     * exec of a command that no longer matches. A cgroup watch too: the kernel gives the child
     * its parent's cgroup.
     */
    boolean followsForks() {
        return kind == WatchKind.TREE || kind == WatchKind.CGROUP || kind == WatchKind.COMMAND && name != null;
    }

    /** A matched event (reader thread): counted, and recorded where an internal watch keeps a history. */
    void matched(EventFrame f) {
        matched.incrementAndGet();
        FrameSink s = sink;
        if (s != null) {
            s.record(f);
        }
    }

    /** A recovered exit, delivered without a frame. */
    void countMatch() {
        matched.incrementAndGet();
    }

    /** From now on, every matched event is also recorded into {@code s}. */
    void recordInto(FrameSink s) {
        sink = s;
    }

    /** The hold on a process watch's process, or null. */
    Pidfd pidfd() {
        return pidfd;
    }

    /** A process joined (registry, under its write lock). */
    void joined() {
        members++;
    }

    /** How many processes it follows now (registry, under its write lock). */
    int members() {
        return members;
    }

    /** A process left (registry, under its write lock): how many are left. */
    int left() {
        return --members;
    }

    void lastEvent(ProcEvent event) {
        lastEvent = event;
    }

    /** The kernel timestamp of the exit in {@link #exitStatus()}, 0 before. */
    public long exitTimestampNanos() { return exitTimestampNanos; }

    void exited(ExitStatus status, long timestampNanos) {
        exitTimestampNanos = timestampNanos;
        exitStatus = status;
    }

    /** Ended: it follows nothing more, its waiters are released, its pidfd closed. */
    void end() {
        ended = true;
        endedLatch.countDown();
        Pidfd fd = pidfd;
        if (fd != null) {
            pidfd = null;
            fd.close();
        }
    }

    /** Waits until the watch ends; true when it did within the timeout. */
    boolean awaitEnd(long timeoutMillis) throws InterruptedException {
        return endedLatch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        String what = kind == WatchKind.PROCESS ? "process " + pid
                : kind == WatchKind.COMMAND ? "command " + target() : target();
        String end = !ended ? "" : exitStatus == null ? ", ended" : ", ended: " + exitStatus.describe();
        return "watch " + id + " (" + what + ", " + events() + end + ")";
    }
}
