package org.taskwatch.kernel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The C library calls taskwatch needs, bound with JNA direct mapping ({@link Native#register}).
 *
 * <p>Raw bindings only: every call returns what libc returns, and the caller reads
 * {@link Native#getLastError()} on failure. {@link Syscalls} turns that into exceptions.
 * Sizes ({@code size_t}, {@code ssize_t}) are {@code long}: taskwatch runs on 64-bit Linux only.
 * Buffers are direct {@link ByteBuffer}s (passed by address, no copy) on the hot path and
 * small arrays (copied in and out) elsewhere.
 */
final class LibC {
    static {
        Native.register(LibC.class, "c");
    }

    private LibC() {}

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, byte[] addr, int addrLen);

    static native long send(int fd, ByteBuffer buf, long len, int flags);

    /**
     * {@code recvmmsg(2)}: {@code msgvec} is the address of a {@code struct mmsghdr} array in
     * native memory, {@code timeout} that of a {@code struct timespec} or 0 (none).
     */
    static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    static native int setsockopt(int fd, int level, int name, int[] value, int len);

    /** For options whose value holds a pointer ({@code struct sock_fprog}): the value in native memory. */
    static native int setsockopt(int fd, int level, int name, Pointer value, int len);

    static native int getsockopt(int fd, int level, int name, int[] value, int[] len);

    static native int setpriority(int which, int who, int prio);

    static native int getpriority(int which, int who);

    static native int getsockname(int fd, byte[] addr, int[] addrLen);

    static native int close(int fd);

    /** {@code struct pollfd} is {@code int fd; short events; short revents;}: two ints here. */
    static native int poll(int[] fds, long nfds, int timeoutMillis);

    /** {@code syscall(2)} with two int arguments, enough for {@code pidfd_open(pid, flags)}. */
    static native int syscall(long number, int arg1, int arg2);

    static native int ioctl(int fd, long request, byte[] arg);

    /** {@code syscall(2)} with an int and a buffer, for {@code bpf(cmd, attr, size)}. */
    static native int syscall(long number, int cmd, Pointer attr, int size);

    /**
     * {@code openat(2)} with a NUL-terminated path in a direct buffer. Variadic in C: the mode
     * argument is left out, which is right for every flag set without {@code O_CREAT}.
     */
    static native int openat(int dirfd, ByteBuffer path, int flags);

    /*
     * Calls taken per event pass buffers as native addresses: JNA finds a direct buffer's address
     * by calling back into Java for its position, a JNI upcall per buffer per call, where an
     * address made once costs nothing.
     */

    /** {@code openat(2)} with the path's address (see above). */
    static native int openat(int dirfd, long path, int flags);

    static native long read(int fd, long buf, long count);

    /** {@code write(2)} from an array (copied in): for writes off the hot path. */
    static native long write(int fd, byte[] buf, long count);

    /** {@code readlinkat(2)}: {@code path} NUL-terminated; the target is not NUL-terminated. */
    static native long readlinkat(int dirfd, long path, long buf, long bufsiz);

    static native long lseek(int fd, long offset, int whence);

    /**
     * {@code syscall(2)} with a buffer, for {@code getdents64(fd, buf, count)}: glibc wraps that
     * call only from 2.30 on, and the poller runs in containers with older ones. Overloads the
     * two-int form above (both bind to the one C symbol).
     */
    static native long syscall(long number, int fd, ByteBuffer buf, long count);

    static native String strerror(int errnum);

    /** {@code prlimit(2)}: {@code struct rlimit} is {@code {rlim_t cur, max}}, two longs; null for none. */
    static native int prlimit(int pid, int resource, long[] newLimit, long[] oldLimit);
}
