package org.taskwatch.push;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The agent's push destinations (Zabbix, Icinga, Nagios...): one {@link WatchFeed}, and a
 * {@link PushQueue} per destination subscribed to it. The Monitor MBean's Push* attributes and the
 * health check read their counters here.
 *
 * <p>Threading: destinations are added while the agent starts; {@link #stats} from any thread.
 */
public final class Pushes implements AutoCloseable {
    private final WatchFeed feed;
    private final List<PushQueue> queues = new CopyOnWriteArrayList<>();

    public Pushes(WatchFeed feed) {
        this.feed = feed;
    }

    public WatchFeed feed() {
        return feed;
    }

    /** Subscribes {@code q} to the feed, with a heartbeat every {@code heartbeatSeconds} (0: none). */
    public void add(PushQueue q, int heartbeatSeconds) {
        queues.add(q);
        feed.subscribe(q::offer, heartbeatSeconds);
    }

    /** Every destination's counters now. */
    public List<PushStats> stats() {
        List<PushStats> all = new ArrayList<>();
        for (PushQueue q : queues) {
            all.add(q.stats());
        }
        return all;
    }

    /** One line per destination, for an attribute or a log: counters and the last error with its time. */
    public static List<String> describe(List<PushStats> stats) {
        List<String> lines = new ArrayList<>();
        for (PushStats s : stats) {
            lines.add(s.target() + ": sent " + s.sent() + ", queued " + s.queued()
                    + (s.queued() == 0 ? "" : " (the oldest waiting " + s.oldestWaitSeconds() + " s)")
                    + ", dropped " + s.dropped() + ", refused " + s.refused() + ", failed attempts " + s.failedAttempts()
                    + (s.lastError().isEmpty() ? "" : ", last error at " + Instant.ofEpochMilli(s.lastErrorMillis()) + ": "
                            + s.lastError()));
        }
        return lines;
    }

    /** Stops the feed, then each queue (each flushes what it holds for up to 2 s). */
    @Override
    public void close() {
        feed.close();
        for (PushQueue q : queues) {
            q.close();
        }
    }
}
