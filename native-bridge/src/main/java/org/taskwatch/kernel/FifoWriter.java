package org.taskwatch.kernel;

import com.sun.jna.Native;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes to a FIFO that a daemon reads (Nagios' external command file) without ever waiting for
 * a reader that may not come. {@link java.io.FileOutputStream} opens a FIFO with a blocking
 * open(2), which waits until some process opens it for reading: for ever when the daemon died
 * and left its FIFO behind, or when the path was replaced by a new FIFO meanwhile (the waiting
 * open holds the old one, which no reader will open again). Here the open has {@code O_NONBLOCK}:
 * with no reader it fails at once ({@link NoReaderException}); and each write that finds the
 * pipe full (a reader that stopped reading) waits for room at most the timeout given.
 *
 * <p>A write of at most {@link #PIPE_BUF} bytes to a pipe is atomic: all of it or, when there is
 * no room, none ({@code EAGAIN}), so whole lines written that size at a time never interleave with
 * another writer's. A regular file at the path is appended to, as a {@code FileOutputStream}
 * in append mode would.
 *
 * <p>Not thread-safe: one thread writes, then closes.
 */
public final class FifoWriter implements Closeable {
    /** Writes to a pipe up to this size are atomic (Linux; POSIX asks for 512 at least). */
    public static final int PIPE_BUF = 4096;

    private static final int O_WRONLY = 1;
    private static final int O_APPEND = 0x400;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_NOCTTY = 0x100;

    private final int fd;
    private final Path path;

    private FifoWriter(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** Nothing has the FIFO open for reading: open(2) said {@code ENXIO}. */
    public static final class NoReaderException extends IOException {
        private static final long serialVersionUID = 1L;

        NoReaderException(Path path) {
            super("nothing reads " + path);
        }
    }

    /**
     * Opens {@code path} for writing, or fails at once.
     *
     * @throws NoReaderException when it is a FIFO that nothing has open for reading
     * @throws NativeException for any other failure (no such file: {@code ENOENT}; no permission)
     */
    public static FifoWriter open(Path path) throws IOException {
        int fd = LibC.openat(Syscalls.AT_FDCWD, Syscalls.cPath(path.toString()),
                O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY | Syscalls.O_CLOEXEC);
        if (fd < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.ENXIO) {
                throw new NoReaderException(path);
            }
            throw new NativeException("open(" + path + ", O_WRONLY | O_NONBLOCK)", errno);
        }
        return new FifoWriter(fd, path);
    }

    /**
     * Writes {@code b[off, off + len)}, {@code len} at most {@link #PIPE_BUF} (one atomic write),
     * waiting for room at most {@code timeoutMillis}.
     *
     * @throws IOException when there was no room within the timeout (the reader is not reading),
     *     or the reader went away ({@code EPIPE}), or another error
     */
    public void write(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        if (len > PIPE_BUF || off < 0 || off + len > b.length) {
            throw new IllegalArgumentException("write of " + len + " bytes at " + off + " of " + b.length
                    + ": at most " + PIPE_BUF + " at once, within the array");
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int done = 0;
        while (done < len) { // a regular file may take part of it; a pipe takes all or nothing
            int from = off + done;
            byte[] rest = from == 0 && len == b.length ? b : Arrays.copyOfRange(b, from, off + len); // write(2) from index 0
            long n = LibC.write(fd, rest, rest.length);
            if (n >= 0) {
                done += (int) n;
                continue;
            }
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno != Errno.EAGAIN) {
                throw new NativeException("write(" + path + ")", errno);
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            // room, or POLLERR (the reader went): the next write says which
            if (left <= 0 || !Syscalls.poll(fd, Syscalls.POLLOUT, "POLLOUT", (int) left)) {
                throw new IOException(path + " full for " + timeoutMillis + " ms: its reader is not reading");
            }
        }
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}
