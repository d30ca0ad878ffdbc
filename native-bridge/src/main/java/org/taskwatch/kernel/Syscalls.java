package org.taskwatch.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Friendly wrappers over {@link LibC}: errno becomes a {@link NativeException} that names the
 * call and its arguments. The hot path's receive ({@link DatagramBatch#receive}) is not here:
 * it returns {@code -errno} instead of allocating an exception for the routine EAGAIN.
 */
final class Syscalls {
    static final int AF_NETLINK = 16;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_CONNECTOR = 11;
    static final int NETLINK_GENERIC = 16;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_ATTACH_FILTER = 26;
    static final int SO_DETACH_FILTER = 27;
    static final int SO_MEMINFO = 55;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_NO_ENOBUFS = 5;
    static final int POLLIN = 0x1;
    static final int POLLOUT = 0x4;
    static final long SYS_PIDFD_OPEN = 434;
    static final int AT_FDCWD = -100;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int SEEK_SET = 0;
    /** {@code getdents64}: 217 on x86_64, 61 in the generic table (arm64, riscv64, loongarch64); -1 elsewhere. */
    static final long SYS_GETDENTS64 = getdents64Number(System.getProperty("os.arch", ""));

    private Syscalls() {}

    /** A direct buffer's native address, taken once for the per-event calls (see {@link LibC}). */
    static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    static int netlinkConnectorSocket() throws NativeException {
        return netlinkSocket(SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR,
                "socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)");
    }

    /** A generic netlink socket (taskstats), close-on-exec and non-blocking. */
    static int netlinkGenericSocket() throws NativeException {
        return netlinkSocket(SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC,
                "socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_GENERIC)");
    }

    private static int netlinkSocket(int type, int protocol, String call) throws NativeException {
        int fd = LibC.socket(AF_NETLINK, type, protocol);
        if (fd < 0) {
            throw new NativeException(call, Native.getLastError());
        }
        return fd;
    }

    /** Binds a netlink socket to the multicast groups, letting the kernel pick the port id. */
    static void bindNetlink(int fd, int groups) throws NativeException {
        byte[] addr = new byte[12]; // struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups
        addr[0] = (byte) AF_NETLINK;
        addr[8] = (byte) groups;
        addr[9] = (byte) (groups >>> 8);
        addr[10] = (byte) (groups >>> 16);
        addr[11] = (byte) (groups >>> 24);
        if (LibC.bind(fd, addr, addr.length) != 0) {
            throw new NativeException("bind(fd=" + fd + ", AF_NETLINK, groups=" + groups + ")", Native.getLastError());
        }
    }

    static void send(int fd, ByteBuffer buf, int len, String what) throws NativeException {
        long n = LibC.send(fd, buf, len, 0);
        if (n < 0) {
            throw new NativeException("send(fd=" + fd + ", " + what + ")", Native.getLastError());
        }
    }

    static void setIntOption(int fd, int level, int name, int value, String what) throws NativeException {
        if (LibC.setsockopt(fd, level, name, new int[] {value}, 4) != 0) {
            throw new NativeException("setsockopt(fd=" + fd + ", " + what + "=" + value + ")", Native.getLastError());
        }
    }

    static void setOption(int fd, int level, int name, int[] value, String what) throws NativeException {
        if (LibC.setsockopt(fd, level, name, value, value.length * 4) != 0) {
            throw new NativeException("setsockopt(fd=" + fd + ", " + what + ")", Native.getLastError());
        }
    }

