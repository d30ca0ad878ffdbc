package org.taskwatch.kernel;

import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one reader of /proc: one process's small files through a descriptor of /proc kept open,
 * {@code openat}, {@code read}, {@code close} into buffers reused for every read (three system
 * calls, and no garbage but the answer), and directories listed with {@code getdents64}. Java's
 * file API would take a path, a channel, an fstat and a second read per file. The threads that
 * read /proc per event (the delivery thread, the /proc poller) own one each; callers' threads
 * go through {@link ProcFs}, which lends them out.
 *
 * <p>Works on any directory laid out as /proc (a test's temporary tree): every read is relative
 * to the root it was opened on. Which file each answer comes from is said per method.
 *
 * <p>A process can vanish between any two reads: a read of one that is gone answers null, -1,
 * 0 or an empty list, and never throws for that. One thread at a time; {@link #close} after that
 * thread is done with it.
 */
public final class ProcFiles implements AutoCloseable {
    private static final byte[] COMM = bytes("comm");
    private static final byte[] CMDLINE = bytes("cmdline");
    private static final byte[] EXE = bytes("exe");
    private static final byte[] STATUS = bytes("status");
    private static final byte[] TASK = bytes("task");
    private static final byte[] CGROUP = bytes("cgroup");
    private static final byte[] NAME_SYSTEMD = bytes("name=systemd");
    private static final byte[] DELETED = bytes(CgroupLayout.DELETED);
    private static final byte[] NOTHING = new byte[0];
    private static final byte[] UID = bytes("Uid:");
    private static final byte[] TGID = bytes("Tgid:");
    static final byte[] STAT = bytes("stat");
    /** Fields of a stat line, numbered as proc(5) numbers them. */
    private static final int STATE = 3;
    private static final int START_TIME = 22;
    private static final int EXIT_CODE = 52;
    private static final int DIRENTS = 32 * 1024;
    /** The longest cmdline kept; the kernel gives up to a page per read, and a notification needs no more. */
    static final int MAX_CMDLINE = 4096;

    private final int procFd;
    private final ByteBuffer path = ProcEventCodec.newBuffer(32);
    private final ByteBuffer data = ProcEventCodec.newBuffer(MAX_CMDLINE);
    private final long pathAddress = Syscalls.address(path);
    private final long dataAddress = Syscalls.address(data);
    /** For listing directories; made at the first listing (most readers never list). */
    private ByteBuffer dirents;
    /** What the last listing found (its count is what it answered). */
    private int[] pids = new int[256];
    /** The errno that cut the last listing short, or 0. */
    private int listErrno;
    private boolean closed;

    private ProcFiles(int procFd) {
        this.procFd = procFd;
    }

    /** @throws NativeException when {@code procRoot} cannot be opened (a descriptor of it is kept) */
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

    /**
     * The cgroup path of {@code pid} in {@code layout}'s hierarchy, from {@code /proc/PID/cgroup}
     * ({@code /system.slice/nginx.service}), or null when it is gone or the layout has none.
     */
    public String cgroup(int pid, CgroupLayout layout) {
        long at = cgroupPath(pid, layout);
        if (at < 0) {
            return null;
        }
        int from = (int) (at >>> 32);
        byte[] out = new byte[(int) at - from];
        data.get(from, out, 0, out.length);
        return new String(out, StandardCharsets.UTF_8);
    }

    /**
     * Tests the cgroup path of {@code pid} (as {@link #cgroup}) against {@code patterns[0..count)}
     * into {@code matched}, allocating nothing: false, and {@code matched} untouched, when it
     * cannot be read (gone, or no cgroups here).
     */
    public boolean cgroupMatches(int pid, CgroupLayout layout, CgroupPattern[] patterns, int count, boolean[] matched) {
        long at = cgroupPath(pid, layout);
        if (at < 0) {
            return false;
        }
        int from = (int) (at >>> 32);
        int to = (int) at;
        for (int i = 0; i < count; i++) {
            matched[i] = patterns[i].matches(data, from, to);
        }
        return true;
    }

    /**
     * Reads {@code /proc/PID/cgroup} into {@link #data} and finds the path of the layout's line
     * ({@code 0::PATH}, or {@code N:name=systemd:PATH}): its start in the high and its end in the
     * low 32 bits, or -1.
     */
    private long cgroupPath(int pid, CgroupLayout layout) {
        if (!layout.available()) {
            return -1;
        }
        int n = read(pid, CGROUP);
        boolean unified = layout.hierarchy() == CgroupLayout.Hierarchy.UNIFIED;
        for (int line = 0; line < n; ) {
            int end = line;
            while (end < n && data.get(end) != '\n') {
                end++;
            }
            int first = indexOf(line, end, ':');
            int second = first < 0 ? -1 : indexOf(first + 1, end, ':');
            if (second >= 0 && (unified ? first == line + 1 && data.get(line) == '0' && second == first + 1
                    : second - first - 1 == NAME_SYSTEMD.length && startsWith(data, first + 1, second, NAME_SYSTEMD))) {
                int to = end;
                if (to - second - 1 >= DELETED.length && startsWith(data, to - DELETED.length, to, DELETED)) {
                    to -= DELETED.length; // a zombie whose cgroup was removed
                }
                return (long) (second + 1) << 32 | to;
            }
            line = end + 1;
        }
        return -1;
    }

    private int indexOf(int from, int to, char c) {
        for (int i = from; i < to; i++) {
            if (data.get(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** The real uid (the first of four) from {@code /proc/PID/status}, or -1. */
    public int uid(int pid) {
        return statusField(pid, UID);
    }

    /** The thread group id of a task (a thread's process) from {@code /proc/PID/status}, or -1. */
    public int tgid(int pid) {
        return statusField(pid, TGID);
    }

    /**
     * The start time of a process in clock ticks since boot (field 22 of {@code /proc/PID/stat}),
     * or -1. Together with the pid it names one process for ever: a reused pid has a later start.
     */
    public long startTime(int pid) {
        return statField(pid, START_TIME);
    }

    /** The state letter from {@code /proc/PID/stat} ('R', 'S', 'Z', ...), or 0 when gone. */
    public char state(int pid) {
        int n = read(pid, STAT);
        int at = StatLine.fieldStart(data, n, STATE);
        return at < 0 || at >= n ? 0 : (char) (data.get(at) & 0xff);
    }

    /**
     * The wait status of a process that has exited and not yet been reaped (a zombie: field 52
     * of {@code /proc/PID/stat}), or {@link ExitStatus#UNKNOWN_WAIT_STATUS} when it is not a
     * zombie or gone.
     */
    public int zombieWaitStatus(int pid) {
        int n = read(pid, STAT);
        int at = StatLine.fieldStart(data, n, STATE);
        if (at < 0 || at >= n || data.get(at) != 'Z') {
            return ExitStatus.UNKNOWN_WAIT_STATUS;
        }
        int from = StatLine.fieldStart(data, n, EXIT_CODE);
        long status = from < 0 ? -1 : StatLine.parseUnsigned(data, from, StatLine.fieldEnd(data, from, n));
        return status < 0 || status > Integer.MAX_VALUE ? ExitStatus.UNKNOWN_WAIT_STATUS : (int) status;
    }

    /** Whether {@code /proc/PID} is there (a process, or a thread of one, that has not been reaped). */
    public boolean exists(int pid) {
        if (closed || !path(pid, NOTHING)) {
            return false;
        }
        int fd = LibC.openat(procFd, pathAddress, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
        Syscalls.close(fd);
        return fd >= 0;
    }

    /** Every process now alive (the numeric entries of /proc); empty when it cannot be listed. */
    public List<Integer> pids() {
        if (closed || Syscalls.rewind(procFd) < 0) {
            return List.of();
        }
        return boxed(listNumeric(procFd)); // cut short by an error: what we have is all there is
    }

    /** The thread ids of a process ({@code /proc/PID/task}), or an empty list when it is gone. */
    public List<Integer> tasks(int pid) {
        if (closed || !path(pid, TASK)) {
            return List.of();
        }
        int fd = LibC.openat(procFd, pathAddress, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
        if (fd < 0) {
            return List.of();
        }
        try {
            return boxed(listNumeric(fd)); // cut short (the process went meanwhile): what we have is all there is
        } finally {
            Syscalls.close(fd);
        }
    }

    /**
     * Lists the numeric entries of /proc itself into {@link #listedPid}: how many there are.
     * Allocates nothing once its array has grown to the machine's process count.
     *
     * @throws NativeException when /proc cannot be listed
     */
    int listPids() throws NativeException {
        if (closed) {
            throw new NativeException("getdents64(closed /proc reader)", Errno.EBADF);
        }
        int r = Syscalls.rewind(procFd);
        if (r < 0) {
            throw new NativeException("lseek(/proc, 0)", -r);
        }
        int count = listNumeric(procFd);
        if (listErrno != 0) {
            throw new NativeException("getdents64(/proc)", listErrno);
        }
        return count;
    }

    /** The {@code i}th entry {@link #listPids} found. */
    int listedPid(int i) {
        return pids[i];
    }

    private List<Integer> boxed(int count) {
        List<Integer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(pids[i]);
        }
        return out;
    }

    /**
     * The all-digit entries of the directory open as {@code fd}, from where it is, into {@link
     * #pids}: how many. An error ends the listing with what it has, and is left in {@link #listErrno}.
     */
    private int listNumeric(int fd) {
        if (dirents == null) {
            dirents = ProcEventCodec.newBuffer(DIRENTS);
        }
        listErrno = 0;
        int count = 0;
        while (true) {
            int len = Syscalls.getdents64(fd, dirents);
            if (len < 0) {
                listErrno = -len;
                return count;
            }
            if (len == 0) {
                return count;
            }
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
            int pos = 0;
            while (pos + 19 < len) {
                int reclen = dirents.getShort(pos + 16) & 0xffff;
                if (reclen == 0) {
                    break; // cannot happen; never loop on it
                }
                int pid = parsePid(dirents, pos + 19, pos + reclen);
                if (pid > 0) {
                    if (count == pids.length) {
                        pids = Arrays.copyOf(pids, count * 2);
                    }
                    pids[count++] = pid;
                }
                pos += reclen;
            }
        }
    }

    /** A NUL-terminated all-digit name as a pid, or -1 ("self", "sys", ...). */
    private static int parsePid(ByteBuffer b, int from, int limit) {
        int n = 0;
        int i = from;
        for (; i < limit; i++) {
            int c = b.get(i);
            if (c == 0) {
                break;
            }
            if (c < '0' || c > '9' || i - from >= 9) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return i == from ? -1 : n;
    }

    /** Field {@code field} of {@code /proc/PID/stat} as a number, or -1. */
    private long statField(int pid, int field) {
        int n = read(pid, STAT);
        int from = StatLine.fieldStart(data, n, field);
        return from < 0 ? -1 : StatLine.parseUnsigned(data, from, StatLine.fieldEnd(data, from, n));
    }

    /**
     * The first number after {@code key} at the start of a line of {@code /proc/PID/status}
     * ({@code "Uid:\t1000\t1000..."}), or -1.
     */
    private int statusField(int pid, byte[] key) {
        int n = read(pid, STATUS);
        for (int line = 0; line < n; ) {
            if (startsWith(data, line, n, key)) {
                int from = line + key.length;
                while (from < n && (data.get(from) == ' ' || data.get(from) == '\t')) {
                    from++;
                }
                int to = from;
                while (to < n && data.get(to) >= '0' && data.get(to) <= '9') {
                    to++;
                }
                long v = StatLine.parseUnsigned(data, from, to);
                return v > Integer.MAX_VALUE ? -1 : (int) v;
            }
            while (line < n && data.get(line) != '\n') {
                line++;
            }
            line++;
        }
        return -1;
    }

    private static boolean startsWith(ByteBuffer b, int at, int len, byte[] key) {
        if (at + key.length > len) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (b.get(at + i) != key[i]) {
                return false;
            }
        }
        return true;
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

    /** Whether it can still read: not closed, and its root could be opened. */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Writes {@code PID/NAME} (or {@code PID} for an empty name) and a NUL into the path buffer;
     * false for a pid that is not positive.
     */
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
        if (name.length == 0) {
            path.put(digits, (byte) 0);
            return true;
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
