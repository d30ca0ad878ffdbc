package org.taskwatch.nagios;

/**
 * How a process ended, in words: "exit status 3", "killed by SIGSEGV (core dumped)". The same
 * words as the agent's {@code ExitStatus.describe()}, kept here because the plugin depends on
 * nothing but the JDK (the native bridge would bring JNA into every check).
 */
final class ExitText {
    private static final String[] SIGNALS = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    private ExitText() {}

    static String describe(int exitCode, int signal, boolean coreDumped) {
        if (signal == 0) {
            return "exit status " + exitCode;
        }
        return "killed by " + signalName(signal) + (coreDumped ? " (core dumped)" : "");
    }

    static String signalName(int signal) {
        if (signal > 0 && signal < SIGNALS.length) {
            return SIGNALS[signal];
        }
        return signal >= 34 && signal <= 64 ? "SIGRTMIN+" + (signal - 34) : "signal " + signal;
    }
}
