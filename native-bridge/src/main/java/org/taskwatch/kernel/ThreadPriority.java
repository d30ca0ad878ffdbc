package org.taskwatch.kernel;

import com.sun.jna.Native;

/**
 * Raises the scheduling priority of the calling thread, as auditd's {@code priority_boost} does
 * for its daemon: the threads that receive and deliver events then win the CPU from a storm of
 * the processes they report on, which keeps the latency tail short and the socket buffer
 * drained. Linux keeps the nice value per thread: {@code setpriority(PRIO_PROCESS, 0, ...)}
 * changes the calling thread only. Lowering it needs {@code CAP_SYS_NICE} (or an
 * {@code RLIMIT_NICE} that allows it).
 */
public final class ThreadPriority {
    private static final int PRIO_PROCESS = 0;
    /** The most a thread can be raised: nice -20. */
    public static final int MAX_BOOST = 20;

    private ThreadPriority() {}

    /**
     * Sets the calling thread's nice value to {@code -boost} (0: leaves it as it is).
     *
     * @return "" when done, else why not (the thread then runs at its old priority)
     * @throws IllegalArgumentException for a boost outside 0 to 20
     */
    public static String boostCurrentThread(int boost) {
        check(boost);
        if (boost == 0) {
            return "";
        }
        if (LibC.setpriority(PRIO_PROCESS, 0, -boost) == 0) {
            return "";
        }
        int errno = Native.getLastError();
        return "setpriority(nice " + -boost + "): " + Errno.name(errno)
                + (errno == Errno.EACCES || errno == Errno.EPERM ? " (raising a priority needs CAP_SYS_NICE)" : "");
    }

    /** The calling thread's nice value. */
    public static int currentNice() {
        return LibC.getpriority(PRIO_PROCESS, 0);
    }

    /** @throws IllegalArgumentException for a boost outside 0 to 20, naming it */
    public static void check(int boost) {
        if (boost < 0 || boost > MAX_BOOST) {
            throw new IllegalArgumentException("priorityBoost: must be 0 to " + MAX_BOOST + ", got " + boost);
        }
    }
}
