package org.taskwatch.kernel;

import com.sun.jna.Native;
import java.nio.ByteBuffer;

/**
 * Up to {@code slots} datagrams received in one {@code recvmmsg(2)} call, in native memory made
 * once: the {@code struct mmsghdr} array, one {@code iovec} and one {@code sockaddr_nl} per
 * slot, and the slots' data. A storm then costs one system call per batch instead of one per
 * event, which is how a reader can be cheaper than {@code floor.c}'s one {@code recv} per
 * event. Allocates nothing after construction. One thread only (the reader).
 *
 * <p>Layout (LP64: x86_64, arm64, riscv64): {@code struct msghdr} is {@code void *name; u32
 * namelen; (pad) struct iovec *iov; size_t iovlen; void *control; size_t controllen; int flags;
 * (pad)}, 56 bytes, and {@code struct mmsghdr} adds {@code unsigned msg_len} and padding, 64.
 */
final class DatagramBatch {
    static final int MSG_TRUNC = 0x20;
    /** recvmmsg: block for the first datagram only, then take what is queued. */
    static final int MSG_WAITFORONE = 0x10000;
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int ADDR = 16; // sockaddr_nl is 12 bytes
    private static final int SOCKADDR_NL = 12;

    private final int slots;
    private final int slotBytes;
    private final ByteBuffer mem;
    private final long address;
    private final int iovecs;
    private final int addrs;
    private final int data;

    DatagramBatch(int slots, int slotBytes) {
        this.slots = slots;
        this.slotBytes = slotBytes;
        this.iovecs = slots * MMSGHDR;
        this.addrs = iovecs + slots * IOVEC;
        this.data = addrs + slots * ADDR;
        this.mem = ProcEventCodec.newBuffer(data + slots * slotBytes + 8).alignedSlice(8)
                .order(java.nio.ByteOrder.nativeOrder());
        this.address = Syscalls.address(mem);
        for (int i = 0; i < slots; i++) {
            int h = i * MMSGHDR;
            mem.putLong(h, address + addrs + (long) i * ADDR); // msg_name
            mem.putInt(h + 8, SOCKADDR_NL); // msg_namelen
            mem.putLong(h + 16, address + iovecs + (long) i * IOVEC); // msg_iov
            mem.putLong(h + 24, 1); // msg_iovlen
            mem.putLong(h + 32, 0); // msg_control
            mem.putLong(h + 40, 0); // msg_controllen
            mem.putLong(iovecs + i * IOVEC, address + data + (long) i * slotBytes); // iov_base
            mem.putLong(iovecs + i * IOVEC + 8, slotBytes); // iov_len
        }
    }

    int slots() {
        return slots;
    }

    /**
     * Waits for one datagram (at most the socket's receive timeout), then takes every datagram
     * already queued, up to {@link #slots}.
     *
     * @return how many were received, or {@code -errno} when none was
     */
    int receive(int fd) {
        for (int i = 0; i < slots; i++) {
            mem.putInt(i * MMSGHDR + 8, SOCKADDR_NL); // the kernel writes the sender's length back
        }
        int n = LibC.recvmmsg(fd, address, slots, MSG_WAITFORONE, 0L);
        return n < 0 ? -Native.getLastError() : n;
    }

    /** The buffer that holds every slot's data (and more: read only at {@link #offset}). */
    ByteBuffer buffer() {
        return mem;
    }

    /** Where slot {@code i}'s datagram starts in {@link #buffer}. */
    int offset(int i) {
        return data + i * slotBytes;
    }

    /** The length of slot {@code i}'s datagram as received (no more than the slot holds). */
    int length(int i) {
        return Math.min(mem.getInt(i * MMSGHDR + 56), slotBytes);
    }

    /** Whether slot {@code i}'s datagram was longer than a slot, and cut. */
    boolean truncated(int i) {
        return (mem.getInt(i * MMSGHDR + 48) & MSG_TRUNC) != 0;
    }

    /** The sender's netlink port id of slot {@code i}: 0 for the kernel. */
    int senderPortId(int i) {
        return mem.getInt(addrs + i * ADDR + 4);
    }
}
