package org.taskwatch.push;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The bounded queue in front of one {@link PushTarget}, and the thread that sends from it.
 *
 * <p>{@link #offer} never waits for the target: it takes the lock for a few field updates only,
 * so the delivery thread that calls it is never held up by a slow or absent server. When the queue
 * is full the oldest message goes (the newest says the most about now), counted as dropped.
 *
 * <p>The sender takes up to {@code maxBatch} messages at once, as soon as there are any (no
 * lingering: a crash is to reach the server within a second, not within a batch period). A send
 * that fails to reach the target puts the batch back at the head and waits (backoff doubling from
 * minBackoffMillis to maxBackoffMillis) before the next try: retries stop per message after
 * maxAgeSeconds (dropped, counted), and at most capacity messages are held meanwhile. What the
 * target answers "no" to is refused: counted, logged with its answer, never retried.
 *
 * <p>Threading: {@link #offer}, {@link #stats} and {@link #close} from any thread; the target is
 * called on this queue's sender thread only. Every field below is guarded by {@code lock} except
 * the final ones.
 */
public final class PushQueue implements AutoCloseable {
    /** A message and when it was queued (System.nanoTime), for the age bound. */
    private record Queued(PushMessage message, long queuedNanos) {}

    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final PushTarget target;
    private final PushSettings settings;
    private final Consumer<String> log;
    private final Thread sender;
    private final Object lock = new Object();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private boolean closed;
    private long sent;
    private long dropped;
    private long refused;
    private long failedAttempts;
    private String lastError = "";
    private long lastErrorMillis;
    private long lastSentMillis;
    private long droppedLogged; // dropped as last logged, and when
    private long dropLogNanos = Long.MIN_VALUE;
    private int inFlight;
    private long inFlightQueuedNanos; // when the oldest message of the batch in flight was queued
    private String refusalLogged = ""; // the last refusal logged, numbers masked, and when
    private long refusalLogNanos;
    private long refusedUnlogged;

    /**
     * Starts the sender thread, {@code taskwatch-push-NAME}.
     *
     * @param log where lines for the operator go (the agent's log); called on the sender thread or the offering one
     */
    public PushQueue(PushTarget target, PushSettings settings, Consumer<String> log) {
        this.target = target;
        this.settings = settings;
        this.log = log;
        this.sender = new Thread(this::run, "taskwatch-push-" + target.name().replace(' ', '-'));
        sender.setDaemon(true);
        sender.start();
    }

    public String targetName() {
        return target.name();
    }

    /** Queues {@code m} for the target; never waits. After {@link #close} it is counted as dropped. */
    public void offer(PushMessage m) {
        long now = System.nanoTime();
        synchronized (lock) {
            if (closed) {
                dropped++;
                return;
            }
            if (queue.size() >= settings.capacity()) {
                queue.pollFirst();
                dropped++;
                logDrops(now, "queue full (" + settings.capacity() + ")");
            }
            queue.addLast(new Queued(m, now));
            lock.notifyAll();
        }
    }

    /** The counters now. */
    public PushStats stats() {
        long now = System.nanoTime();
        synchronized (lock) {
            // a batch in flight was taken from the head: its first message is the oldest
            long oldest = inFlight > 0 ? inFlightQueuedNanos : queue.isEmpty() ? now : queue.peekFirst().queuedNanos();
            int waited = (int) TimeUnit.NANOSECONDS.toSeconds(now - oldest); // at most maxAgeSeconds (a day)
            return new PushStats(target.name(), queue.size() + inFlight, waited, sent, dropped, refused, failedAttempts,
                    lastError, lastErrorMillis, lastSentMillis);
        }
    }

    // ---- the sender thread ----

    private void run() {
        long backoff = 0;
        List<Queued> batch = new ArrayList<>(settings.maxBatch());
        while (true) {
            synchronized (lock) {
                try {
                    while (queue.isEmpty() && !closed) {
                        lock.wait();
                    }
                    if (closed) {
                        return; // close() sends what is left, or counts it
                    }
                } catch (InterruptedException e) {
                    return;
                }
                expire(System.nanoTime());
                takeBatch(batch);
            }
            if (batch.isEmpty()) {
                continue;
            }
            if (sendOnce(batch)) {
                backoff = 0;
            } else {
                backoff = backoff == 0 ? settings.minBackoffMillis() : Math.min(backoff * 2, settings.maxBackoffMillis());
                if (!pause(backoff)) {
                    return;
                }
            }
        }
    }

    /**
     * One try to send {@code batch} (emptied after); false when the target could not be reached,
     * and the batch is back at the head of the queue.
     */
    private boolean sendOnce(List<Queued> batch) {
        List<PushMessage> messages = new ArrayList<>(batch.size());
        for (Queued q : batch) {
            messages.add(q.message());
        }
        PushTarget.Result r;
        try {
            r = target.send(messages);
        } catch (IOException e) {
            failed(batch, e);
            return false;
        } catch (RuntimeException e) { // a bug in the target: retrying would fail alike
            r = PushTarget.Result.allRefused(batch.size(), "cannot send: " + e);
        }
        synchronized (lock) {
            inFlight = 0;
            sent += r.accepted();
            if (r.accepted() > 0) {
                lastSentMillis = System.currentTimeMillis();
            }
            if (r.refused() > 0) {
                refused += r.refused();
                refusedUnlogged += r.refused();
                lastError = target.name() + " refused " + r.refused() + " of " + batch.size() + ": " + r.answer();
                lastErrorMillis = System.currentTimeMillis();
                logRefusal(r.answer());
            }
        }
        batch.clear();
        return true;
    }

    private void failed(List<Queued> batch, IOException e) {
        synchronized (lock) {
            inFlight = 0;
            failedAttempts++;
            String text = target.name() + " unreachable: " + e.getMessage();
            boolean fresh = !text.equals(lastError);
            lastError = text;
            lastErrorMillis = System.currentTimeMillis();
            if (fresh) {
                log.accept("push: " + text + " (" + (queue.size() + batch.size()) + " queued, retrying)");
            }
            // back at the head, oldest first; what no longer fits (offers went on meanwhile) is the oldest
            for (int i = batch.size() - 1; i >= 0; i--) {
                if (queue.size() >= settings.capacity()) {
                    dropped += i + 1;
                    logDrops(System.nanoTime(), "queue full (" + settings.capacity() + ")");
                    break;
                }
                queue.addFirst(batch.get(i));
            }
        }
        batch.clear();
    }

    /** Moves up to maxBatch messages from the head into {@code batch}, in flight from now. Under lock. */
    private void takeBatch(List<Queued> batch) {
        while (!queue.isEmpty() && batch.size() < settings.maxBatch()) {
            batch.add(queue.pollFirst());
        }
        inFlight = batch.size();
        if (inFlight > 0) {
            inFlightQueuedNanos = batch.get(0).queuedNanos();
        }
    }

    /** Drops what has waited longer than maxAgeSeconds. Under lock. */
    private void expire(long now) {
        long maxAge = TimeUnit.SECONDS.toNanos(settings.maxAgeSeconds());
        int n = 0;
        while (!queue.isEmpty() && now - queue.peekFirst().queuedNanos() > maxAge) {
            queue.pollFirst();
            n++;
        }
        if (n > 0) {
            dropped += n;
            logDrops(now, "older than " + settings.maxAgeSeconds() + " s");
        }
    }

    /**
     * Logs a refusal when the answer says something new (its numbers aside), else at most once a
     * minute: a server refusing every heartbeat must not fill the log. Under lock.
     */
    private void logRefusal(String answer) {
        String gist = answer.replaceAll("[0-9.]+", "#");
        long now = System.nanoTime();
        if (!gist.equals(refusalLogged) || now - refusalLogNanos >= DROP_LOG_INTERVAL_NANOS) {
            log.accept("push: " + target.name() + " refused " + refusedUnlogged + " message(s)"
                    + " (not retried; " + refused + " in all): " + answer);
            refusalLogged = gist;
            refusalLogNanos = now;
            refusedUnlogged = 0;
        }
    }

    /** Logs drops at most once a minute, with the total. Under lock. */
    private void logDrops(long now, String why) {
        if (dropLogNanos == Long.MIN_VALUE || now - dropLogNanos >= DROP_LOG_INTERVAL_NANOS) {
            log.accept("push: " + target.name() + ": dropped " + (dropped - droppedLogged) + " message(s), " + why + "; "
                    + dropped + " dropped in all");
            droppedLogged = dropped;
            dropLogNanos = now;
            lastError = target.name() + ": dropped messages, " + why;
            lastErrorMillis = System.currentTimeMillis();
        }
    }

    /** Waits {@code millis}, or until closed; false when closed. */
    private boolean pause(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lock) {
            try {
                long left;
                while (!closed && (left = end - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            } catch (InterruptedException e) {
                return false;
            }
            return !closed;
        }
    }

    // ---- shutdown ----

    /**
     * Stops taking messages, sends what is queued if the target takes it within
     * {@code flushMillis} (one try per batch), and counts the rest as dropped.
     */
    public void close(long flushMillis) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        try {
            sender.join(flushMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) { // stuck in a send: the target's timeouts end it; the batch is lost
            sender.interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(flushMillis);
        List<Queued> batch = new ArrayList<>();
        while (System.nanoTime() < deadline && !sender.isAlive()) {
            synchronized (lock) {
                takeBatch(batch);
            }
            if (batch.isEmpty() || !sendOnce(batch)) {
                break;
            }
        }
        synchronized (lock) {
            int left = queue.size() + inFlight;
            inFlight = 0;
            queue.clear();
            if (left > 0) {
                dropped += left;
                log.accept("push: " + target.name() + ": stopped with " + left + " message(s) unsent (dropped); "
                        + dropped + " dropped in all");
            }
        }
    }

    @Override
    public void close() {
        close(2_000);
    }
}
