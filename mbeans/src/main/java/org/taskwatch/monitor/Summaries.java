package org.taskwatch.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ProcFs;

/**
 * The per-pattern histories behind {@code summary(regex, window)}: the first call for a pattern
 * registers an internal command watch that records the fork, exec and exit events of matching
 * processes into a {@link CommandHistory}; later calls count from it. At most {@code
 * maxSummaries} patterns at once: the least recently asked one goes.
 *
 * <p>Threading: callers' threads; creation and eviction synchronize on {@link #histories}, the
 * histories themselves are recorded into by the reader thread.
 */
final class Summaries {
    private static final int EVENTS = EventType.FORK.bit() | EventType.EXEC.bit() | EventType.EXIT.bit();

    private final Map<String, CommandHistory> histories = new ConcurrentHashMap<>();
    private final WatchRegistry registry;
    private final KernelFilterPolicy filter;
    private final ProcessNames names;
    private final ProcFs proc;
    private final MonitorSettings settings;

    Summaries(WatchRegistry registry, KernelFilterPolicy filter, ProcessNames names, ProcFs proc,
            MonitorSettings settings) {
        this.registry = registry;
        this.filter = filter;
        this.names = names;
        this.proc = proc;
        this.settings = settings;
    }

    TaskMonitor.Summary summary(String regex, int windowSeconds) {
        if (windowSeconds <= 0 || windowSeconds > settings.maxWindowSeconds()) {
            throw new IllegalArgumentException("windowSeconds: must be 1 to " + settings.maxWindowSeconds() + ", got "
                    + windowSeconds);
        }
        CommandHistory h = history(regex);
        long now = System.nanoTime();
        h.lastUsedNanos = now;
        long[] c = h.count(now - TimeUnit.SECONDS.toNanos(windowSeconds));
        long self = ProcessHandle.current().pid();
        int running = proc.withReader(r -> { // one reader for the whole scan
            int n = 0;
            for (int pid : r.pids()) {
                if (pid != self && names.matchesNow(h.watch.pattern(), r, pid)) {
                    n++;
                }
            }
            return n;
        });
        long covered = Math.min(windowSeconds, TimeUnit.NANOSECONDS.toSeconds(now - h.createdNanos()));
        return new TaskMonitor.Summary(running, c[0], c[1], c[2], c[3], (int) c[4], covered);
    }

    private CommandHistory history(String regex) {
        CommandHistory h = histories.get(regex);
        if (h != null) {
            return h;
        }
        synchronized (histories) {
            h = histories.get(regex);
            if (h == null) {
                Watch w = filter.registering(-1, 0, () -> registry.watchCommand(regex, EVENTS, true));
                if (histories.size() >= settings.maxSummaries()) {
                    evictOldest();
                }
                h = new CommandHistory(settings.summaryHistory(), w);
                w.recordInto(h);
                histories.put(regex, h);
            }
            return h;
        }
    }

    private void evictOldest() {
        String oldest = null;
        long when = Long.MAX_VALUE;
        for (Map.Entry<String, CommandHistory> e : histories.entrySet()) {
            if (e.getValue().lastUsedNanos < when) {
                when = e.getValue().lastUsedNanos;
                oldest = e.getKey();
            }
        }
        if (oldest != null) {
            registry.discard(histories.remove(oldest).watch);
            filter.narrow();
        }
    }
}
