package org.taskwatch.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The netlink event source: a reader thread that receives from a {@link ProcConnector}, classifies
 * process and thread events ({@link ThreadTracker}), and calls an {@link EventHandler} for each
 * event, all without allocating. Loss is reported to the handler as soon as it is seen: the socket's drop counter
 * (checked at most every 100 ms), per-CPU sequence gaps, ENOBUFS. A drop that is also a gap is one
 * lost event, reported once ({@link LossCount}).
 *
 * <p>Nothing the kernel sends and nothing the handler throws stops the thread: bad messages
 * are counted by the connector, handler exceptions go to {@link EventHandler#onError}. Only a
 * failing socket ends it (reported to onError too).
 *
 * <p>A kernel filter ({@link #setFilter}) is attached through the reader rather than the
 * connector, because the tracker learns threads from fork and exit messages: of a process the old
 * filter dropped it has seen none. So when a filter starts letting a process through, its threads
 * are read from /proc right after the kernel swapped filters, and the reader takes that in before
 * it handles another message.
 *
 * <p>Threading: the reader thread owns the tracker and the frame; {@link #setFilter},
 * {@link #clearFilter} and {@link #close} may be called from any thread (close sends IGNORE once
 * the reader has stopped).
 */
public final class ProcEventReader implements EventSource, KernelFilter {
    private static final long DROP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The longest an idle reader sleeps in receive (see {@link #waitLong}). */
    static final int IDLE_RECEIVE_TIMEOUT_MILLIS = 5000;
    private static final int[] EVERY_PROCESS = new int[0];

    /**
     * Processes as /proc showed them right after a filter change; {@code fresh}: start from an
     * empty tracker (every process is in {@code processes}).
     */
    private record Relearn(boolean fresh, List<ThreadTracker.ProcessThreads> processes) {}

    /** First wait before reopening a failed socket; doubled per failed attempt up to {@link #MAX_BACKOFF_MILLIS}. */
    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 30_000;

    private volatile ProcConnector connector;
    private final GuardedHandler guarded;
    private final Thread thread;
    private ThreadTracker tracker = new ThreadTracker(); // reader thread only
    // the reader thread's loop state (readOne)
    private final EventFrame frame = new EventFrame();
    private LossCount loss;
    private long dropsRead; // when the socket's drop counter was last read
    private long batches = -1;
    /** The filter last asked for, which a replacement socket gets too. Guarded by this. */
    private BpfProgram filterWanted;
    /** What the reader takes into its tracker before its next message, oldest first. */
    private final ConcurrentLinkedQueue<Relearn> relearn = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile String reopening = ""; // why the socket is being reopened, "" while it works
    private volatile long reopens;

    private ProcEventReader(ProcConnector connector, EventHandler handler, String name) {
        this.connector = connector;
        this.guarded = new GuardedHandler(handler);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Starts a reader thread named {@code name} on an open connector, which it then owns. */
    public static ProcEventReader start(ProcConnector connector, EventHandler handler, String name) {
        ProcEventReader r = new ProcEventReader(connector, handler, name);
        waitLong(connector);
        r.thread.start();
        return r;
    }

    public ProcConnector connector() {
        return connector;
    }

    @Override
    public Optional<ProcConnector> procConnector() {
        return Optional.of(connector);
    }

    @Override
    public Optional<KernelFilter> kernelFilter() {
        return Optional.of(this);
    }

    @Override
    public BpfProgram filter() {
        return connector.filter();
    }

    @Override
    public int kernelEventMask() {
        return connector.kernelEventMask();
    }

    @Override
    public String name() {
        return "netlink";
    }

    /** Degraded while a failed socket is being reopened (events of that time are lost). */
    @Override
    public boolean degraded() {
        return !reopening.isEmpty();
    }

    @Override
    public String degradedReason() {
        return reopening.isEmpty() ? "" : "reopening the proc connector after: " + reopening;
    }

    /** How many times a failed socket was replaced by a new one. */
    public long reopens() {
        return reopens;
    }

    @Override
    public String limitations() {
        return "";
    }

    @Override
    public ExitStatusCoverage exitStatusCoverage() {
        return ExitStatusCoverage.ALL;
    }

    /** Every exit comes with its status: nothing to hold. */
    @Override
    public boolean track(int tgid) {
        return true;
    }

    @Override
    public void untrack(int tgid) {
        // nothing was held
    }

    /**
     * Attaches (or replaces) the connector's kernel filter ({@link ProcConnector#setFilter}); the
     * processes it lets through that the old one did not have their threads re-read from /proc by
     * the reader before it handles another message.
     *
     * <p>Order for a caller whose matching depends on the filter: widen the filter before it starts
     * matching a new process (events of the process from then on pass), narrow it only after it
     * stopped. And only what the filter lets through is seen at all: a process that joins a watch
     * because of an event (a fork in a followed tree, an exec that matches a command) has its next
     * events judged by the filter in force when they happen, before anyone could add it.
     *
     * <p>Left open: a multi-threaded process that ends whole between the swap and the read of
     * /proc (well under a millisecond), its leader first by {@code pthread_exit}, is reported
     * ended at its leader's exit, with the leader's status.
     */
    @Override
    public void setFilter(BpfProgram program) throws NativeException {
        synchronized (this) { // with replaceSocket
            if (!reopening.isEmpty()) {
                filterWanted = program.acceptsAll() ? null : program; // for the new socket, which relearns everything
                return;
            }
            BpfProgram old = connector.filter();
            connector.setFilter(program);
            filterWanted = connector.filter();
            requestRelearn(old, filterWanted);
        }
    }

    /** Detaches the kernel filter; the reader re-reads every process's threads, whose messages it had not all seen. */
    @Override
    public void clearFilter() throws NativeException {
        synchronized (this) {
            filterWanted = null;
            if (!reopening.isEmpty()) {
                return;
            }
            BpfProgram old = connector.filter();
            connector.clearFilter();
            requestRelearn(old, null);
        }
    }

    /**
     * Reads the threads of the processes {@code now} lets through anew, on the caller's thread
     * right after the swap: read any later, /proc could show a process after messages that the
     * reader handles before it (a thread, or the whole process, already gone).
     */
    private void requestRelearn(BpfProgram old, BpfProgram now) {
        int[] processes = newlyCovered(old, now);
        if (processes == null) {
            return;
        }
        ProcFs proc = ProcFs.SYSTEM;
        List<ThreadTracker.ProcessThreads> read = new ArrayList<>();
        for (int tgid : processes == EVERY_PROCESS ? proc.pids() : Arrays.stream(processes).boxed().toList()) {
            read.add(ThreadTracker.ProcessThreads.read(proc, tgid));
        }
        relearn.add(new Relearn(processes == EVERY_PROCESS, read));
    }

    /**
     * The processes whose thread creates and exits {@code now} lets through and {@code old} did
     * not: {@link #EVERY_PROCESS}, some pids, or null for none. Null stands for no filter.
     */
    static int[] newlyCovered(BpfProgram old, BpfProgram now) {
        if (coversEveryProcess(old)) {
            return null; // the tracker saw every thread message until now
        }
        if (coversEveryProcess(now)) {
            return EVERY_PROCESS;
        }
        int[] before = old.pids();
        int[] added = Arrays.stream(now.pids()).filter(p -> Arrays.binarySearch(before, p) < 0).toArray();
        return added.length == 0 ? null : added;
    }

    private static boolean coversEveryProcess(BpfProgram p) {
        return p == null || p.acceptsEveryProcess(ProcEventCodec.WHAT_FORK | ProcEventCodec.WHAT_EXIT);
    }

    /** Exceptions the handler threw (each also passed to {@link EventHandler#onError}). */
    @Override
    public long handlerErrors() {
        return guarded.errors();
    }

    /** Whether the reader stopped for good (it was closed while a failed socket could not be reopened). */
    @Override
    public boolean failed() {
        return failed;
    }

    @Override
    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        guarded.start();
        // seeded after subscribing: a thread that ends meanwhile has its exit queued, and the
        // tracker's operations are idempotent, so nothing is counted twice
        relearnEverything();
        countFromNow();
        while (running && readOne()) {
            // one message per pass
        }
    }

    /** Loss and batches counted from the current socket's state: at start, and on a new socket. */
    private void countFromNow() {
        loss = new LossCount(connector.kernelDrops());
        dropsRead = System.nanoTime();
        batches = -1;
    }

    /**
     * Receives one message and hands it on, counting what was lost before it. A method of its
     * own, its state in fields: the JIT compiles a method after some hundreds of calls, while a
     * loop inside one long-running method stays interpreted until it has gone round tens of
     * thousands of times (hours at an ordinary rate).
     *
     * @return false when the reader must stop: its socket failed and no new one could be opened
     */
    private boolean readOne() {
        int r;
        try {
            r = connector.receive(frame);
        } catch (NativeException e) {
            guarded.error(e);
            if (!replaceSocket(e)) {
                return false;
            }
            countFromNow();
            return true;
        }
        if (connector.batches() != batches) {
            batches = connector.batches();
            guarded.batch(); // before the batch's first event, which receive has just decoded
        }
        if (!relearn.isEmpty()) {
            // after receive, which may have waited while a filter was swapped: before this message
            relearnThreads();
        }
        if (r == ProcConnector.EVENT) {
            dispatch(frame);
        } else if (r == ProcConnector.OVERRUN) {
            guarded.loss(-1, "overrun");
        }
        long gapLoss = loss.gaps(connector.sequenceGaps());
        if (gapLoss > 0) {
            guarded.loss(gapLoss, "sequence gap");
        }
        long now = System.nanoTime();
        if (r == ProcConnector.TIMEOUT || now - dropsRead >= DROP_CHECK_NANOS || connector.caughtUpSince(dropsRead)) {
            boolean gapsCounted = connector.gapsCountedSince(dropsRead);
            long dropLoss = loss.drops(connector.kernelDrops(), gapsCounted);
            dropsRead = now;
            if (dropLoss > 0) {
                guarded.loss(dropLoss, "socket buffer");
            }
        }
        return true;
    }

    /**
     * The socket failed: unsubscribe and close it, then open a new one, waiting 100 ms, 200 ms,
     * ... up to 30 s between attempts. What happened meanwhile is lost, and said so (the
     * monitor then checks its watched processes).
     *
     * @return false when the reader was closed before a new socket could be opened
     */
    private boolean replaceSocket(NativeException cause) {
        synchronized (this) { // with setFilter: a filter asked for from now on waits for the new socket
            reopening = cause.getMessage();
            connector.close(); // IGNORE first, if the socket still takes it
        }
        long backoff = FIRST_BACKOFF_MILLIS;
        while (running) {
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                synchronized (this) { // with close(): a socket opened here is one close() will close
                    if (!running) {
                        break;
                    }
                    connector = withFilter(connector.reopen(), filterWanted);
                    waitLong(connector);
                    reopening = "";
                }
                relearnEverything(); // thread messages were lost with the old socket
                reopens++;
                guarded.loss(-1, "socket reopened");
                return true;
            } catch (ConnectorUnavailableException e) {
                guarded.error(e);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
        failed = true;
        return false;
    }

    private void dispatch(EventFrame frame) {
        int r = tracker.classify(frame);
        guarded.event(frame);
        if (r == ThreadTracker.EMIT_THEN_PROCESS_EXIT) {
            tracker.endProcess(frame);
            guarded.event(frame);
        }
    }




    /**
     * While idle the reader sleeps in receive until a message comes, or {@link
     * #IDLE_RECEIVE_TIMEOUT_MILLIS} at most: close wakes it ({@link ProcConnector#wakeReceiver}),
     * and the timeout only bounds a stop whose wake-up the kernel dropped.
     */
    private static void waitLong(ProcConnector c) {
        try {
            c.setReceiveTimeout(IDLE_RECEIVE_TIMEOUT_MILLIS);
        } catch (NativeException e) {
            // a socket that fails now fails in receive too, where it is reported and replaced; one
            // that keeps the short timeout is correct, only dearer while idle
        }
    }

    /** The new socket with the filter asked for while it was being opened, if that changed. */
    private static ProcConnector withFilter(ProcConnector c, BpfProgram wanted) throws ConnectorUnavailableException {
        if (c.filter() == wanted) {
            return c;
        }
        try {
            if (wanted == null) {
                c.clearFilter();
            } else {
                c.setFilter(wanted);
            }
            return c;
        } catch (NativeException e) {
            c.close();
            throw new ConnectorUnavailableException("cannot set the kernel filter on the new socket: " + e.getMessage(), e);
        }
    }

    /** On the reader thread: a tracker learned from /proc afresh; what was queued to relearn is older. */
    private void relearnEverything() {
        relearn.clear();
        tracker = new ThreadTracker();
        ProcFs proc = ProcFs.SYSTEM;
        for (int pid : proc.pids()) {
            tracker.relearn(ThreadTracker.ProcessThreads.read(proc, pid));
        }
    }

    /** On the reader thread, between two messages: what {@link #setFilter} read from /proc. */
    private void relearnThreads() {
        Relearn r;
        while ((r = relearn.poll()) != null) {
            if (r.fresh()) {
                tracker = new ThreadTracker();
            }
            for (ThreadTracker.ProcessThreads p : r.processes()) {
                tracker.relearn(p);
            }
        }
    }

    /**
     * Stops the reader thread (at once: it is woken; within {@link #IDLE_RECEIVE_TIMEOUT_MILLIS}
     * if the kernel dropped every wake-up), then unsubscribes and closes the socket.
     */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        if (Thread.currentThread() != thread) {
            if (!reopening.isEmpty()) {
                thread.interrupt(); // waiting to reopen: no need to wait the backoff out
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_RECEIVE_TIMEOUT_MILLIS + 1000);
            try {
                // a wake-up is lost like an event while the socket's buffer is full: the reader
                // is draining it then, so ask again until it has stopped
                while (thread.isAlive() && System.nanoTime() < deadline) {
                    connector.wakeReceiver();
                    thread.join(250);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connector.close();
    }
}
