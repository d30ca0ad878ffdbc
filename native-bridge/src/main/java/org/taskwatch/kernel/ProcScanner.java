package org.taskwatch.kernel;

import java.nio.ByteBuffer;

/**
 * Reads /proc into a {@link ProcSnapshot} without allocating: the process ids listed by its
 * {@link ProcFiles} ({@code getdents64} on an fd of /proc kept open), then {@code openat}/{@code
 * read}/{@code close} of {@code PID/stat} for each, into direct buffers reused for every scan. Java's own file API
 * would allocate a path, a stream and a string per process per scan; this costs three syscalls and
 * no garbage.
 *
 * <p>Processes vanish between any two reads. A process whose stat is gone (ENOENT, ESRCH, an
 * empty read) is left out of the snapshot: it has exited. One that is listed but cannot be read
 * for another reason (out of file descriptors, no permission, a line that does not parse) is
 * carried over from the previous snapshot unchanged, so that a failing read never looks like an
 * exit; {@link #unreadable()} counts those. Only a failure to list /proc itself fails the scan.
 *
 * <p>Threading: one thread at a time (the poller's, or its starter's for the first scan);
 * {@link #close} after that thread is done with it.
 */
final class ProcScanner implements AutoCloseable {
    private static final int STAT_BUFFER = 4096;

    private final ProcFiles files;
    private final ByteBuffer stat = ProcEventCodec.newBuffer(STAT_BUFFER);
    private final long statAddress = Syscalls.address(stat);
    private long unreadable;
    private boolean closed;

    ProcScanner(String procRoot) throws NativeException {
        this.files = ProcFiles.open(procRoot);
    }

    /** Processes that were listed but could not be read, over all scans. */
    long unreadable() {
        return unreadable;
    }

    /**
     * Fills {@code into} with every process now in /proc; processes that cannot be read are
     * taken from {@code previous} when it has them.
     *
     * @throws NativeException when /proc cannot be listed ({@code into} is then incomplete)
     */
    void scan(ProcSnapshot previous, ProcSnapshot into) throws NativeException {
        into.clear();
        int n = files.listPids();
        for (int i = 0; i < n; i++) {
            int pid = files.listedPid(i);
            int r = readStat(pid, into);
            if (r == READ_FAILED) {
                unreadable++;
                int old = previous == null ? -1 : previous.slotOf(pid);
                if (old >= 0) {
                    into.copy(previous, old);
                }
            }
        }
    }

    static final int READ_OK = 0;
    static final int READ_GONE = 1;
    static final int READ_FAILED = 2;

    /** Reads {@code /proc/PID/stat} into {@code into}: {@link #READ_OK}, {@link #READ_GONE} or {@link #READ_FAILED}. */
    int readStat(int pid, ProcSnapshot into) {
        if (closed) {
            return READ_FAILED;
        }
        int len = files.read(pid, ProcFiles.STAT, statAddress, STAT_BUFFER);
        if (len == 0 || len == -Errno.ESRCH || len == -Errno.ENOENT) {
            return READ_GONE;
        }
        if (len < 0 || len == STAT_BUFFER) {
            return READ_FAILED; // an error, or a line longer than any stat line the kernel writes
        }
        return parseStat(stat, len, pid, into) ? READ_OK : READ_FAILED;
    }

    /**
     * Parses a stat line: {@code pid (comm) state ppid ...}. comm may hold spaces and
     * parentheses, so the fields start after the last ')'.
     */
    static boolean parseStat(ByteBuffer b, int len, int pid, ProcSnapshot into) {
        int open = StatLine.commOpen(b, len);
        int close = StatLine.commClose(b, len, open);
        if (open < 0 || close < 0) {
            return false;
        }
        long commHash = 0xcbf29ce484222325L; // FNV-1a over comm's bytes
        for (int i = open + 1; i < close; i++) {
            commHash = (commHash ^ (b.get(i) & 0xff)) * 0x100000001b3L;
        }
        // after ") ": field 3 (state), then space-separated numbers
        int field = 3;
        int pos = close + 2;
        int ppid = -1;
        long startTime = -1;
        long codeStart = -1;
        long codeEnd = -1;
        while (pos < len && field <= 27) {
            int end = StatLine.fieldEnd(b, pos, len);
            switch (field) {
                case 4: ppid = (int) StatLine.parseUnsigned(b, pos, end); break;
                case 22: startTime = StatLine.parseUnsigned(b, pos, end); break;
                case 26: codeStart = StatLine.parseUnsigned(b, pos, end); break;
                case 27: codeEnd = StatLine.parseUnsigned(b, pos, end); break;
                default: break;
            }
            field++;
            pos = end + 1;
        }
        if (ppid < 0 || startTime < 0 || codeStart < 0 || codeEnd < 0) {
            return false;
        }
        into.add(pid, ppid, startTime, codeStart, codeEnd, commHash);
        return true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            files.close();
        }
    }
}
