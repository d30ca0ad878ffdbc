package org.taskwatch.jmx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;

/**
 * Sends each listener its notifications from a mailbox of its own, so that one slow or stuck
 * listener (a Jolokia SSE client that stopped reading, a blocking in-process listener) can
 * neither hold up the monitor's delivery thread nor the other listeners. A listener keeps its
 * order; when it falls {@code capacity} notifications behind, further ones are dropped for it
 * alone and counted ({@link #dropped}). A mailbox's thread ends after a minute without work,
 * so a listener that went away leaves nothing behind.
 *
 * <p>A notification that finds its mailbox's thread asleep wakes it and is delivered at once. When
 * wake-ups come close together (a stream), the thread instead lingers up to {@link #LINGER_NANOS}
 * after each delivery and takes what came meanwhile in one go, so that the sender wakes no one;
 * a mailbox a quarter full wakes it early. Measured on the Jolokia SSE firehose (README,
 * Performance), this took a fifth to a third off the agent's CPU per notification.
 *
 * <p>A mailbox belongs to a listener <em>and its handback</em>: Jolokia adds one listener object
 * for all its subscriptions, every client's SSE stream and pull store alike, and tells them apart
 * by the handback; keyed by the listener alone, one SSE client that stops reading would stall
 * all of them.
 *
 * <p>When a registration is removed, what its mailbox still holds is discarded, and the removal
 * waits (up to {@value #SETTLE_MILLIS} ms) for a notification already in the listener's hands:
 * a listener hears nothing after its removal has returned. Jolokia, for one, re-creates the pull
 * store of a client it has just unregistered when a notification arrives for it late, and keeps
 * it forever.
 *
 * <p>One kind of listener is called on the sender's thread, without a mailbox: the JDK connector's
 * notification buffer, whose registration carries an {@link InlineHandback}.
 *
 * <p>Threads: {@link #handleNotification} runs on the sender's thread (the delivery thread) and
 * only enqueues (or calls the connector's buffer); each mailbox thread ({@code taskwatch-notify-N}) calls one listener; listeners
 * are added and removed on callers' threads. {@link #registered} and {@link #mailboxes} are
 * concurrent maps; a mailbox guards its own state.
 */
final class IsolatingBroadcaster extends NotificationBroadcasterSupport {
    private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * After a delivery, how long a mailbox's thread lets further notifications gather before it
     * looks again; a thread that found nothing in that time sleeps until a sender wakes it. The
     * most a notification waits for its listener beyond the listener's own time.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Wake-ups closer than this mean a stream, worth lingering for; single events are not delayed. */
    private static final long STEADY_NANOS = 4 * LINGER_NANOS;
    /** How long a removal waits for a delivery under way to its listener. */
    static final long SETTLE_MILLIS = 200;
    private static final AtomicLong THREADS = new AtomicLong();

    private final int capacity;
    /** How full a mailbox wakes its thread even while it lingers. */
    private final int wakeAt;
    /** Registrations by listener and handback, with how many filters each (usually one). */
    private final ConcurrentHashMap<Key, Integer> registered = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong listenerErrors = new AtomicLong();

    IsolatingBroadcaster(int capacity, MBeanNotificationInfo... info) {
        super(info);
        this.capacity = capacity;
        this.wakeAt = Math.max(1, capacity / 4);
    }

    @Override
    public void addNotificationListener(NotificationListener listener, NotificationFilter filter, Object handback) {
        super.addNotificationListener(listener, filter, handback);
        registered.merge(new Key(listener, handback), 1, Integer::sum);
    }

    @Override
    public void removeNotificationListener(NotificationListener listener) throws ListenerNotFoundException {
        super.removeNotificationListener(listener);
        for (Key k : registered.keySet()) {
            if (k.listener.equals(listener)) {
                registered.remove(k);
                retire(k, true);
            }
        }
    }

    @Override
    public void removeNotificationListener(NotificationListener listener, NotificationFilter filter, Object handback)
            throws ListenerNotFoundException {
        super.removeNotificationListener(listener, filter, handback);
        Key k = new Key(listener, handback);
        if (registered.computeIfPresent(k, (key, filters) -> filters > 1 ? filters - 1 : null) == null) {
            retire(k, true);
        }
    }

    /**
     * The registration is gone: what its mailbox holds is dropped, and its thread ends. {@code
     * settle}: the remover's thread waits (briefly) for a delivery under way to end, so that
     * nothing reaches the listener after its removal returns.
     */
    private void retire(Key k, boolean settle) {
        Mailbox m = mailboxes.remove(k);
        if (m != null) {
            m.retire(settle);
        }
    }

    @Override
    protected void handleNotification(NotificationListener listener, Notification n, Object handback) {
        if (handback instanceof InlineHandback) { // the JDK connector's buffer: appends, never waits
            try {
                listener.handleNotification(n, handback);
            } catch (RuntimeException e) {
                listenerErrors.incrementAndGet();
            }
            return;
        }
        Key key = new Key(listener, handback);
        while (true) {
            Mailbox m = mailboxes.computeIfAbsent(key, Mailbox::new);
            int r = m.offer(n, handback);
            if (r == Mailbox.QUEUED) {
                break;
            }
            if (r == Mailbox.FULL) {
                dropped.incrementAndGet();
                return;
            }
            // CLOSED: its thread just ended for idleness, or it was retired; the next round makes a new one
        }
        if (!registered.containsKey(key)) {
            // removed while this notification was being sent (the sender works on a copy of the list);
            // the sender (the delivery thread) never waits for a listener
            retire(key, false);
        }
    }

