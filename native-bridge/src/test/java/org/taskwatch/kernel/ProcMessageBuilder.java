package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Test helper: lays out one proc connector netlink message exactly as the kernel does
 * (docs/kernel.md, Message layout), in native byte order, with every header field settable so that tests can also
 * build malformed messages. Offsets are written as literals here on purpose, independent of the
 * codec's constants.
 *
 * <pre>
 *  0 nlmsg_len u32 | 4 nlmsg_type u16 | 6 nlmsg_flags u16 | 8 nlmsg_seq u32 | 12 nlmsg_pid u32
 * 16 cn idx u32 | 20 cn val u32 | 24 cn seq u32 | 28 cn ack u32 | 32 cn len u16 | 34 cn flags u16
 * 36 what u32 | 40 cpu u32 | 44 timestamp_ns u64 | 52.. event data (24 bytes)
 * </pre>
 */
public final class ProcMessageBuilder {
    static final int SIZE = 76;

    int nlLen = SIZE;
    int nlType = 3; // NLMSG_DONE
    int nlFlags;
    int nlSeq;
    int nlPid;
    int cnIdx = 1;
    int cnVal = 1;
    int cnSeq;
    int cnAck;
    int cnLen = 40; // sizeof(struct proc_event)
    int cnFlags;
    int what;
    int cpu;
    long timestamp;
    /** The 24 bytes of event_data from offset 52, zero like the kernel's memset. */
    final byte[] data = new byte[24];

    ProcMessageBuilder(int what) {
        this.what = what;
    }

    /** Sets the u32 at {@code index} (0-5) of the event data, i.e. at offset 52 + 4 * index, native order. */
    ProcMessageBuilder u32(int index, int value) {
        ByteBuffer.wrap(data).order(java.nio.ByteOrder.nativeOrder()).putInt(index * 4, value);
        return this;
    }

    public ProcMessageBuilder header(int cpu, long timestamp, int cnSeq) {
        this.cpu = cpu;
        this.timestamp = timestamp;
        this.cnSeq = cnSeq;
        return this;
    }

    /** Fills bytes {@code from}..{@code to}-1 of the message (52..75 for event data) with {@code b}. */
    ProcMessageBuilder fillData(int from, int to, byte b) {
        Arrays.fill(data, from - 52, to - 52, b);
        return this;
    }

    /** Writes the 16-byte comm field at offset 60 from {@code bytes}, NUL-padded. */
    ProcMessageBuilder comm(byte[] bytes) {
        Arrays.fill(data, 8, 24, (byte) 0);
        System.arraycopy(bytes, 0, data, 8, bytes.length);
        return this;
    }

    ProcMessageBuilder comm(String name) {
        return comm(name.getBytes(StandardCharsets.UTF_8));
    }

    public static ProcMessageBuilder fork(int parentPid, int parentTgid, int childPid, int childTgid) {
        return new ProcMessageBuilder(0x1).u32(0, parentPid).u32(1, parentTgid).u32(2, childPid).u32(3, childTgid);
    }

    public static ProcMessageBuilder exec(int pid, int tgid) {
        return new ProcMessageBuilder(0x2).u32(0, pid).u32(1, tgid);
    }

    public static ProcMessageBuilder uid(int pid, int tgid, int ruid, int euid) {
        return new ProcMessageBuilder(0x4).u32(0, pid).u32(1, tgid).u32(2, ruid).u32(3, euid);
    }

    public static ProcMessageBuilder gid(int pid, int tgid, int rgid, int egid) {
        return new ProcMessageBuilder(0x40).u32(0, pid).u32(1, tgid).u32(2, rgid).u32(3, egid);
    }

    public static ProcMessageBuilder sid(int pid, int tgid) {
        return new ProcMessageBuilder(0x80).u32(0, pid).u32(1, tgid);
    }

    public static ProcMessageBuilder ptrace(int pid, int tgid, int tracerPid, int tracerTgid) {
        return new ProcMessageBuilder(0x100).u32(0, pid).u32(1, tgid).u32(2, tracerPid).u32(3, tracerTgid);
    }

    public static ProcMessageBuilder comm(int pid, int tgid, String name) {
        return new ProcMessageBuilder(0x200).u32(0, pid).u32(1, tgid).comm(name);
    }

    public static ProcMessageBuilder coredump(int pid, int tgid, int parentPid, int parentTgid) {
        return new ProcMessageBuilder(0x40000000).u32(0, pid).u32(1, tgid).u32(2, parentPid).u32(3, parentTgid);
    }

    public static ProcMessageBuilder exit(int pid, int tgid, int exitCode, int exitSignal, int parentPid, int parentTgid) {
        return new ProcMessageBuilder(0x80000000).u32(0, pid).u32(1, tgid).u32(2, exitCode).u32(3, exitSignal)
                .u32(4, parentPid).u32(5, parentTgid);
    }

    public static ProcMessageBuilder ack(int err) {
        return new ProcMessageBuilder(0).u32(0, err);
    }

    /** Writes the whole 76-byte layout at {@code offset} of {@code buf} (whatever nlLen says); returns 76. */
    int writeTo(ByteBuffer buf, int offset) {
        buf.putInt(offset, nlLen);
        buf.putShort(offset + 4, (short) nlType);
        buf.putShort(offset + 6, (short) nlFlags);
        buf.putInt(offset + 8, nlSeq);
        buf.putInt(offset + 12, nlPid);
        buf.putInt(offset + 16, cnIdx);
        buf.putInt(offset + 20, cnVal);
        buf.putInt(offset + 24, cnSeq);
        buf.putInt(offset + 28, cnAck);
        buf.putShort(offset + 32, (short) cnLen);
        buf.putShort(offset + 34, (short) cnFlags);
        buf.putInt(offset + 36, what);
        buf.putInt(offset + 40, cpu);
        buf.putLong(offset + 44, timestamp);
        for (int i = 0; i < data.length; i++) {
            buf.put(offset + 52 + i, data[i]);
        }
        return SIZE;
    }

    /** A fresh native-order direct buffer holding just this message. */
    public ByteBuffer build() {
        ByteBuffer buf = ProcEventCodec.newBuffer(SIZE);
        writeTo(buf, 0);
        return buf;
    }

    /** The message's bytes, as a datagram would carry them. */
    byte[] bytes() {
        ByteBuffer buf = build();
        byte[] out = new byte[SIZE];
        buf.get(0, out);
        return out;
    }
}
