package org.taskwatch.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The names of processes as they exit, from the kernel's taskstats interface (generic netlink
 * family {@code TASKSTATS}): a listener registered for every CPU gets, from each exiting task, a
 * record holding its pid, thread group and {@code comm}. The proc connector's exit event names no
 * command, and a process that ends before /proc can be read at its exec (a script that fails at
 * once) leaves nothing else to match a command pattern against.
 *
 * <p>The kernel sends a task's taskstats record before its proc connector exit event, from the
 * same context, so once the reader has received an exit, that process's record is queued here:
 * {@link #drain} after each batch of the connector, then {@link #comm} for an exit in the batch.
 * Only records of a thread group's leader (a process, not a thread) are kept, in a ring of the
 * last {@link #RING} exits, with no allocation; {@link #comm} allocates its answer.
 *
 * <p>Needs CAP_NET_ADMIN (the kernel's {@code GENL_ADMIN_PERM}) in the initial user and pid
 * namespaces; {@link #open} says why when it is refused. While open, every exit on the system
 * costs the kernel one record for this socket: open it only while its names are needed.
 *
 * <p>Layout (verified on Linux 6.18, taskstats version 16; the fields used are at the offsets
 * they have had since version 1, 8 and 10): {@code nlmsghdr} (16), {@code genlmsghdr} (4, cmd 2
 * {@code TASKSTATS_CMD_NEW}), attribute {@code AGGR_PID} (4) nesting {@code PID} (8: the pid at
 * 28) and {@code STATS} (4, then {@code struct taskstats} at 36: {@code ac_comm[32]} at +80,
 * {@code ac_tgid} at +368).
 *
 * <p>One thread only (the reader's), except {@link #probe}.
 */
public final class TaskstatsExits implements AutoCloseable {
    static final int GENL_ID_CTRL = 0x10;
    static final int CTRL_CMD_GETFAMILY = 3;
    static final int CTRL_ATTR_FAMILY_ID = 1;
    static final int CTRL_ATTR_FAMILY_NAME = 2;
    static final int TASKSTATS_CMD_GET = 1;
    static final int TASKSTATS_CMD_NEW = 2;
    static final int CMD_ATTR_REGISTER_CPUMASK = 3;
    static final int CMD_ATTR_DEREGISTER_CPUMASK = 4;
    static final int TYPE_PID = 1;
    static final int TYPE_STATS = 3;
    static final int TYPE_AGGR_PID = 4;
    static final int NLMSG_ERROR = 2;
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_ACK = 4;
    /** Offsets in a record datagram (see the class comment). */
    static final int PID_AT = 28;
    static final int STATS_AT = 36;
    static final int COMM_AT = STATS_AT + 80;
    static final int COMM_LEN = 32;
    static final int TGID_AT = STATS_AT + 368;
    /**
     * Exits remembered: records are drained as they come, and the connector's exits may come
     * later when the reader lags behind in a storm; a name is lost only after this many exits
     * of other processes came in between (64 KiB of names).
     */
    static final int RING = 4096;
    private static final int COMM_BYTES = 16; // TASK_COMM_LEN: what the kernel keeps of a name
    private static final int RECEIVE_BUFFER = 4 << 20;
    private static final int REPLY_MILLIS = 2000;

    private final int fd;
    private int family = -1; // resolved in open
    private final byte[] cpus;
    private final DatagramBatch batch = new DatagramBatch(64, 1024);
    private final ByteBuffer tx = ProcEventCodec.newBuffer(256).order(ByteOrder.nativeOrder());
    private final int[] ringPids = new int[RING];
    private final byte[] ringComms = new byte[RING * COMM_BYTES];
    private final IntIntMap slotByPid = new IntIntMap(RING * 2);
    private int next;
    private long records;
    private boolean closed;

    private TaskstatsExits(int fd, byte[] cpus) {
        this.fd = fd;
        this.cpus = cpus;
    }

    /**
     * Opens a generic netlink socket and registers it as the taskstats listener of every CPU.
     *
     * @throws NativeException naming the step that failed: no taskstats in this kernel, or no
     *     permission (CAP_NET_ADMIN in the initial namespaces)
     */
    public static TaskstatsExits open() throws NativeException {
        int fd = Syscalls.netlinkGenericSocket();
        TaskstatsExits t = null;
        try {
            Syscalls.bindNetlink(fd, 0);
            try {
                Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUFFORCE, RECEIVE_BUFFER, "SO_RCVBUFFORCE");
            } catch (NativeException e) { // no CAP_NET_ADMIN: registering, below, says so
                Syscalls.setIntOption(fd, Syscalls.SOL_SOCKET, Syscalls.SO_RCVBUF, RECEIVE_BUFFER, "SO_RCVBUF");
            }
            t = new TaskstatsExits(fd, cpuList());
            t.family = t.resolveFamily();
            t.request(CMD_ATTR_REGISTER_CPUMASK, true);
            t.awaitAck("register the taskstats listener (cpus " + new String(t.cpus, 0, t.cpus.length - 1,
                    StandardCharsets.US_ASCII) + ")");
            return t;
        } catch (NativeException | RuntimeException e) {
            if (t != null) {
                t.closed = true;
            }
            Syscalls.close(fd);
            throw e;
        }
    }

    /** Whether {@link #open} works here: null when it does, else why not. Any thread. */
    public static String probe() {
        try {
            open().close();
            return null;
        } catch (NativeException e) {
            return e.getMessage();
        }
    }

    /**
     * Takes the records queued (at most {@link #RING} in one call, so that a storm of exits
     * cannot hold the reader here), keeping the names of processes (thread group leaders) that
     * exited. Allocates nothing.
     *
     * @return records taken
     */
    public int drain() {
        int taken = 0;
        while (!closed && taken < RING) {
            int n = batch.receive(fd);
            if (n < 0) {
                if (-n == Errno.ENOBUFS) {
                    continue; // the kernel dropped records for us (its buffer was full): those names are missing
                }
                return taken; // EAGAIN: nothing more (EINTR: the next batch takes it)
            }
            ByteBuffer b = batch.buffer();
            for (int i = 0; i < n; i++) {
                if (batch.senderPortId(i) == 0) {
                    int pid = leaderExit(b, batch.offset(i), batch.length(i), family);
                    if (pid > 0) {
                        remember(pid, b, batch.offset(i) + COMM_AT);
                    }
                }
            }
            taken += n;
            records += n;
            if (n < batch.slots()) {
                return taken;
            }
        }
        return taken;
    }

    /**
     * The pid of the process whose exit record is at {@code off} (a thread group leader's:
     * {@code ac_tgid} is its pid), or -1 for anything else: another family or command, a thread's
     * record, a datagram too short.
     */
    static int leaderExit(ByteBuffer b, int off, int len, int family) {
        if (len < TGID_AT + 4 || b.getInt(off) < TGID_AT + 4) {
            return -1;
        }
        if ((b.getShort(off + 4) & 0xffff) != family || b.get(off + 16) != TASKSTATS_CMD_NEW
                || (b.getShort(off + 22) & 0xffff) != TYPE_AGGR_PID || (b.getShort(off + 26) & 0xffff) != TYPE_PID
                || (b.getShort(off + 34) & 0xffff) != TYPE_STATS) {
            return -1;
        }
        int pid = b.getInt(off + PID_AT);
        return pid > 0 && b.getInt(off + TGID_AT) == pid ? pid : -1;
    }

    private void remember(int pid, ByteBuffer b, int commAt) {
        int slot = next;
        next = (next + 1) % RING;
        int old = ringPids[slot];
        if (old != 0 && slotByPid.get(old, -1) == slot) {
            slotByPid.remove(old, -1);
        }
        ringPids[slot] = pid;
        b.get(commAt, ringComms, slot * COMM_BYTES, COMM_BYTES);
        slotByPid.put(pid, slot, -1);
    }

    /**
     * The name of process {@code pid} at its exit, if its record was among the last {@link #RING}
     * exits drained, else null; forgets it.
     */
    public String takeComm(int pid) {
        int slot = slotByPid.remove(pid, -1);
        if (slot < 0) {
            return null;
        }
        int from = slot * COMM_BYTES;
        int len = 0;
        while (len < COMM_BYTES && ringComms[from + len] != 0) {
            len++;
        }
        ringPids[slot] = 0;
        return new String(ringComms, from, len, StandardCharsets.UTF_8);
    }

    /** Records taken since open. */
    long records() {
        return records;
    }

    // ---- requests ----

    private int resolveFamily() throws NativeException {
        byte[] name = "TASKSTATS\0".getBytes(StandardCharsets.US_ASCII);
        int len = header(tx, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY);
        len = attribute(tx, len, CTRL_ATTR_FAMILY_NAME, name);
        tx.putInt(0, len);
        Syscalls.send(fd, tx, len, "CTRL_CMD_GETFAMILY TASKSTATS");
        String what = "look up the TASKSTATS generic netlink family (is CONFIG_TASKSTATS on?)";
        int slot = awaitReply(GENL_ID_CTRL, what);
        if (slot < 0) {
            throw new NativeException(what + ": acknowledged, but no family id came", Errno.EINVAL);
        }
        ByteBuffer b = batch.buffer();
        int off = batch.offset(slot);
        int end = off + Math.min(batch.length(slot), b.getInt(off));
        for (int at = off + 20; at + 4 <= end; ) {
            int alen = b.getShort(at) & 0xffff;
            if (alen < 4) {
                break;
            }
            if ((b.getShort(at + 2) & 0x3fff) == CTRL_ATTR_FAMILY_ID && alen >= 6) {
                return b.getShort(at + 4) & 0xffff;
            }
            at += (alen + 3) & ~3;
        }
        throw new NativeException(what + ": the answer holds no family id", Errno.EINVAL);
    }

    private void request(int attribute, boolean ack) throws NativeException {
        int len = header(tx, family, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0), TASKSTATS_CMD_GET);
        len = attribute(tx, len, attribute, cpus);
        tx.putInt(0, len);
        Syscalls.send(fd, tx, len, attribute == CMD_ATTR_REGISTER_CPUMASK ? "TASKSTATS register"
                : "TASKSTATS deregister");
    }

    /** Reads until the kernel acknowledges a request (skipping records that came first); throws on a refusal. */
    private void awaitAck(String what) throws NativeException {
        awaitReply(-1, what);
    }

    /**
     * Reads (for up to {@link #REPLY_MILLIS}) until the kernel's answer: the batch slot of the
     * first datagram of netlink type {@code type}, or -1 for an acknowledgement (an error
     * message with errno 0); other datagrams (records) are skipped.
     *
     * @throws NativeException naming {@code what}, for a refusal or no answer
     */
    private int awaitReply(int type, String what) throws NativeException {
        long deadline = System.nanoTime() + REPLY_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline && Syscalls.pollIn(fd, REPLY_MILLIS)) {
            int n = batch.receive(fd);
            if (n < 0) {
                if (-n == Errno.EAGAIN || -n == Errno.EINTR || -n == Errno.ENOBUFS) {
                    continue;
                }
                throw new NativeException("recv(" + what + ")", -n);
            }
            ByteBuffer b = batch.buffer();
            for (int i = 0; i < n; i++) {
                int off = batch.offset(i);
                int t = b.getShort(off + 4) & 0xffff;
                if (t == NLMSG_ERROR && batch.length(i) >= 20) {
                    int errno = -b.getInt(off + 16);
                    if (errno != 0) {
                        throw new NativeException(what + (errno == Errno.EPERM
                                ? " (needs CAP_NET_ADMIN in the initial user and pid namespaces)" : ""), errno);
                    }
                    return -1;
                }
                if (t == type) {
                    return i;
                }
            }
        }
        throw new NativeException(what + ": no answer", Errno.ETIMEDOUT);
    }

    private static int header(ByteBuffer b, int type, int flags, int cmd) {
        b.clear();
        for (int i = 0; i < 20; i++) {
            b.put(i, (byte) 0);
        }
        b.putShort(4, (short) type);
        b.putShort(6, (short) flags);
        b.putInt(8, 1); // sequence
        b.put(16, (byte) cmd);
        b.put(17, (byte) 1); // version
        return 20;
    }

    private static int attribute(ByteBuffer b, int at, int type, byte[] value) {
        b.putShort(at, (short) (4 + value.length));
        b.putShort(at + 2, (short) type);
        b.put(at + 4, value);
        int end = at + ((4 + value.length + 3) & ~3);
        for (int i = at + 4 + value.length; i < end; i++) {
            b.put(i, (byte) 0);
        }
        return end;
    }

    /** Every possible CPU, as the kernel lists them ({@code 0-1}), NUL-terminated. */
    private static byte[] cpuList() {
        String list;
        try {
            list = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
        } catch (IOException | RuntimeException e) {
            list = "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        }
        return (list + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    /** Deregisters (so the kernel stops building records for it), then closes. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            request(CMD_ATTR_DEREGISTER_CPUMASK, false);
        } catch (NativeException e) {
            // the kernel drops a closed socket's listener at its next send anyway
        }
        Syscalls.close(fd);
    }
}
