package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One event, decoded into a reusable mutable frame so that the reader thread allocates nothing
 * for events nobody watches. Owned by the reader thread: it is refilled for every message, so
 * a consumer that keeps an event calls {@link #toEvent()} for an immutable copy.
 *
 * <p>After {@link ThreadTracker} has seen it, {@link #type()} is the logical type: a clone that
 * makes a thread is {@link EventType#THREAD_CREATE}, and a process {@link EventType#EXIT} is the
 * exit of its last thread, with the process's real status.
 *
 * <p>Field meanings by type: for {@code FORK} and {@code THREAD_CREATE}, {@code pid}/{@code tgid}
 * are the kernel's parent fields and {@code childPid}/{@code childTgid} the new task; for
 * {@code EXIT}, {@code THREAD_EXIT} and {@code COREDUMP}, {@code ppid} is the parent's tgid from
 * the event (0 where the kernel gives none); otherwise {@code ppid} is 0 until enriched.
 *
 * <p>Frames from the /proc poller ({@link ProcPollSource}) carry the same fields, filled by the
 * {@code polled*} methods: no CPU ({@code cpu} -1, {@code sequence} 0), the time of the scan that
 * saw the change, the parent as /proc named it, and an exit's wait status only where a pidfd
 * gave it ({@link ExitStatus#UNKNOWN_WAIT_STATUS} otherwise).
 */
public final class EventFrame {
    EventType type;
    int what;
    int cpu;
    int cnSeq;
    int cnAck;
    long timestampNanos;
    int pid;
    int tgid;
    int ppid;
    int childPid;
    int childTgid;
    long childStartTime = -1;
    int waitStatus;
    int exitSignal;
    int realId;
    int effectiveId;
    int tracerPid;
    int tracerTgid;
    int ackError;
    private final byte[] comm = new byte[16];
    private int commLength;

    void clear() {
        type = null;
        what = cpu = cnSeq = cnAck = pid = tgid = ppid = childPid = childTgid = 0;
        childStartTime = -1;
        waitStatus = exitSignal = realId = effectiveId = tracerPid = tracerTgid = ackError = commLength = 0;
        timestampNanos = 0;
    }

    /** A new process {@code childTgid} whose parent is {@code parentTgid}, as a scan of /proc found it. */
    void polledFork(long timestampNanos, int parentTgid, int grandparentTgid, int childTgid, long childStartTime) {
        polled(EventType.FORK, ProcEventCodec.WHAT_FORK, timestampNanos, parentTgid, grandparentTgid);
        this.childPid = childTgid;
        this.childTgid = childTgid;
        this.childStartTime = childStartTime;
    }

    /** Process {@code tgid} runs a new program, as a scan of /proc found it. */
    void polledExec(long timestampNanos, int tgid, int ppid) {
        polled(EventType.EXEC, ProcEventCodec.WHAT_EXEC, timestampNanos, tgid, ppid);
    }

    /**
     * Process {@code tgid} is gone, as a scan of /proc found it; {@code waitStatus} is what its
     * pidfd told, or {@link ExitStatus#UNKNOWN_WAIT_STATUS}.
     */
    void polledExit(long timestampNanos, int tgid, int ppid, int waitStatus) {
        polled(EventType.EXIT, ProcEventCodec.WHAT_EXIT, timestampNanos, tgid, ppid);
        this.waitStatus = waitStatus;
        this.exitSignal = 17; // a process (not a thread): the poller sees only thread groups
    }

    private void polled(EventType type, int what, long timestampNanos, int tgid, int ppid) {
        clear();
        this.type = type;
        this.what = what;
        this.cpu = -1; // no CPU sent it
        this.timestampNanos = timestampNanos;
        this.pid = tgid;
        this.tgid = tgid;
        this.ppid = ppid;
    }

    void kernelType(int kernelWhat) {
        switch (kernelWhat) {
            case ProcEventCodec.WHAT_FORK: type = EventType.FORK; break;
            case ProcEventCodec.WHAT_EXEC: type = EventType.EXEC; break;
            case ProcEventCodec.WHAT_UID: type = EventType.UID; break;
            case ProcEventCodec.WHAT_GID: type = EventType.GID; break;
            case ProcEventCodec.WHAT_SID: type = EventType.SID; break;
            case ProcEventCodec.WHAT_PTRACE: type = EventType.PTRACE; break;
            case ProcEventCodec.WHAT_COMM: type = EventType.COMM; break;
            case ProcEventCodec.WHAT_COREDUMP: type = EventType.COREDUMP; break;
            case ProcEventCodec.WHAT_EXIT: type = EventType.EXIT; break;
            default: type = null;
        }
    }

    void setComm(ByteBuffer buf, int offset) {
        int n = 0;
        for (int i = 0; i < comm.length; i++) {
            byte b = buf.get(offset + i);
            comm[i] = b;
            if (b != 0 && n == i) {
                n = i + 1;
            }
        }
        commLength = n;
    }

    public EventType type() { return type; }
    /** The kernel's {@code what} of the message this frame was decoded from. */
    public int kernelWhat() { return what; }
    /** The CPU that sent the event; -1 when none did (the /proc poller). */
    public int cpu() { return cpu; }
    /**
     * CLOCK_MONOTONIC nanoseconds when the kernel built the event (or when the poller's scan saw
     * the change): comparable with {@link System#nanoTime()}.
     */
    public long timestampNanos() { return timestampNanos; }
    public int pid() { return pid; }
    public int tgid() { return tgid; }
    public int ppid() { return ppid; }
    public int childPid() { return childPid; }
    public int childTgid() { return childTgid; }
    /**
     * A fork the /proc poller saw: the child's start time (clock ticks after boot, as /proc has
     * it), which tells the process apart from an earlier one with its pid although the fork is
     * stamped with the scan, not when it happened. -1 for the kernel's forks.
     */
    public long childStartTime() { return childStartTime; }
    /**
     * The raw wait status of an exit; see {@link ExitStatus#fromWaitStatus}. It is
     * {@link ExitStatus#UNKNOWN_WAIT_STATUS} when the source could not learn it: test
     * {@link #exitStatusKnown()} before reading it as a number.
     */
    public int waitStatus() { return waitStatus; }
    /** False when the exit's status is unknown (the poller, for a process nobody tracked). */
    public boolean exitStatusKnown() { return waitStatus != ExitStatus.UNKNOWN_WAIT_STATUS; }
    /** 17 (SIGCHLD) for a process, -1 for a thread. */
    public int exitSignal() { return exitSignal; }
    public int realId() { return realId; }
    public int effectiveId() { return effectiveId; }
    public int tracerPid() { return tracerPid; }
    public int tracerTgid() { return tracerTgid; }
    /** The connector's per-CPU sequence number of this message. */
    public int sequence() { return cnSeq; }
    public int ackError() { return ackError; }

    /** The 16-byte comm of a COMM event, up to its first NUL. Allocates. */
    public String comm() {
        return new String(comm, 0, commLength, StandardCharsets.UTF_8);
    }

    /** An immutable copy of this event. Allocates: for events someone wants. */
    public ProcEvent toEvent() {
        if (type == null) {
            throw new IllegalStateException("no event in this frame");
        }
        switch (type) {
            case FORK:
                return new ProcEvent.Fork(cpu, timestampNanos, pid, tgid, ppid, childPid, childTgid);
            case THREAD_CREATE:
                return new ProcEvent.ThreadCreate(cpu, timestampNanos, childPid, childTgid, ppid);
            case EXEC:
                return new ProcEvent.Exec(cpu, timestampNanos, pid, tgid, ppid);
            case EXIT:
                return new ProcEvent.Exit(cpu, timestampNanos, pid, tgid, ppid, ExitStatus.fromWaitStatus(waitStatus));
            case THREAD_EXIT:
                return new ProcEvent.ThreadExit(cpu, timestampNanos, pid, tgid, ppid, ExitStatus.fromWaitStatus(waitStatus));
            case COMM:
                return new ProcEvent.Comm(cpu, timestampNanos, pid, tgid, ppid, comm());
            case UID:
                return new ProcEvent.Uid(cpu, timestampNanos, pid, tgid, ppid, realId, effectiveId);
            case GID:
                return new ProcEvent.Gid(cpu, timestampNanos, pid, tgid, ppid, realId, effectiveId);
            case SID:
                return new ProcEvent.Sid(cpu, timestampNanos, pid, tgid, ppid);
            case PTRACE:
                return new ProcEvent.Ptrace(cpu, timestampNanos, pid, tgid, ppid, tracerPid, tracerTgid);
            case COREDUMP:
                return new ProcEvent.Coredump(cpu, timestampNanos, pid, tgid, ppid);
            default:
                throw new IllegalStateException("no event in this frame");
        }
    }

    @Override
    public String toString() {
        return type + " pid=" + pid + " tgid=" + tgid + " ppid=" + ppid + " child=" + childPid + "/" + childTgid
                + " status=0x" + Integer.toHexString(waitStatus) + " cpu=" + cpu + " seq=" + cnSeq;
    }
}
