package org.taskwatch.kernel;

/**
 * A pidfd: a file descriptor that names one process for as long as it is open, so that a
 * reused pid can never be mistaken for it (Linux 5.3+). Polls readable once the whole thread
 * group has exited; from Linux 6.15 {@link #exitStatus()} gives the exit status to any caller.
 *
 * <p>Thread-safe for {@link #awaitExit} and {@link #exitStatus} from any thread; {@link #close}
 * once.
 */
public final class Pidfd implements AutoCloseable {
    /** {@code PIDFD_GET_INFO = _IOWR(0xFF, 11, struct pidfd_info)} with the 64-byte first version. */
    static final long PIDFD_GET_INFO = 0xC040FF0BL;
    static final long PIDFD_INFO_EXIT = 0x8;
    static final int PIDFD_INFO_SIZE = 64;
    static final int OFF_EXIT_CODE = 60;

    private final int pid;
    private volatile int fd;

    private Pidfd(int pid, int fd) {
        this.pid = pid;
        this.fd = fd;
    }

    /**
     * Opens a pidfd for {@code pid}.
     *
     * @return null when no such process exists (ESRCH)
     * @throws NativeException for any other failure (ENOSYS on kernels before 5.3, ...)
     */
    public static Pidfd open(int pid) throws NativeException {
        try {
            return new Pidfd(pid, Syscalls.pidfdOpen(pid));
        } catch (NativeException e) {
            if (e.errno() == Errno.ESRCH) {
                return null;
            }
            throw e;
        }
    }

    public int pid() {
        return pid;
    }

    /** The descriptor's number. */
    int descriptor() {
        return fd;
    }

    /** Waits up to {@code timeoutMillis} (-1: for ever); true once the process has exited. */
    public boolean awaitExit(int timeoutMillis) throws NativeException {
        return Syscalls.pollIn(fd, timeoutMillis);
    }

    /**
     * The exit status through {@code PIDFD_GET_INFO} (Linux 6.15+), once the process has been
     * reaped; null when the kernel cannot tell (older kernel, not yet reaped, still running).
     */
    public ExitStatus exitStatus() {
        int status = exitWaitStatus();
        return status == ExitStatus.UNKNOWN_WAIT_STATUS ? null : ExitStatus.fromWaitStatus(status);
    }

    /** {@link #exitStatus()} as a raw wait status, or {@link ExitStatus#UNKNOWN_WAIT_STATUS}. */
    int exitWaitStatus() {
        byte[] info = new byte[PIDFD_INFO_SIZE];
        info[0] = (byte) PIDFD_INFO_EXIT; // mask, little-endian u64 on the only architectures we run on
        if (Syscalls.ioctl(fd, PIDFD_GET_INFO, info) != 0) {
            return ExitStatus.UNKNOWN_WAIT_STATUS;
        }
        long mask = 0;
        for (int i = 7; i >= 0; i--) {
            mask = mask << 8 | (info[i] & 0xff);
        }
        if ((mask & PIDFD_INFO_EXIT) == 0) {
            return ExitStatus.UNKNOWN_WAIT_STATUS;
        }
        return (info[OFF_EXIT_CODE] & 0xff) | (info[OFF_EXIT_CODE + 1] & 0xff) << 8
                | (info[OFF_EXIT_CODE + 2] & 0xff) << 16 | (info[OFF_EXIT_CODE + 3] & 0xff) << 24;
    }

    @Override
    public synchronized void close() {
        int f = fd;
        fd = -1;
        Syscalls.close(f);
    }
}
