package org.taskwatch.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventHandler;
import org.taskwatch.kernel.ProcEvent;

/**
 * An {@link EventHandler} for tests: keeps an immutable copy of every event (up to a cap) so a
 * test can wait for and inspect what the kernel said about the processes it spawned.
 */
public final class EventRecorder implements EventHandler {
    private static final int CAP = 1_000_000;

    private final List<ProcEvent> events = new ArrayList<>(); // guarded by this
    public final AtomicLong lost = new AtomicLong();
    public final List<Throwable> errors = new ArrayList<>(); // guarded by this

    @Override
    public synchronized void onEvent(EventFrame frame) {
        if (events.size() < CAP) {
            events.add(frame.toEvent());
        }
        notifyAll();
    }

    @Override
    public void onLoss(long count, String cause) {
        lost.addAndGet(Math.max(count, 1));
    }

    @Override
    public synchronized void onError(Throwable error) {
        errors.add(error);
    }

    public synchronized List<ProcEvent> matching(Predicate<ProcEvent> p) {
        List<ProcEvent> out = new ArrayList<>();
        for (ProcEvent e : events) {
            if (p.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Waits until an event matches, then returns it; fails the test after {@code timeout}. */
    public synchronized ProcEvent await(Predicate<ProcEvent> p, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int from = 0;
        while (true) {
            for (int i = from; i < events.size(); i++) {
                if (p.test(events.get(i))) {
                    return events.get(i);
                }
            }
            from = events.size();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no event within " + timeout + ": " + what);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    public synchronized void clear() {
        events.clear();
    }
}
