package org.taskwatch.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A listener for kernel tests: keeps every delivered event so a test can wait for and inspect them. */
final class DeliveredEvents implements MonitorListener {
    private final List<MonitorEvent> events = new ArrayList<>(); // guarded by this

    @Override
    public synchronized void onEvent(MonitorEvent e) {
        events.add(e);
        notifyAll();
    }

    /** The delivered events that match {@code p}, in delivery order. */
    synchronized List<MonitorEvent> matching(Predicate<MonitorEvent> p) {
        return events.stream().filter(p).toList();
    }

    /** Waits until a delivered event matches, then returns the first that does; fails the test after {@code timeout}. */
    synchronized MonitorEvent await(Predicate<MonitorEvent> p, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (MonitorEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not delivered within " + timeout.toSeconds() + " s: " + what);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public synchronized String toString() {
        return events.toString();
    }
}
