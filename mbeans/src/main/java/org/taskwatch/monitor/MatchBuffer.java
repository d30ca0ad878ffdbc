package org.taskwatch.monitor;

import java.util.Arrays;

/**
 * What {@link WatchRegistry#onEvent} found for one event: the watches that want it (a reusable,
 * growable array) and what the reader read of the event's process, for delivery (at an exec,
 * its command; at an exit, its command read at exec, or its name at exit), or null, and whether
 * the exit ended the process a public watch is about. Owned by the reader thread; cleared by
 * each {@code onEvent}.
 */
final class MatchBuffer {
    private Watch[] watches = new Watch[16];
    private int size;
    private ProcessDetails.Info read;
    private boolean watchedProcessExited;
    private boolean forExits;

    void clear() {
        size = 0;
        read = null;
        watchedProcessExited = false;
        forExits = false;
    }

    void add(Watch w) {
        for (int i = 0; i < size; i++) {
            if (watches[i] == w) {
                return; // a process can be a member of one watch only once, but be safe
            }
        }
        if (size == watches.length) {
            watches = Arrays.copyOf(watches, size * 2);
        }
        watches[size++] = w;
    }

    int size() {
        return size;
    }

    Watch get(int i) {
        return watches[i];
    }

    void read(ProcessDetails.Info info) {
        read = info;
    }

    /** What the reader read of the event's process, or null. */
    ProcessDetails.Info read() {
        return read;
    }

    void watchedProcessExited() {
        watchedProcessExited = true;
    }

    /** A watch that does not want the event needs it for what its exits will tell ({@link Watch#needsForItsExits}). */
    void neededForExits() {
        forExits = true;
    }

    /** Whether the process details must follow the event although no watch may get it. */
    boolean isNeededForExits() {
        return forExits;
    }

    /** Whether the event was the exit of the process of a public process or tree watch. */
    boolean isWatchedProcessExit() {
        return watchedProcessExited;
    }
}
