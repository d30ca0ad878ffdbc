package org.taskwatch.nagios;

import java.util.ArrayList;
import java.util.List;

/**
 * Diagnostic lines for {@code -vv} (level 2: what the plugin asked, and where) and {@code -vvv}
 * (level 3: what came back, and how long it took). Written by the main thread, read by whichever
 * thread prints the result (the main thread, or the watchdog on a timeout): synchronized.
 */
final class Trace {
    private final List<String> lines = new ArrayList<>();
    private final List<Integer> levels = new ArrayList<>();

    synchronized void add(int level, String line) {
        levels.add(level);
        lines.add(line);
    }

    synchronized List<String> upTo(int verbosity) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < lines.size(); k++) {
            if (levels.get(k) <= verbosity) {
                out.add(lines.get(k));
            }
        }
        return out;
    }
}
