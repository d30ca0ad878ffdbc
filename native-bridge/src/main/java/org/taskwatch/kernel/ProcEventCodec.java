package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The proc connector's wire format: decoding of received datagrams straight from memory into an
 * {@link EventFrame}, and encoding of the LISTEN/IGNORE control messages.
 *
 * <p>Decoding is strict and allocates nothing: a message that is short, truncated, not from the
 * connector or of an unknown type yields a negative status (counted by the caller) and leaves
 * no partial event behind. Offsets are from the start of each netlink message (docs/kernel.md, Message layout):
 * nlmsghdr 0-15, cn_msg 16-35, proc_event 36-51 (what, cpu, timestamp), event data from 52.
 */
public final class ProcEventCodec {
    public static final int WHAT_NONE = 0;
    public static final int WHAT_FORK = 0x1;
    public static final int WHAT_EXEC = 0x2;
    public static final int WHAT_UID = 0x4;
    public static final int WHAT_GID = 0x40;
    public static final int WHAT_SID = 0x80;
    public static final int WHAT_PTRACE = 0x100;
    public static final int WHAT_COMM = 0x200;
    public static final int WHAT_NONZERO_EXIT = 0x20000000;
    public static final int WHAT_COREDUMP = 0x40000000;
    public static final int WHAT_EXIT = 0x80000000;
    /** PROC_EVENT_ALL: the event_type that means "no filter" to the kernel. */
    public static final int WHAT_ALL = WHAT_FORK | WHAT_EXEC | WHAT_UID | WHAT_GID | WHAT_SID | WHAT_PTRACE
            | WHAT_COMM | WHAT_NONZERO_EXIT | WHAT_COREDUMP | WHAT_EXIT;

    public static final int OP_LISTEN = 1;
    public static final int OP_IGNORE = 2;

    /** A whole event message as the kernel sends it: nlmsghdr + cn_msg + struct proc_event (40). */
    public static final int EVENT_MESSAGE_SIZE = 76;

    /** Decode results: a message length (positive) or one of these. */
    public static final int ACK = 0;
    public static final int E_SHORT = -1;
    public static final int E_TRUNCATED = -2;
    public static final int E_FOREIGN = -3;
    public static final int E_LENGTH = -4;
    public static final int E_UNKNOWN_WHAT = -5;

    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_DONE = 3;
    static final int CN_HDRLEN = 20;
    static final int CN_IDX_PROC = 1;
    static final int CN_VAL_PROC = 1;
    static final int OFF_NL_TYPE = 4;
    static final int OFF_NL_PID = 12;
    static final int OFF_CN_IDX = 16;
    static final int OFF_CN_VAL = 20;
    static final int OFF_CN_SEQ = 24;
    static final int OFF_CN_ACK = 28;
    static final int OFF_CN_LEN = 32;
    static final int OFF_WHAT = 36;
    static final int OFF_CPU = 40;
    static final int OFF_TIMESTAMP = 44;
    static final int OFF_DATA = 52;
    static final int PROC_EVENT_HDRLEN = 16;

    private ProcEventCodec() {}

    /** Human names of the decode errors, indexed by {@code -status}. */
    public static String errorName(int status) {
        switch (status) {
            case E_SHORT: return "shorter than its headers";
            case E_TRUNCATED: return "truncated (nlmsg_len beyond the datagram)";
            case E_FOREIGN: return "not a proc connector message";
            case E_LENGTH: return "event data shorter than its type needs";
            case E_UNKNOWN_WHAT: return "unknown event type";
            default: return "status " + status;
        }
    }