    /** The handbacks of the registrations now (Jolokia's tell its subscriptions apart). */
    List<Object> handbacks() {
        List<Object> out = new ArrayList<>();
        for (Key k : registered.keySet()) {
            out.add(k.handback);
        }
        return out;
    }

    /** Notifications not delivered to some listener because it fell too far behind. */
    long dropped() {
        return dropped.get();
    }

    /** Exceptions thrown by listeners (each listener goes on receiving). */
    long listenerErrors() {
        return listenerErrors.get();
    }

    /** Listener mailboxes alive now (each with its thread). */
    int mailboxes() {
        return mailboxes.size();
    }

    /**
     * A registration's listener (by {@code equals}, as the MBeanServer and
     * NotificationBroadcasterSupport compare listeners) and handback (by identity: equal
     * handbacks of different subscriptions still get a mailbox each).
     */
    private static final class Key {
        final NotificationListener listener;
        final Object handback;

        Key(NotificationListener listener, Object handback) {
            this.listener = listener;
            this.handback = handback;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.listener.equals(listener) && k.handback == handback;
        }

        @Override
        public int hashCode() {
            return 31 * listener.hashCode() + System.identityHashCode(handback);
        }
    }

    private final class Mailbox implements Runnable {
        static final int QUEUED = 0;
        static final int FULL = 1;
        static final int CLOSED = 2;
        private final Key key;
        private final NotificationListener listener;
        private final ArrayBlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(capacity);
        private final Thread thread;
        /** The thread sleeps until a sender wakes it (else it is busy, or lingering, and no sender need wake it). */
        private volatile boolean waiting;
        private boolean closed; // guarded by this
        private boolean retired; // guarded by this
        private boolean delivering; // guarded by this: the listener is being called

        Mailbox(Key key) {
            this.key = key;
            this.listener = key.listener;
            this.thread = new Thread(this, "taskwatch-notify-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Drops what is queued and wakes the thread, which ends. With {@code settle}, waits up to
         * {@link #SETTLE_MILLIS} for a delivery under way to end: Jolokia removes a client's
         * listeners and then its pull store, and a notification it got after that made it
         * re-create the store for good. A listener stuck in its call is not waited for longer.
         */
        synchronized void retire(boolean settle) {
            retired = true;
            closed = true;
            queue.clear();
            LockSupport.unpark(thread); // it ends now rather than after its idle timeout
            if (!settle || Thread.currentThread() == thread) {
                return; // (a listener that removes itself from its own call)
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
            long left;
            while (delivering && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        int offer(Notification n, Object handback) {
            synchronized (this) {
                if (closed) {
                    return CLOSED;
                }
                if (!queue.offer(new Object[] {n, handback})) {
                    return FULL;
                }
            }
            if (waiting || queue.size() >= wakeAt) {
                // (waiting is read after the item is in: the thread sets it, then looks at the queue once
                // more before it sleeps; a quarter full, a lingering thread is woken too)
                LockSupport.unpark(thread);
            }
            return QUEUED;
        }

        @Override
        public void run() {
            boolean delivered = false; // since this thread last slept
            boolean steady = false; // woken twice in a short while: notifications come as a stream
            long wokenAt = 0;
            long idleSince = System.nanoTime();
            while (true) {
                Object[] item = queue.poll();
                if (item == null) {
                    if (delivered && steady) {
                        // let what comes in the next moments gather, so that the sender wakes no one and
                        // this thread takes them in one go (measured in a fork storm: the reader's CPU fell
                        // by a seventh, this thread's by more than a quarter)
                        delivered = false;
                        LockSupport.parkNanos(LINGER_NANOS);
                        Thread.interrupted(); // a listener that left its interrupt set must not make every park return at once
                        continue;
                    }
                    waiting = true;
                    item = queue.poll();
                    if (item == null) {
                        long left = IDLE_NANOS - (System.nanoTime() - idleSince);
                        synchronized (this) {
                            if (retired || left <= 0 && queue.isEmpty()) {
                                closed = true;
                                mailboxes.remove(key, this);
                                return;
                            }
                        }
                        LockSupport.parkNanos(this, left); // (a retire after the check leaves its permit: no sleep)
                        Thread.interrupted();
                        waiting = false;
                        long now = System.nanoTime();
                        steady = now - wokenAt < STEADY_NANOS;
                        wokenAt = now;
                        continue;
                    }
                    waiting = false;
                }
                synchronized (this) {
                    if (retired) {
                        return; // nothing after the removal (checked with the flag set, under one lock)
                    }
                    delivering = true;
                }
                try {
                    listener.handleNotification((Notification) item[0], item[1]);
                } catch (RuntimeException e) { // a broken listener must not lose its mailbox
                    listenerErrors.incrementAndGet();
                } finally {
                    synchronized (this) {
                        delivering = false;
                        notifyAll();
                    }
                }
                delivered = true;
                idleSince = System.nanoTime();
            }
        }
    }
}
