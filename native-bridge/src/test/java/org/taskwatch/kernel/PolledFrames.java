package org.taskwatch.kernel;

/** Frames as the /proc poller fills them, for tests of what consumes them (in other packages). */
public final class PolledFrames {
    private PolledFrames() {}

    /** A new process {@code child} (start time {@code childStartTime}) seen by the scan at {@code nanos}. */
    public static EventFrame fork(int parent, int child, long childStartTime, long nanos) {
        EventFrame f = new EventFrame();
        f.polledFork(nanos, parent, 0, child, childStartTime);
        return f;
    }

    /** Process {@code tgid} gone at the scan at {@code nanos}, with {@code waitStatus} (or unknown). */
    public static EventFrame exit(int tgid, int ppid, int waitStatus, long nanos) {
        EventFrame f = new EventFrame();
        f.polledExit(nanos, tgid, ppid, waitStatus);
        return f;
    }
}
