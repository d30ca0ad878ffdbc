package org.taskwatch.monitor;

import java.util.Arrays;

/** The watches one event matched: a reusable, growable array owned by the reader thread. */
final class MatchBuffer {
    private Watch[] watches = new Watch[16];
    private int size;

    void clear() {
        size = 0;
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
}
