package org.taskwatch.kernel;

import java.util.concurrent.TimeUnit;

/**
 * The netlink event source: a reader thread that receives from a {@link ProcConnector}, classifies
 * process and thread events ({@link ThreadTracker}), and calls an {@link EventHandler} for each
 * event, all without allocating. Loss is reported to the handler as soon as it is seen: the socket's drop counter
 * (checked at most every 100 ms), per-CPU sequence gaps, ENOBUFS.
 *
 * <p>Nothing the kernel sends and nothing the handler throws stops the thread: bad messages
 * are counted by the connector, handler exceptions go to {@link EventHandler#onError}. Only a
 * failing socket ends it (reported to onError too).
 *
 * <p>Threading: the reader thread owns the tracker and the frame; {@link #close} may be called
 * from any thread and sends IGNORE once the reader has stopped.
 */
public final class ProcEventReader implements EventSource {
    private static final long DROP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** First wait before reopening a failed socket; doubled per failed attempt up to {@link #MAX_BACKOFF_MILLIS}. */
    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 30_000;

    private volatile ProcConnector connector;
    private final GuardedHandler guarded;
    private final Thread thread;
    private final ThreadTracker tracker = new ThreadTracker();
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
        r.thread.start();
        return r;
    }

    public ProcConnector connector() {
        return connector;
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
        // seeded after subscribing: a thread that ends meanwhile has its exit queued, and the
        // tracker's operations are idempotent, so nothing is counted twice
        seedThreads();
        EventFrame frame = new EventFrame();
        long drops = connector.kernelDrops();
        long gaps = 0;
        long nextDropCheck = System.nanoTime() + DROP_CHECK_NANOS;
        while (running) {
            int r;
            try {
                r = connector.receive(frame);
            } catch (NativeException e) {
                guarded.error(e);
                if (!replaceSocket(e)) {
                    return;
                }
                drops = connector.kernelDrops();
                gaps = 0;
                continue;
            }
            if (r == ProcConnector.EVENT) {
                dispatch(frame);
            } else if (r == ProcConnector.OVERRUN) {
                guarded.loss(-1, "overrun");
            }
            long g = connector.sequenceGaps();
            if (g != gaps) {
                guarded.loss(g - gaps, "sequence gap");
                gaps = g;
            }
            long now = System.nanoTime();
            if (r == ProcConnector.TIMEOUT || now - nextDropCheck >= 0) {
                nextDropCheck = now + DROP_CHECK_NANOS;
                long d = connector.kernelDrops();
                if (d > drops) {
                    guarded.loss(d - drops, "socket buffer");
                }
                drops = Math.max(drops, d);
            }
        }
    }

    /**
     * The socket failed: unsubscribe and close it, then open a new one, waiting 100 ms, 200 ms,
     * ... up to 30 s between attempts. What happened meanwhile is lost, and said so (the
     * monitor then checks its watched processes).
     *
     * @return false when the reader was closed before a new socket could be opened
     */
    private boolean replaceSocket(NativeException cause) {
        reopening = cause.getMessage();
        connector.close(); // IGNORE first, if the socket still takes it
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
                    connector = connector.reopen();
                }
                reopens++;
                reopening = "";
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




    private void seedThreads() {
        ProcFs proc = ProcFs.SYSTEM;
        for (int pid : proc.pids()) {
            for (int tid : proc.tasks(pid)) {
                tracker.addThread(tid, pid);
            }
        }
    }

    /** Stops the reader thread (within about 200 ms), then unsubscribes and closes the socket. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        if (Thread.currentThread() != thread) {
            if (!reopening.isEmpty()) {
                thread.interrupt(); // waiting to reopen: no need to wait the backoff out
            }
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connector.close();
    }
}
