package org.taskwatch.benchmark;

import java.nio.ByteBuffer;
import org.taskwatch.kernel.ProcEventCodec;

/**
 * Hand-built proc connector datagrams, laid out as the kernel sends them (docs/kernel.md, Message layout: one
 * 76-byte netlink message, native byte order). Offsets are literals on purpose, independent of
 * the codec's constants, like the native-bridge tests' ProcMessageBuilder.
 */
public final class ProcDatagrams {
    public static final int SIZE = 76;

    private ProcDatagrams() {}

    /** A process or thread clone: the kernel's parent fields, then the new task. */
    public static ByteBuffer fork(int parentPid, int parentTgid, int childPid, int childTgid, long timestampNanos) {
        return message(0x1, timestampNanos, parentPid, parentTgid, childPid, childTgid, 0, 0);
    }

    public static ByteBuffer exec(int pid, long timestampNanos) {
        return message(0x2, timestampNanos, pid, pid, 0, 0, 0, 0);
    }

    /** A task's exit: {@code waitStatus} as the kernel gives it, exit signal 17 for a process, -1 for a thread. */
    public static ByteBuffer exit(int pid, int tgid, int waitStatus, int exitSignal, int parentTgid, long timestampNanos) {
        return message(0x80000000, timestampNanos, pid, tgid, waitStatus, exitSignal, parentTgid, parentTgid);
    }

    private static ByteBuffer message(int what, long timestampNanos, int d0, int d1, int d2, int d3, int d4, int d5) {
        ByteBuffer b = ProcEventCodec.newBuffer(SIZE);
        b.putInt(0, SIZE);            // nlmsg_len
        b.putShort(4, (short) 3);     // nlmsg_type NLMSG_DONE
        b.putInt(12, 0);              // nlmsg_pid: the kernel
        b.putInt(16, 1);              // cn_msg idx CN_IDX_PROC
        b.putInt(20, 1);              // cn_msg val CN_VAL_PROC
        b.putInt(24, 1);              // cn_msg seq
        b.putShort(32, (short) 40);   // cn_msg len: sizeof(struct proc_event)
        b.putInt(36, what);
        b.putInt(40, 0);              // cpu
        b.putLong(44, timestampNanos);
        b.putInt(52, d0);
        b.putInt(56, d1);
        b.putInt(60, d2);
        b.putInt(64, d3);
        b.putInt(68, d4);
        b.putInt(72, d5);
        return b;
    }
}
