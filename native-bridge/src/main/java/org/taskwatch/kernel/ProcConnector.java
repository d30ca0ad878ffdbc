package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A subscribed proc connector socket: the kernel's stream of fork, exec, exit and id-change
 * events for every process of the system.
 *
 * <p>{@link #open} creates the netlink socket, sizes its receive buffer, turns off ENOBUFS
 * (drops are counted from {@code SO_MEMINFO} and per-CPU sequence gaps instead), binds to the
 * proc group and performs the handshake of docs/kernel.md (Socket and subscription): LISTEN for all events, wait for the
 * kernel's ack (no ack means no connector: a clear error), then LISTEN with the event-type mask
 * on 6.6+ kernels. {@link #close} always sends IGNORE first: the kernel's listener count drops
 * only on IGNORE, never on close.
 *
 * <p>Kernel-side filtering: {@link #setKernelEventMask} (event types, Linux 6.6+) and
 * {@link #setFilter} (a classic BPF program, any kernel) make the kernel drop messages before they
 * reach the socket. Dropped messages still take their per-CPU sequence numbers, so while either is
 * on, sequence gaps are expected and not counted as loss; the socket's drop counter
 * ({@link #kernelDrops}) is then the only measure of loss.
 *
 * <p>Threading: one reader thread calls {@link #receive}; the counters and {@link #kernelDrops}
 * may be read from any thread; {@link #setKernelEventMask}, {@link #setFilter}, {@link #clearFilter}
 * and {@link #close} from any thread (close only after the reader has stopped calling receive).
 */
public final class ProcConnector implements AutoCloseable {
    /** 8 MiB: about 10,000 events of burst at ~832 bytes each (docs/kernel.md, Overflow). */
    public static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    /** How long {@link #receive} waits on a new socket (the subscription handshake waits for its ack in such steps). */
    static final int RECEIVE_TIMEOUT_MILLIS = 200;
    static final int ACK_TIMEOUT_MILLIS = 1000;
    /** The ack number of {@link #wakeReceiver}'s request (the kernel answers with it plus one). */
    static final int WAKE_ACK = 0x7477_0000;
    private static final int MAX_CPUS = 4096;
    /** Datagrams per {@code recvmmsg}, and the room for each: a proc connector message is under 100 bytes. */
    static final int BATCH_DATAGRAMS = 64;
    static final int DATAGRAM_BYTES = 512;
    /** The default of {@link #setCoalescing}: at most one wake-up per 250 us while events stream in. */
    public static final int DEFAULT_COALESCE_MICROS = 250;

    /** {@link #receive} results. */
    public static final int EVENT = 1;
    public static final int TIMEOUT = 0;
    /** A message was skipped: malformed, foreign, or an ack (each counted). */
    public static final int SKIPPED = 2;
    /** The kernel reported a buffer overrun (ENOBUFS); how much is unknown. */
    public static final int OVERRUN = 3;

    private final int fd;
    private final KernelVersion kernel;
    private final int receiveBufferBytes;
    private final boolean receiveBufferForced;

    // reader thread only
    private final DatagramBatch batch = new DatagramBatch(BATCH_DATAGRAMS, DATAGRAM_BYTES);
    private final ByteBuffer rx = batch.buffer();
    private int slot; // the datagram being decoded
    private int slots; // datagrams in the batch
    private int rxPos;
    private int rxEnd;
    private long batchNanos; // when the last batch arrived
    private long fullBatchNanos; // when the last batch that filled every slot arrived (more was queued)
    private long batches; // received (reader thread only)
    private boolean coalesceNext; // events arrive faster than one batch per coalescing period
    private volatile long coalesceNanos = DEFAULT_COALESCE_MICROS * 1000L;
    private boolean lastSkipWasAck;
    private final int[] lastSeq = new int[MAX_CPUS];
    private final long[] lastStamp = new long[MAX_CPUS];
    private final boolean[] seqSeen = new boolean[MAX_CPUS];

    // written by the reader thread only, read by anyone
    private volatile long received;
    private volatile long malformed;
    private volatile long foreign;
    private volatile long overruns;
    private volatile long sequenceGaps;

    private final Object txLock = new Object();
    private final ByteBuffer tx = ProcEventCodec.newBuffer(64); // guarded by txLock
    private volatile int kernelEventMask = ProcEventCodec.WHAT_ALL; // written under txLock
    private volatile BpfProgram filter; // written under txLock; null when none is attached
    /** Whether a kernel filter is (or is about to be) on, so that gaps are expected. Written under txLock. */
    private volatile boolean gapsExpected;
    /**
     * {@link System#nanoTime()} (CLOCK_MONOTONIC, the kernel's event clock) when the last kernel
     * filter came off. Written under txLock, before {@link #gapsExpected} is cleared.
     */
    private volatile long unfilteredSinceNanos;
    private volatile boolean closed;
    private boolean listening; // guarded by txLock: a LISTEN went out and no IGNORE yet
    /** Sockets of this JVM the kernel counts as listeners (LISTEN sent, IGNORE not yet). */
    private static final java.util.concurrent.atomic.AtomicInteger LISTENING = new java.util.concurrent.atomic.AtomicInteger();

    private int requestedReceiveBufferBytes;
    private KernelCounts counts; // set before the socket is shared, then only read
    private String countingRefused = "";

    private ProcConnector(int fd, KernelVersion kernel, int receiveBufferBytes, boolean forced) {
        this.fd = fd;
        this.kernel = kernel;
        this.receiveBufferBytes = receiveBufferBytes;
        this.receiveBufferForced = forced;
    }

    /**
     * Opens and subscribes a socket. On any failure the socket is unsubscribed and closed.
     *
     * @param receiveBufferBytes the wanted socket receive buffer (forced when privileged, else
     *     capped by {@code net.core.rmem_max})
     * @throws ConnectorUnavailableException when the connector cannot be reached, saying why
     */
    public static ProcConnector open(int receiveBufferBytes) throws ConnectorUnavailableException {
        return open(receiveBufferBytes, null);
    }

    /**
     * As {@link #open(int)}, with {@code counts} counting every event in the kernel from before the
     * subscription on (its program stays attached: a filter is added behind it, never instead).
     *
     * @param counts null: no counting in the kernel
     */
    public static ProcConnector open(int receiveBufferBytes, KernelCounts counts) throws ConnectorUnavailableException {
        KernelVersion kernel = KernelVersion.running();
        int fd;
        try {
            fd = Syscalls.netlinkConnectorSocket();
        } catch (NativeException e) {
            throw new ConnectorUnavailableException("cannot create the proc connector socket: " + e.getMessage()
                    + (e.errno() == Errno.EPROTONOSUPPORT ? " (this kernel has no netlink connector, CONFIG_CONNECTOR)" : ""), e);
        }
        ProcConnector c = null;
        try {
            boolean forced = true;
            try {
                Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUFFORCE, receiveBufferBytes, "SO_RCVBUFFORCE");
            } catch (NativeException e) {
                forced = false; // needs CAP_NET_ADMIN: fall back to the capped SO_RCVBUF
                Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUF, receiveBufferBytes, "SO_RCVBUF");
            }
            int effective = Syscalls.getIntOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUF, "SO_RCVBUF");
            Syscalls.setIntOption(fd, Syscalls.SOL_NETLINK, Syscalls.NETLINK_NO_ENOBUFS, 1, "NETLINK_NO_ENOBUFS");
            setReceiveTimeout(fd, RECEIVE_TIMEOUT_MILLIS);
            try {
                Syscalls.bindNetlink(fd, ProcEventCodec.CN_IDX_PROC);
            } catch (NativeException e) {
                throw new ConnectorUnavailableException(e.getMessage() + (e.errno() == Errno.EPERM
                        ? ": kernels before 6.6 let only CAP_NET_ADMIN join the proc connector; run as root, grant"
                                + " CAP_NET_ADMIN (setcap or systemd AmbientCapabilities), or use Linux 6.6+"
                        : ""), e);
            }
            c = new ProcConnector(fd, kernel, effective, forced);
            c.requestedReceiveBufferBytes = receiveBufferBytes;
            if (counts != null) {
                c.counts = counts;
                try {
                    c.attachCounting(null);
                } catch (NativeException e) {
                    c.counts = null; // the events are read as before: counting is not worth losing the connector
                    c.countingRefused = e.getMessage();
                }
            }
            c.subscribe();
            return c;
        } catch (ConnectorUnavailableException e) {
            closeAfterFailure(fd, c);
            throw e;
        } catch (NativeException | RuntimeException e) {
            closeAfterFailure(fd, c);
            throw new ConnectorUnavailableException("cannot set up the proc connector socket: " + e.getMessage(), e);
        }
    }

    private static void closeAfterFailure(int fd, ProcConnector c) {
        if (c != null) {
            c.close();
        } else {
            Syscalls.close(fd); // never subscribed: nothing to IGNORE
        }
    }

    private void subscribe() throws ConnectorUnavailableException, NativeException {
        int ack = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        try {
            sendControl(ProcEventCodec.OP_LISTEN, kernel.hasEventTypeFilter() ? ProcEventCodec.WHAT_ALL : null, ack);
            synchronized (txLock) {
                listening = true;
                LISTENING.incrementAndGet();
            }
        } catch (NativeException e) {
            throw new ConnectorUnavailableException(e.getMessage() + (e.errno() == Errno.ECONNREFUSED
                    ? ": the proc connector answers only in the initial network namespace (taskwatch runs in a container"
                            + " or another network namespace)"
                    : ""), e);
        }
        EventFrame frame = new EventFrame();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            int r = receive(frame);
            if (r == SKIPPED && lastSkipWasAck && frame.cnAck == ack + 1) {
                if (frame.ackError != 0) {
                    throw new ConnectorUnavailableException("the proc connector refused LISTEN: "
                            + Errno.name(frame.ackError) + (frame.ackError == Errno.EPERM
                                    ? ": kernels before 6.6 need CAP_NET_ADMIN; run as root or grant CAP_NET_ADMIN" : ""),
                            null);
                }
                resetCounters();
                return;
            }
        }
        throw new ConnectorUnavailableException("the proc connector did not acknowledge LISTEN within "
                + ACK_TIMEOUT_MILLIS + " ms: the kernel lacks CONFIG_PROC_EVENTS, or taskwatch runs in a non-initial"
                + " user or pid namespace (a container), where the kernel ignores the request", null);
    }

    /**
     * How long {@link #receive} waits for a message before it returns {@link #TIMEOUT} (a new
     * socket: {@value #RECEIVE_TIMEOUT_MILLIS} ms). A reader that is woken to stop ({@link
     * #wakeReceiver}) can wait long: each wake-up of an idle reader costs CPU, about 60 us on a
     * virtual machine, for nothing.
     */
    public void setReceiveTimeout(int millis) throws NativeException {
        if (millis <= 0) {
            throw new IllegalArgumentException("receive timeout: must be positive, got " + millis + " ms");
        }
        setReceiveTimeout(fd, millis);
    }

    private static void setReceiveTimeout(int fd, int millis) throws NativeException {
        // struct timeval {long sec; long usec}
        Syscalls.setOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVTIMEO,
                new int[] {millis / 1000, 0, millis % 1000 * 1000, 0}, "SO_RCVTIMEO=" + millis + "ms");
    }

    /**
     * Makes a {@link #receive} waiting on this socket return now rather than at its timeout, by
     * asking the kernel for an ack, which it sends to this socket like an event: before closing,
     * from another thread. From Linux 6.6 a LISTEN for every event type (the kernel counts a
     * socket's repeated LISTENs once; it also clears an event-type mask, which would hold the ack
     * back); before 6.6 the IGNORE that {@link #close} would send (there every LISTEN counts, and
     * the ack of an IGNORE reaches every member). An ack is lost like an event when the socket's
     * buffer is full: call again if the receiver has not stopped (before 6.6 only the first call
     * sends anything).
     *
     * @return whether a request went out
     */
    public boolean wakeReceiver() {
        synchronized (txLock) {
            if (closed || !listening) {
                return false;
            }
            try {
                if (kernel.hasEventTypeFilter()) {
                    listenFor(ProcEventCodec.WHAT_ALL, WAKE_ACK);
                } else {
                    sendControl(ProcEventCodec.OP_IGNORE, null, WAKE_ACK);
                    listening = false;
                    LISTENING.decrementAndGet();
                }
                return true;
            } catch (NativeException e) {
                return false;
            }
        }
    }

    private void resetCounters() {
        received = malformed = foreign = overruns = sequenceGaps = 0;
        java.util.Arrays.fill(seqSeen, false);
    }

    /**
     * Narrows what the kernel sends to this socket to the given {@code proc_input.event_type}
     * ({@link ProcEventCodec#WHAT_ALL} for everything). A no-op before Linux 6.6, which has no
     * such filter. While a filter is set, sequence gaps are expected and no longer counted as loss.
     *
     * @return whether the kernel now filters
     */
    public boolean setKernelEventMask(int what) throws NativeException {
        if (!kernel.hasEventTypeFilter()) {
            return false;
        }
        listenFor(what, 0);
        return what != ProcEventCodec.WHAT_ALL;
    }

    /** LISTEN with {@code what} as this socket's event-type mask (Linux 6.6+), the gap rule kept in step. */
    private void listenFor(int what, int ack) throws NativeException {
        synchronized (txLock) {
            if (what != ProcEventCodec.WHAT_ALL) {
                gapsExpected = true; // before the kernel filters
            }
            try {
                sendControl(ProcEventCodec.OP_LISTEN, what, ack);
                kernelEventMask = what;
            } finally {
                updateGapRule();
            }
        }
    }

    public int kernelEventMask() {
        return kernelEventMask;
    }

    /**
     * Attaches {@code program} to the socket, or replaces the attached one. The kernel swaps filters
     * in one step: every message is judged by the old or by the new one, never by neither, so a
     * process accepted by both loses nothing across the swap. A program that {@link
     * BpfProgram#acceptsAll accepts everything} detaches instead ({@link #clearFilter}).
     *
     * @throws NativeException when the kernel refuses it: ENOMEM when it does not fit the socket's
     *     option memory ({@code net.core.optmem_max}; the old filter still counts while it is
     *     replaced); the old filter then stays
     */
    public void setFilter(BpfProgram program) throws NativeException {
        if (program.acceptsAll()) {
            clearFilter();
            return;
        }
        synchronized (txLock) {
            checkOpen(counts != null ? "SO_ATTACH_BPF" : "SO_ATTACH_FILTER");
            gapsExpected = true; // before the kernel filters: any gap seen from now on may be the filter's
            try {
                if (counts != null) {
                    attachCounting(program);
                } else {
                    Syscalls.attachFilter(fd, program.toSockFilters(), program.instructions());
                }
                filter = program;
            } finally {
                updateGapRule();
            }
        }
    }

    /** Detaches the filter, if any: the kernel sends every message again (within the event-type mask). */
    public void clearFilter() throws NativeException {
        synchronized (txLock) {
            checkOpen("SO_DETACH_FILTER");
            if (filter == null) {
                return;
            }
            if (counts != null) {
                attachCounting(null); // the counting stays
            } else {
                Syscalls.detachFilter(fd);
            }
            filter = null;
            updateGapRule();
        }
    }

    /** Under txLock (or before the socket is shared): the counting program with {@code program} behind it (null: accept all). */
    private void attachCounting(BpfProgram program) throws NativeException {
        int prog = counts.load(program);
        try {
            Bpf.attach(fd, prog);
        } finally {
            Syscalls.close(prog); // the socket holds the program now
        }
    }

    /** What counts this socket's events in the kernel, or null. */
    public KernelCounts kernelCounts() {
        return counts;
    }

    /** Why the counting program asked for at {@link #open(int, KernelCounts)} could not be attached, or "". */
    public String kernelCountsRefused() {
        return countingRefused;
    }

    /** The attached filter, or null: what the agent shows as its {@code KernelFilter}. */
    public BpfProgram filter() {
        return filter;
    }

    /** Under txLock, after a filter changed: gaps are expected while any kernel filter is on. */
    private void updateGapRule() {
        boolean filtered = filter != null || kernelEventMask != ProcEventCodec.WHAT_ALL;
        if (!filtered && gapsExpected) {
            unfilteredSinceNanos = System.nanoTime();
        }
        gapsExpected = filtered;
    }

    private void checkOpen(String what) throws NativeException {
        if (closed) {
            throw new NativeException("setsockopt(closed proc connector socket, " + what + ")", Errno.EBADF);
        }
    }

    private void sendControl(int op, Integer eventType, int ack) throws NativeException {
        synchronized (txLock) {
            if (closed) {
                throw new NativeException("send(closed proc connector socket)", Errno.EBADF);
            }
            int len = ProcEventCodec.encodeControl(tx, op, eventType, 0, ack);
            Syscalls.send(fd, tx, len, (op == ProcEventCodec.OP_LISTEN ? "LISTEN" : "IGNORE")
                    + (eventType == null ? "" : " event_type=0x" + Integer.toHexString(eventType)));
        }
    }

    /**
     * Receives the next event into {@code frame}, waiting at most the receive timeout ({@link
     * #setReceiveTimeout}). Allocates nothing.
     *
     * @return {@link #EVENT}, {@link #TIMEOUT}, {@link #SKIPPED} or {@link #OVERRUN}
     * @throws NativeException when the socket itself fails (not for EINTR, EAGAIN or ENOBUFS)
     */
    public int receive(EventFrame frame) throws NativeException {
        while (rxPos >= rxEnd) {
            if (slot + 1 < slots) {
                slot++;
            } else {
                int n = receiveBatch();
                if (n <= 0) {
                    return receiveFailed(-n);
                }
                slots = n;
                slot = 0;
            }
            rxPos = batch.offset(slot);
            rxEnd = rxPos + batch.length(slot);
            if (batch.senderPortId(slot) != 0) {
                foreign++;
                rxPos = rxEnd;
                return skip(false); // only the kernel (port id 0) may speak on this socket
            }
            if (batch.truncated(slot)) {
                malformed++; // longer than any proc connector message
                rxPos = rxEnd;
                return skip(false);
            }
        }
        int r = ProcEventCodec.decode(rx, rxPos, rxEnd - rxPos, frame);
        if (r > 0) {
            rxPos += r;
            received++;
            checkSequence(frame.cpu, frame.cnSeq, frame.timestampNanos);
            return EVENT;
        }
        rxPos = rxEnd; // after a bad message nothing in this datagram can be trusted
        if (r == ProcEventCodec.ACK) {
            // every listener's LISTEN/IGNORE ack is broadcast to all and takes a per-CPU sequence
            // number like an event: skipping it without noting its number would count a loss
            checkSequence(frame.cpu, frame.cnSeq, frame.timestampNanos);
            return skip(true);
        }
        if (r == ProcEventCodec.E_FOREIGN) {
            foreign++;
        } else {
            malformed++;
        }
        return skip(false);
    }

    /**
     * The next batch of datagrams, or {@code -errno}. Coalescing, as network cards moderate
     * interrupts: while events stream in (the last batch held {@link #COALESCE_BATCH} or more),
     * wait until a coalescing period has passed since the last batch, so that the next one holds
     * what arrived meanwhile. A storm then costs a wake-up and a system call per period rather
     * than per event, and an event waits at most that period. At an ordinary rate batches hold
     * one to three datagrams (a fork, an exec, an exit close together): waiting then would cost
     * a timed park, another wake-up, for events that come one at a time anyway, so nothing waits.
     */
    private int receiveBatch() {
        long period = coalesceNanos;
        if (coalesceNext && period > 0) {
            long wait = batchNanos + period - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        int n = batch.receive(fd);
        long now = System.nanoTime();
        // a full batch leaves more queued: take it at once
        coalesceNext = n >= COALESCE_BATCH && n < batch.slots();
        batchNanos = now;
        if (n == batch.slots()) {
            fullBatchNanos = now;
        }
        if (n > 0) {
            batches++;
        }
        return n;
    }

    /**
     * How long the reader may let events gather while they stream in ({@code 0}: never; each
     * event is then received alone, as it comes). Bounds the extra latency of an event in a storm;
     * events that arrive apart are never held. Any thread.
     */
    public void setCoalescing(int micros) {
        checkCoalescing(micros);
        coalesceNanos = micros * 1000L;
    }

    /** A batch this large says events stream in: the next receive waits out the coalescing period. */
    static final int COALESCE_BATCH = 4;

    /** The longest coalescing period: 100 ms. */
    public static final int MAX_COALESCE_MICROS = 100_000;

    /** @throws IllegalArgumentException for a period that is negative or longer than 100 ms */
    static void checkCoalescing(int micros) {
        if (micros < 0 || micros > MAX_COALESCE_MICROS) {
            throw new IllegalArgumentException("coalescing: must be 0 to " + MAX_COALESCE_MICROS
                    + " microseconds, got " + micros);
        }
    }

    private int skip(boolean ack) {
        lastSkipWasAck = ack;
        return SKIPPED;
    }

    private int receiveFailed(int errno) throws NativeException {
        switch (errno) {
            case Errno.EAGAIN:
            case Errno.EINTR:
                return TIMEOUT;
            case Errno.ENOBUFS:
                overruns++;
                return OVERRUN;
            default:
                throw new NativeException("recvmmsg(fd=" + fd + ")", errno);
        }
    }

    private void checkSequence(int cpu, int seq, long stamp) {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            return;
        }
        if (seqSeen[cpu]) {
            int gap = seq - lastSeq[cpu] - 1;
            // While a kernel filter is on, gaps are its doing. After it came off, a gap after a
            // message built before then may still hold filtered messages: the kernel numbers and
            // sends each CPU's messages in order, so only a gap after a message built since is loss.
            if (gap > 0 && !gapsExpected && lastStamp[cpu] >= unfilteredSinceNanos) {
                sequenceGaps += gap;
            }
        }
        seqSeen[cpu] = true;
        lastSeq[cpu] = seq;
        lastStamp[cpu] = stamp;
    }

    /** The socket's netlink port id (the address other sockets would send to). */
    int portId() throws NativeException {
        byte[] addr = new byte[12]; // struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups
        if (LibC.getsockname(fd, addr, new int[] {addr.length}) != 0) {
            throw new NativeException("getsockname(fd=" + fd + ")", com.sun.jna.Native.getLastError());
        }
        return java.nio.ByteBuffer.wrap(addr).order(java.nio.ByteOrder.nativeOrder()).getInt(4);
    }

    /** Events received and decoded. */
    public long received() { return received; }

    /** Batches of datagrams received so far; the reader's thread only. */
    long batches() { return batches; }

    /** Messages that failed strict decoding. */
    public long malformed() { return malformed; }
    /** Messages not from the kernel's proc connector. */
    public long foreign() { return foreign; }
    /** ENOBUFS reports (should stay 0 with NETLINK_NO_ENOBUFS). */
    public long overruns() { return overruns; }
    /** Messages missing from the per-CPU sequences while no kernel filter was on: lost before they reached us. */
    public long sequenceGaps() { return sequenceGaps; }

    /**
     * Whether {@link #sequenceGaps} counted every lost message since {@code nanos} ({@link
     * System#nanoTime}): no kernel filter was on all that time, so every drop of the socket then was
     * a gap too. Any thread.
     */
    boolean gapsCountedSince(long nanos) {
        return !gapsExpected && unfilteredSinceNanos - nanos <= 0;
    }

    /** The socket's drop counter ({@code SO_MEMINFO}): messages the kernel could not queue. */
    /**
     * Whether the reader has caught up since {@code sinceNanos} ({@link System#nanoTime}): a batch
     * after then filled every slot (the socket held more; only a socket that is behind drops) and
     * the latest did not (the socket was empty). The drop counter then holds every drop of that
     * time; read later, it could hold back the last ones, which no later message's sequence
     * number shows when nothing follows on their CPU. Reader thread only.
     */
    public boolean caughtUpSince(long sinceNanos) {
        return fullBatchNanos - sinceNanos > 0 && fullBatchNanos != batchNanos; // the latest batch was not full
    }

    public long kernelDrops() {
        try {
            return Integer.toUnsignedLong(Syscalls.memInfo(fd)[8]);
        } catch (NativeException e) {
            return -1;
        }
    }

    /**
     * The receive buffer as the kernel reports it, in bytes: twice what it granted, the other half
     * being its allowance for bookkeeping ({@code socket(7)}, {@code SO_RCVBUF}).
     */
    public int receiveBufferBytes() { return receiveBufferBytes; }

    /** Whether the wanted buffer was forced past {@code rmem_max} (needs CAP_NET_ADMIN). */
    public boolean receiveBufferForced() { return receiveBufferForced; }

    /** Whether the kernel granted less than was asked ({@code net.core.rmem_max}, without CAP_NET_ADMIN). */
    public boolean receiveBufferCapped() {
        return receiveBufferBytes / 2 < requestedReceiveBufferBytes;
    }

    /**
     * The receive buffer in words for the banner: "receive buffer 8192 KiB", or, when capped,
     * "receive buffer 4096 KiB of the 8192 KiB asked (net.core.rmem_max, no CAP_NET_ADMIN)".
     */
    public String receiveBufferText() {
        return receiveBufferText(requestedReceiveBufferBytes, receiveBufferBytes);
    }

    /** {@link #receiveBufferText} for a request and the kernel's report of it (twice what it granted). */
    static String receiveBufferText(int requested, int reported) {
        int granted = reported / 2;
        return "receive buffer " + granted / 1024 + " KiB" + (granted >= requested ? ""
                : " of the " + requested / 1024 + " KiB asked (net.core.rmem_max, no CAP_NET_ADMIN)");
    }

    public KernelVersion kernel() { return kernel; }

    /**
     * Opens another connector like this one (same receive buffer asked for, same event mask and
     * BPF filter): to replace a failed socket.
     */
    public ProcConnector reopen() throws ConnectorUnavailableException {
        ProcConnector c = open(requestedReceiveBufferBytes, counts);
        c.coalesceNanos = coalesceNanos;
        try {
            if (kernelEventMask != ProcEventCodec.WHAT_ALL) {
                c.setKernelEventMask(kernelEventMask);
            }
            BpfProgram f = filter;
            if (f != null) {
                c.setFilter(f);
            }
        } catch (NativeException e) {
            c.close();
            throw new ConnectorUnavailableException("cannot set the kernel filters again: " + e.getMessage(), e);
        }
        return c;
    }

    /**
     * Sockets of this JVM that sent LISTEN and no IGNORE yet, which the kernel therefore counts
     * as listeners: 0 once every connector is closed properly (the tests' own leak check).
     */
    public static int listeningSockets() {
        return LISTENING.get();
    }

    /** Sends IGNORE, then closes the socket. Idempotent. */
    @Override
    public void close() {
        synchronized (txLock) {
            if (closed) {
                return;
            }
            try {
                if (listening) { // not twice: before Linux 6.6 each IGNORE takes one off the kernel's count
                    sendControl(ProcEventCodec.OP_IGNORE, null, 0);
                    listening = false;
                    LISTENING.decrementAndGet();
                }
            } catch (NativeException e) {
                // the socket is broken already; closing it is all that is left to do
            } finally {
                closed = true;
                Syscalls.close(fd);
            }
        }
    }
}