    /**
     * Decodes the netlink message at {@code offset} of {@code buf} (native byte order), of which
     * {@code available} bytes were received, into {@code frame}.
     *
     * @return the aligned length of the message (to step to the next one) when an event was
     *     decoded, {@link #ACK} for a subscription ack (its error in {@link EventFrame#ackError}),
     *     or a negative error status; {@code frame} is only meaningful for positive results
     */
    public static int decode(ByteBuffer buf, int offset, int available, EventFrame frame) {
        if (available < NLMSG_HDRLEN + CN_HDRLEN + PROC_EVENT_HDRLEN) {
            return E_SHORT;
        }
        int nlLen = buf.getInt(offset);
        if (nlLen > available) {
            return E_TRUNCATED;
        }
        if (nlLen < NLMSG_HDRLEN + CN_HDRLEN + PROC_EVENT_HDRLEN) {
            return E_SHORT;
        }
        if ((buf.getShort(offset + OFF_NL_TYPE) & 0xffff) != NLMSG_DONE
                || buf.getInt(offset + OFF_CN_IDX) != CN_IDX_PROC
                || buf.getInt(offset + OFF_CN_VAL) != CN_VAL_PROC) {
            return E_FOREIGN;
        }
        int cnLen = buf.getShort(offset + OFF_CN_LEN) & 0xffff;
        if (NLMSG_HDRLEN + CN_HDRLEN + cnLen > nlLen) {
            return E_TRUNCATED;
        }
        int what = buf.getInt(offset + OFF_WHAT);
        int need = dataLength(what);
        if (need < 0) {
            return E_UNKNOWN_WHAT;
        }
        if (cnLen < PROC_EVENT_HDRLEN + need) {
            return E_LENGTH;
        }
        frame.clear();
        frame.what = what;
        frame.cnSeq = buf.getInt(offset + OFF_CN_SEQ);
        frame.cnAck = buf.getInt(offset + OFF_CN_ACK);
        frame.cpu = buf.getInt(offset + OFF_CPU);
        frame.timestampNanos = buf.getLong(offset + OFF_TIMESTAMP);
        int d = offset + OFF_DATA;
        if (what == WHAT_NONE) {
            frame.ackError = buf.getInt(d);
            return ACK;
        }
        frame.pid = buf.getInt(d);
        frame.tgid = buf.getInt(d + 4);
        switch (what) {
            case WHAT_FORK:
                // parent_pid, parent_tgid, child_pid, child_tgid: the tracker decides process or thread
                frame.childPid = buf.getInt(d + 8);
                frame.childTgid = buf.getInt(d + 12);
                break;
            case WHAT_UID:
            case WHAT_GID:
                frame.realId = buf.getInt(d + 8);
                frame.effectiveId = buf.getInt(d + 12);
                break;
            case WHAT_PTRACE:
                frame.tracerPid = buf.getInt(d + 8);
                frame.tracerTgid = buf.getInt(d + 12);
                break;
            case WHAT_COMM:
                frame.setComm(buf, d + 8);
                break;
            case WHAT_COREDUMP:
                frame.ppid = buf.getInt(d + 12);
                break;
            case WHAT_EXIT:
                frame.waitStatus = buf.getInt(d + 8);
                frame.exitSignal = buf.getInt(d + 12);
                frame.ppid = buf.getInt(d + 20);
                break;
            default: // EXEC, SID: pid and tgid only
                break;
        }
        frame.kernelType(what);
        return (nlLen + 3) & ~3;
    }

    /** Bytes of event data each {@code what} needs after the 16-byte proc_event header; -1 if unknown. */
    static int dataLength(int what) {
        switch (what) {
            case WHAT_NONE: return 4;
            case WHAT_EXEC:
            case WHAT_SID: return 8;
            case WHAT_FORK:
            case WHAT_UID:
            case WHAT_GID:
            case WHAT_PTRACE:
            case WHAT_COREDUMP: return 16;
            case WHAT_COMM:
            case WHAT_EXIT: return 24;
            default: return -1;
        }
    }

    /**
     * Writes a control message into {@code buf} at 0 and returns its length: the legacy 4-byte
     * {@code proc_cn_mcast_op} when {@code eventType} is null, else the 6.6+ 8-byte
     * {@code proc_input}.
     */
    static int encodeControl(ByteBuffer buf, int op, Integer eventType, int seq, int ack) {
        int payload = eventType == null ? 4 : 8;
        int len = NLMSG_HDRLEN + CN_HDRLEN + payload;
        for (int i = 0; i < len; i++) {
            buf.put(i, (byte) 0);
        }
        buf.putInt(0, len);
        buf.putShort(OFF_NL_TYPE, (short) NLMSG_DONE);
        buf.putInt(8, seq);
        buf.putInt(OFF_CN_IDX, CN_IDX_PROC);
        buf.putInt(OFF_CN_VAL, CN_VAL_PROC);
        buf.putInt(OFF_CN_SEQ, seq);
        buf.putInt(OFF_CN_ACK, ack);
        buf.putShort(OFF_CN_LEN, (short) payload);
        buf.putInt(NLMSG_HDRLEN + CN_HDRLEN, op);
        if (eventType != null) {
            buf.putInt(NLMSG_HDRLEN + CN_HDRLEN + 4, eventType);
        }
        return len;
    }

    /** A direct buffer in native order, the only kind the receive path uses. */
    public static ByteBuffer newBuffer(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }
}
