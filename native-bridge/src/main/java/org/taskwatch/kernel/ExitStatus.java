package org.taskwatch.kernel;

/**
 * How a process ended, decoded from the kernel's wait status (the {@code exit_code} of an exit
 * event): {@code exit(3)} gives 0x300, SIGKILL gives 0x9, a core dump sets 0x80.
 *
 * @param exitCode the status passed to exit, 0-255 (0 when killed by a signal)
 * @param signal the signal that killed it, 0 if none
 * @param coreDumped whether it dumped core
 */
public record ExitStatus(int exitCode, int signal, boolean coreDumped) {
    private static final String[] SIGNALS = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    public static ExitStatus fromWaitStatus(int status) {
        int signal = status & 0x7f;
        return new ExitStatus(signal == 0 ? (status >>> 8) & 0xff : 0, signal, (status & 0x80) != 0);
    }

    /** The status a shell reports: the exit code, or 128 + the signal. */
    public int shellStatus() {
        return signal != 0 ? 128 + signal : exitCode;
    }

    /** "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)". */
    public String describe() {
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
