package org.taskwatch.kernel;

import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads one process's small /proc files through a descriptor of /proc kept open: {@code openat},
 * {@code read}, {@code close} into buffers reused for every read (three system calls, and no
 * garbage but the answer's string), where {@link ProcFs} goes through Java's file API (a path,
 * a channel, an fstat and a second read per file). For the threads that read /proc per event:
 * the delivery thread, the /proc poller.
 *
 * <p>A process can vanish between any two reads: a read of one that is gone answers null or -1.
 * One thread at a time; {@link #close} after that thread is done with it.
 */
public final class ProcFiles implements AutoCloseable {
    private static final byte[] COMM = bytes("comm");
    private static final byte[] CMDLINE = bytes("cmdline");
    private static final byte[] EXE = bytes("exe");
    static final byte[] STAT = bytes("stat");
    /** The longest cmdline kept; the kernel gives up to a page per read, and a notification needs no more. */
    static final int MAX_CMDLINE = 4096;

    private final int procFd;
    private final ByteBuffer path = ProcEventCodec.newBuffer(32);
    private final ByteBuffer data = ProcEventCodec.newBuffer(MAX_CMDLINE);
    private final long pathAddress = Syscalls.address(path);
    private final long dataAddress = Syscalls.address(data);
    private boolean closed;

    private ProcFiles(int procFd) {
        this.procFd = procFd;
    }

    /** @throws NativeException when {@code procRoot} cannot be opened */
    public static ProcFiles open(String procRoot) throws NativeException {
        return new ProcFiles(Syscalls.openReadOnly(procRoot));
    }

    /**
     * As {@link #open}, but where {@code procRoot} cannot be opened the reader reads nothing:
     * every answer is null or -1, as for a process that is gone.
     */
    public static ProcFiles openOrNothing(String procRoot) {
        try {
            return open(procRoot);
        } catch (NativeException e) {
            ProcFiles nothing = new ProcFiles(-1);
            nothing.closed = true;
            return nothing;
        }
    }

    /** {@code /proc/PID/comm} without its newline, or null. */
    public String comm(int pid) {
        int n = read(pid, COMM);
        if (n <= 0) {
            return null;
        }
        return string(data, data.get(n - 1) == '\n' ? n - 1 : n);
    }

    /**
     * {@code /proc/PID/cmdline} with its NUL separators turned into spaces (the first 4096 bytes),
     * or null; empty for a kernel thread or a zombie.
     */
    public String cmdline(int pid) {
        int n = read(pid, CMDLINE);
        if (n < 0) {
            return null;
        }
        while (n > 0 && data.get(n - 1) == 0) {
            n--;
        }
        for (int i = 0; i < n; i++) {
            if (data.get(i) == 0) {
                data.put(i, (byte) ' ');
            }
        }
        return string(data, n);
    }

    /** The target of {@code /proc/PID/exe}, or null (gone, a kernel thread, or no permission). */
    public String exe(int pid) {
        if (closed || !path(pid, EXE)) {
            return null;
        }
        long n = LibC.readlinkat(procFd, pathAddress, dataAddress, data.capacity());
        return n <= 0 || n >= data.capacity() ? null : string(data, (int) n);
    }

    /** A process's name and parent, from one read of {@code /proc/PID/stat}. */
    public record Stat(String comm, int ppid) {}

    /**
     * The name (field 2) and parent's pid (field 4) of {@code /proc/PID/stat}, or null when the
     * process is gone or the line does not parse. One file for both: the same name as {@code
     * /proc/PID/comm}, and the parent as it is now (after a reparenting, the new one).
     */
    public Stat stat(int pid) {
        int n = read(pid, STAT);
        int open = StatLine.commOpen(data, n);
        int close = StatLine.commClose(data, n, open);
        if (open < 0 || close < 0) {
            return null;
        }
        int ppidAt = StatLine.fieldEnd(data, close + 2, n) + 1; // past field 3, the state
        long ppid = StatLine.parseUnsigned(data, ppidAt, StatLine.fieldEnd(data, ppidAt, n));
        if (ppid < 0 || ppid > Integer.MAX_VALUE) {
            return null;
        }
        byte[] comm = new byte[close - open - 1];
        data.get(open + 1, comm, 0, comm.length);
        return new Stat(new String(comm, StandardCharsets.UTF_8), (int) ppid);
    }

    /** The parent's pid (field 4 of {@code /proc/PID/stat}), or -1. */
    public int ppid(int pid) {
        Stat s = stat(pid);
        return s == null ? -1 : s.ppid();
    }

    /** Reads {@code /proc/PID/NAME} into {@link #data}. */
    private int read(int pid, byte[] name) {
        return read(pid, name, dataAddress, data.capacity());
    }

    /**
     * Reads {@code /proc/PID/NAME} into {@code into} from its start: the length read (at most its
     * capacity), or {@code -errno} ({@code -ENOENT} or {@code -ESRCH} for a process that is gone).
     */
    int read(int pid, byte[] name, long into, int capacity) {
        if (closed) {
            return -Errno.EBADF;
        }
        if (!path(pid, name)) {
            return -Errno.EINVAL;
        }
        int fd = LibC.openat(procFd, pathAddress, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
        if (fd < 0) {
            return -Native.getLastError();
        }
        try {
            long n = LibC.read(fd, into, capacity);
            return n < 0 ? -Native.getLastError() : (int) n;
        } finally {
            Syscalls.close(fd);
        }
    }

    /** The descriptor of /proc itself (for listing it); this object owns it. */
    int directoryFd() {
        return procFd;
    }

    /** Writes {@code PID/NAME} and a NUL into the path buffer; false for a pid that is not positive. */
    private boolean path(int pid, byte[] name) {
        if (pid <= 0) {
            return false;
        }
        int digits = 1;
        for (int v = pid; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = pid; i >= 0; i--, v /= 10) {
            path.put(i, (byte) ('0' + v % 10));
        }
        path.put(digits, (byte) '/');
        for (int i = 0; i < name.length; i++) {
            path.put(digits + 1 + i, name[i]);
        }
        path.put(digits + 1 + name.length, (byte) 0);
        return true;
    }

    private static String string(ByteBuffer b, int len) {
        byte[] out = new byte[len];
        b.get(0, out, 0, len);
        return new String(out, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Syscalls.close(procFd);
        }
    }
}
