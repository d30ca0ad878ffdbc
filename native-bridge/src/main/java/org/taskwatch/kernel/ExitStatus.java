package org.taskwatch.kernel;

/**
 * How a process ended, decoded from the kernel's wait status (the {@code exit_code} of an exit
 * event): {@code exit(3)} gives 0x300, SIGKILL gives 0x9, a core dump sets 0x80.
 *
 * <p>An event source that saw a process vanish without learning how it ended (the /proc poller,
 * for a process nobody tracked) says so with {@link #UNKNOWN} rather than inventing an exit 0:
 * {@code exitCode} and {@code signal} are both -1 there, and {@link #known()} is false. In the
 * {@code int} form (an event frame's wait status, or a stored one) the same is
 * {@link #UNKNOWN_WAIT_STATUS}.
 *
 * @param exitCode the status passed to exit, 0-255 (0 when killed by a signal; -1 when unknown)
 * @param signal the signal that killed it, 0 if none (-1 when unknown)
 * @param coreDumped whether it dumped core
 */
public record ExitStatus(int exitCode, int signal, boolean coreDumped) {
    /**
     * The wait status that stands for "unknown". The kernel's wait status fits in 16 bits
     * ({@code (code & 0xff) << 8 | 0x80 | signal}), so -1 never comes from it.
     */
    public static final int UNKNOWN_WAIT_STATUS = -1;

    /** The process ended, but how is not known. */
    public static final ExitStatus UNKNOWN = new ExitStatus(-1, -1, false);

    private static final String[] SIGNALS = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    /** Decodes a wait status; {@link #UNKNOWN_WAIT_STATUS} gives {@link #UNKNOWN}. */
    public static ExitStatus fromWaitStatus(int status) {
        if (status == UNKNOWN_WAIT_STATUS) {
            return UNKNOWN;
        }
        int signal = status & 0x7f;
        return new ExitStatus(signal == 0 ? (status >>> 8) & 0xff : 0, signal, (status & 0x80) != 0);
    }

    /** The kernel's wait status for this (the inverse of {@link #fromWaitStatus}). */
    public int waitStatus() {
        if (!known()) {
            return UNKNOWN_WAIT_STATUS;
        }
        return signal != 0 ? signal | (coreDumped ? 0x80 : 0) : (exitCode & 0xff) << 8;
    }

    /** False for {@link #UNKNOWN}: the process ended and nobody learned how. */
    public boolean known() {
        return exitCode >= 0 && signal >= 0;
    }

    /** The status a shell reports: the exit code, or 128 + the signal; -1 when unknown. */
    public int shellStatus() {
        if (!known()) {
            return -1;
        }
        return signal != 0 ? 128 + signal : exitCode;
    }

    /** "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)", "exit status unknown". */
    public String describe() {
        if (!known()) {
            return "exit status unknown";
        }
        if (signal == 0) {
            return "exit " + exitCode;
        }
        return "killed by " + signalName(signal) + (coreDumped ? " (core dumped)" : "");
    }

    public static String signalName(int signal) {
        if (signal > 0 && signal < SIGNALS.length) {
            return SIGNALS[signal];
        }
        return signal >= 34 && signal <= 64 ? "SIGRTMIN+" + (signal - 34) : "signal " + signal;
    }

    @Override
    public String toString() {
        return describe();
    }
}
