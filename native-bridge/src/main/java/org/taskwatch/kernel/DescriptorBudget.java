package org.taskwatch.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How many process watches this process's descriptors allow. Each process watch holds a pidfd,
 * so watches can take every descriptor the process may open ({@code RLIMIT_NOFILE}, {@code
 * ulimit -n}), and then the agent can accept no JMX or HTTP client and read no /proc file. So a
 * reserve of {@link #RESERVE} descriptors is kept for everything else, and watches are refused,
 * with a message that says what to do, before it is touched: at configuration time ({@link
 * #problemWithMaxWatches}) and at each registration ({@link #openPidfd}).
 *
 * <p>The limit is read at every use: an operator may raise it under a running agent
 * ({@code prlimit --nofile}). Thread-safe.
 */
public final class DescriptorBudget {
    /** Descriptors kept for everything but watches: the JVM's own, client connections, /proc reads. */
    public static final int RESERVE = 256;

    private DescriptorBudget() {}

    /** This process's soft limit on open descriptors ({@code RLIMIT_NOFILE}); Long.MAX_VALUE when unlimited or unreadable. */
    public static long openFileLimit() {
        try {
            long limit = Syscalls.openFileLimit();
            return limit < 0 ? Long.MAX_VALUE : limit; // RLIM_INFINITY is all ones
        } catch (NativeException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The most process watches the limit allows: the limit less the reserve (0 below it). */
    public static long maxWatches() {
        return Math.max(0, openFileLimit() - RESERVE);
    }

    /**
     * What is wrong with a {@code maxWatches} setting of {@code wanted} under the current limit, or
     * null when the limit allows that many.
     */
    public static String problemWithMaxWatches(long wanted) {
        long limit = openFileLimit();
        long most = Math.max(0, limit - RESERVE);
        if (wanted <= most) {
            return null;
        }
        return "each process watch holds a descriptor (a pidfd), and this process may open " + limit
                + " (RLIMIT_NOFILE) with " + RESERVE + " kept for connections and /proc reads: at most " + most
                + " watches; lower maxWatches or raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit)";
    }

    /**
     * Opens a pidfd for a new process watch, unless that would leave fewer than {@link #RESERVE}
     * descriptors free.
     *
     * @return the pidfd, or null when the process is gone
     * @throws IllegalArgumentException when descriptors are short, saying how many are open of the
     *     limit and what to do
     * @throws NativeException when pidfds are not available (ENOSYS before Linux 5.3, ...)
     */
    public static Pidfd openPidfd(int pid) throws NativeException {
        Pidfd fd;
        try {
            fd = Pidfd.open(pid);
        } catch (NativeException e) {
            if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                throw new IllegalArgumentException(shortOf(pid, openFileLimit(), -1), e);
            }
            throw e;
        }
        if (fd == null) {
            return null;
        }
        long limit = openFileLimit();
        // Descriptors are handed out lowest first: this one's number says that at least as many
        // are open below it. Only near the limit are they counted, which costs a listing of them.
        if (limit - fd.descriptor() - 1 >= RESERVE) {
            return fd;
        }
        long open = openDescriptors();
        if (open >= 0 && limit - open >= RESERVE) {
            return fd;
        }
        fd.close();
        throw new IllegalArgumentException(shortOf(pid, limit, open));
    }

    private static String shortOf(int pid, long limit, long open) {
        return "cannot watch process " + pid + ": " + (open < 0 ? "no descriptor is left" : open + " descriptors are open")
                + " of the " + limit + " this process may open (RLIMIT_NOFILE), and " + RESERVE
                + " are kept for connections and /proc reads; each process watch holds one: remove watches"
                + " (unwatch) or raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit)";
    }

    /** The descriptors this process has open now, as /proc/self/fd lists them; -1 when it cannot be listed (none left). */
    static long openDescriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // less the one that lists them
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
