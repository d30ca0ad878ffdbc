package org.taskwatch.benchmark;

import com.sun.jna.Native;

/** The two C library calls the storm benchmark needs that Java has no API for (JNA direct mapping). */
final class Libc {
    static final int SIGALRM = 14;
    private static final int SC_CLK_TCK = 2;

    static {
        Native.register(Libc.class, "c");
    }

    private Libc() {}

    private static native int kill(int pid, int signal);

    private static native long sysconf(int name);

    /** Sends {@code signal} to {@code pid}; false when the process is gone. */
    static boolean signal(long pid, int signal) {
        return kill((int) pid, signal) == 0;
    }

    /** The unit of the CPU times in {@code /proc/PID/stat} (USER_HZ, 100 on Linux). */
    static long clockTicksPerSecond() {
        long t = sysconf(SC_CLK_TCK);
        return t > 0 ? t : 100;
    }
}