    /**
     * {@code SO_ATTACH_FILTER}: attaches a classic BPF program, given as {@code struct sock_filter[]}
     * in host order, replacing any attached one. The value is {@code struct sock_fprog { u16 len;
     * struct sock_filter *filter; }} (16 bytes with the padding before the pointer); the kernel
     * copies the program during the call, so the native memory is freed right after.
     */
    static void attachFilter(int fd, byte[] sockFilters, int instructions) throws NativeException {
        try (Memory filters = new Memory(sockFilters.length); Memory fprog = new Memory(16)) {
            filters.write(0, sockFilters, 0, sockFilters.length);
            fprog.clear();
            fprog.setShort(0, (short) instructions);
            fprog.setPointer(8, filters);
            if (LibC.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16) != 0) {
                int errno = Native.getLastError();
                throw new NativeException("setsockopt(fd=" + fd + ", SO_ATTACH_FILTER, " + instructions + " instructions"
                        + (errno == Errno.ENOMEM ? ": more than the socket's option memory, net.core.optmem_max, holds"
                                + " (a replaced filter counts until the new one is in)" : "") + ")", errno);
            }
        }
    }

    /** {@code SO_DETACH_FILTER}; false when no filter was attached (ENOENT). */
    static boolean detachFilter(int fd) throws NativeException {
        if (LibC.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, new int[] {0}, 4) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == Errno.ENOENT) {
            return false;
        }
        throw new NativeException("setsockopt(fd=" + fd + ", SO_DETACH_FILTER)", errno);
    }

    static int getIntOption(int fd, int level, int name, String what) throws NativeException {
        int[] value = new int[1];
        int[] len = {4};
        if (LibC.getsockopt(fd, level, name, value, len) != 0) {
            throw new NativeException("getsockopt(fd=" + fd + ", " + what + ")", Native.getLastError());
        }
        return value[0];
    }

    /** {@code SO_MEMINFO}: u32[9], index 8 is the socket's drop count. */
    static int[] memInfo(int fd) throws NativeException {
        int[] value = new int[9];
        int[] len = {36};
        if (LibC.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, value, len) != 0) {
            throw new NativeException("getsockopt(fd=" + fd + ", SO_MEMINFO)", Native.getLastError());
        }
        return value;
    }

    /** Closes quietly: there is nothing useful to do when close fails. */
    static void close(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    static int pidfdOpen(int pid) throws NativeException {
        int fd = LibC.syscall(SYS_PIDFD_OPEN, pid, 0);
        if (fd < 0) {
            throw new NativeException("pidfd_open(pid=" + pid + ")", Native.getLastError());
        }
        return fd;
    }

    static final int RLIMIT_NOFILE = 7;

    /** This process's soft limit on open descriptors ({@code RLIMIT_NOFILE}, what {@code ulimit -n} shows). */
    static long openFileLimit() throws NativeException {
        long[] limit = new long[2];
        if (LibC.prlimit(0, RLIMIT_NOFILE, null, limit) != 0) {
            throw new NativeException("prlimit(RLIMIT_NOFILE)", Native.getLastError());
        }
        return limit[0];
    }

    /** Waits up to {@code timeoutMillis} (-1: forever) for POLLIN; true when readable. */
    static boolean pollIn(int fd, int timeoutMillis) throws NativeException {
        return poll(fd, POLLIN, "POLLIN", timeoutMillis);
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for {@code events} ({@code name} for the
     * message); true when one came, or POLLHUP/POLLERR: either way there is nothing left to wait for.
     */
    static boolean poll(int fd, int events, String name, int timeoutMillis) throws NativeException {
        int[] pollfd = {fd, events};
        while (true) {
            int n = LibC.poll(pollfd, 1, timeoutMillis);
            if (n >= 0) {
                return n > 0;
            }
            int errno = Native.getLastError();
            if (errno != Errno.EINTR) {
                throw new NativeException("poll(fd=" + fd + ", " + name + ", timeout=" + timeoutMillis + "ms)", errno);
            }
        }
    }

    /** Returns 0, or {@code -errno}: callers decide which errors are expected. */
    static int ioctl(int fd, long request, byte[] arg) {
        return LibC.ioctl(fd, request, arg) < 0 ? -Native.getLastError() : 0;
    }

    static long getdents64Number(String arch) {
        switch (arch) {
            case "amd64":
            case "x86_64":
                return 217;
            case "aarch64":
            case "riscv64":
            case "loongarch64":
                return 61;
            default:
                return -1;
        }
    }

    /** {@code open(path, O_RDONLY | O_CLOEXEC)}, for setting up (allocates). */
    static int openReadOnly(String path) throws NativeException {
        int fd = LibC.openat(AT_FDCWD, cPath(path), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new NativeException("open(" + path + ", O_RDONLY)", Native.getLastError());
        }
        return fd;
    }

    /** {@code path} NUL-terminated in a direct buffer, for {@link LibC#openat(int, ByteBuffer, int)} (allocates). */
    static ByteBuffer cPath(String path) {
        byte[] name = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocateDirect(name.length + 1).put(name).put((byte) 0).flip(); // JNA passes it from its position
    }

    /** Back to the start of a file or directory. Returns 0, or {@code -errno}. */
    static int rewind(int fd) {
        return LibC.lseek(fd, 0, SEEK_SET) < 0 ? -Native.getLastError() : 0;
    }

    /**
     * The next directory entries ({@code struct linux_dirent64}) into {@code buf} from its start.
     * Returns the bytes filled (0 at the end), or {@code -errno} (ENOSYS where the syscall's number
     * is not known). Allocates nothing.
     */
    static int getdents64(int fd, ByteBuffer buf) {
        if (SYS_GETDENTS64 < 0) {
            return -Errno.ENOSYS;
        }
        long n = LibC.syscall(SYS_GETDENTS64, fd, buf, buf.capacity());
        return n < 0 ? -Native.getLastError() : (int) n;
    }
}
