package org.taskwatch.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;

/**
 * The {@code bpf(2)} calls taskwatch makes: create a map, load a socket filter program, look up
 * map elements (one, or an array map's all at once), run a program on a test packet, and attach a
 * program to a socket. Each builds {@code union
 * bpf_attr} in native memory (the kernel takes a shorter union than its own as long as what it
 * does not know is absent) and turns a failure into a {@link NativeException} that names the call.
 *
 * <p>Privileges (docs/kernel.md, eBPF): creating maps and loading a socket filter that uses them
 * needs {@code CAP_BPF} (or {@code CAP_SYS_ADMIN}) unless unprivileged eBPF is allowed, which
 * distributions turn off ({@code kernel.unprivileged_bpf_disabled}).
 */
final class Bpf {
    static final int MAP_CREATE = 0;
    static final int MAP_LOOKUP_ELEM = 1;
    static final int PROG_LOAD = 5;
    static final int MAP_LOOKUP_BATCH = 24;
    static final int PROG_TEST_RUN = 10;

    static final int MAP_TYPE_PERCPU_ARRAY = 6;
    static final int MAP_TYPE_LRU_HASH = 9;
    static final int PROG_TYPE_SOCKET_FILTER = 1;
    static final int SO_ATTACH_BPF = 50;

    /** {@code bpf}: 321 on x86_64, 280 in the generic table (arm64, riscv64, loongarch64); -1 elsewhere. */
    static final long SYS_BPF = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "riscv64", "loongarch64" -> 280;
        default -> -1;
    };

    private static final int ATTR_SIZE = 128; // past every field used here, short of the kernel's union
    private static final int LOG_SIZE = 1 << 16;

    private Bpf() {}

    /**
     * A new map; returns its descriptor. Every use of this class starts here, so this is where an
     * architecture without a known {@code bpf} number is refused (ENOSYS).
     */
    static int createMap(int type, int keySize, int valueSize, int maxEntries, String name) throws NativeException {
        if (SYS_BPF < 0) {
            throw new NativeException("bpf(2) on " + System.getProperty("os.arch"), Errno.ENOSYS);
        }
        try (Memory a = attr()) {
            a.setInt(0, type);
            a.setInt(4, keySize);
            a.setInt(8, valueSize);
            a.setInt(12, maxEntries);
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            a.write(28, n, 0, Math.min(n.length, 15)); // map_name[16]
            return call(MAP_CREATE, a, "bpf(BPF_MAP_CREATE, " + name + ", " + maxEntries + " entries)");
        }
    }

    /**
     * Loads a socket filter program ({@code struct bpf_insn[]} in host order); returns its
     * descriptor. A program the verifier refuses fails with the verifier's log in the message.
     */
    static int loadSocketFilter(byte[] instructions, String name) throws NativeException {
        try (Memory a = attr(); Memory insns = new Memory(instructions.length);
                Memory license = new Memory(4); Memory log = new Memory(LOG_SIZE)) {
            insns.write(0, instructions, 0, instructions.length);
            license.setString(0, "GPL", "US-ASCII"); // the loader wants one; no GPL-only helper is called
            log.setByte(0, (byte) 0);
            a.setInt(0, PROG_TYPE_SOCKET_FILTER);
            a.setInt(4, instructions.length / 8);
            a.setLong(8, com.sun.jna.Pointer.nativeValue(insns));
            a.setLong(16, com.sun.jna.Pointer.nativeValue(license));
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            a.write(48, n, 0, Math.min(n.length, 15)); // prog_name[16]
            int fd = syscall(PROG_LOAD, a);
            if (fd >= 0) {
                return fd;
            }
            int errno = Native.getLastError();
            if (errno != Errno.EACCES && errno != Errno.EINVAL) {
                throw new NativeException("bpf(BPF_PROG_LOAD, " + name + ")", errno);
            }
            // refused by the verifier: load again with its log, for the message
            a.setInt(24, 1); // log_level
            a.setInt(28, LOG_SIZE);
            a.setLong(32, com.sun.jna.Pointer.nativeValue(log));
            syscall(PROG_LOAD, a);
            String why = log.getString(0, "US-ASCII").strip();
            int cut = why.length() > 2000 ? why.length() - 2000 : 0;
            throw new NativeException("bpf(BPF_PROG_LOAD, " + name + "; verifier: " + why.substring(cut) + ")", errno);
        }
    }

    /** Copies the value of {@code key} into {@code value}; false when there is none (ENOENT). */
    static boolean lookup(int mapFd, Memory key, Memory value) throws NativeException {
        try (Memory a = attr()) {
            a.setInt(0, mapFd);
            a.setLong(8, com.sun.jna.Pointer.nativeValue(key));
            a.setLong(16, com.sun.jna.Pointer.nativeValue(value));
            if (syscall(MAP_LOOKUP_ELEM, a) == 0) {
                return true;
            }
            int errno = Native.getLastError();
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw new NativeException("bpf(BPF_MAP_LOOKUP_ELEM, map fd=" + mapFd + ")", errno);
        }
    }

    /**
     * Copies up to {@code count} elements from the start of an array map in one call (Linux
     * 5.6+): their keys into {@code keys}, their values into {@code values}.
     *
     * @return how many were copied, or -1 when this kernel has no batch lookup (EINVAL, ENOSYS)
     */
    static int lookupBatch(int mapFd, Memory keys, Memory values, int count) throws NativeException {
        try (Memory a = attr(); Memory out = new Memory(8)) {
            a.setLong(0, 0); // in_batch: NULL, from the start
            a.setLong(8, com.sun.jna.Pointer.nativeValue(out));
            a.setLong(16, com.sun.jna.Pointer.nativeValue(keys));
            a.setLong(24, com.sun.jna.Pointer.nativeValue(values));
            a.setInt(32, count);
            a.setInt(36, mapFd);
            if (syscall(MAP_LOOKUP_BATCH, a) == 0) {
                return a.getInt(32);
            }
            int errno = Native.getLastError();
            if (errno == Errno.ENOENT) {
                return a.getInt(32); // the end of the map came within this call
            }
            if (errno == Errno.EINVAL || errno == Errno.ENOSYS) {
                return -1;
            }
            throw new NativeException("bpf(BPF_MAP_LOOKUP_BATCH, map fd=" + mapFd + ")", errno);
        }
    }

    /**
     * Runs a loaded socket filter once on {@code packet} in the kernel ({@code BPF_PROG_TEST_RUN})
     * and returns what it returned. The kernel takes the packet as an Ethernet frame: the program
     * sees what follows the first 14 bytes.
     */
    static int testRun(int progFd, byte[] packet) throws NativeException {
        try (Memory a = attr(); Memory in = new Memory(packet.length)) {
            in.write(0, packet, 0, packet.length);
            a.setInt(0, progFd);
            a.setInt(8, packet.length);
            a.setLong(16, com.sun.jna.Pointer.nativeValue(in));
            a.setInt(32, 1); // repeat
            call(PROG_TEST_RUN, a, "bpf(BPF_PROG_TEST_RUN, prog fd=" + progFd + ")");
            return a.getInt(4);
        }
    }

    /** Attaches a loaded program to a socket ({@code SO_ATTACH_BPF}), replacing any filter in one step. */
    static void attach(int socketFd, int progFd) throws NativeException {
        if (LibC.setsockopt(socketFd, Syscalls.SOL_SOCKET, SO_ATTACH_BPF, new int[] {progFd}, 4) != 0) {
            throw new NativeException("setsockopt(fd=" + socketFd + ", SO_ATTACH_BPF, prog fd=" + progFd + ")",
                    Native.getLastError());
        }
    }

    private static Memory attr() {
        Memory a = new Memory(ATTR_SIZE);
        a.clear();
        return a;
    }

    private static int call(int cmd, Memory a, String what) throws NativeException {
        int r = syscall(cmd, a);
        if (r < 0) {
            int errno = Native.getLastError();
            throw new NativeException(what + (errno == Errno.EPERM
                    ? " (eBPF maps and programs need CAP_BPF or root)" : ""), errno);
        }
        return r;
    }

    private static int syscall(int cmd, Memory a) {
        return LibC.syscall(SYS_BPF, cmd, a, ATTR_SIZE);
    }
}
