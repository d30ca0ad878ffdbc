package org.taskwatch.agent;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.remote.NotificationResult;
import javax.management.remote.TargetedNotification;
import javax.management.remote.rmi.RMIConnectionImpl;
import javax.management.remote.rmi.RMIServerImpl;
import javax.security.auth.Subject;

/**
 * A remote JMX connection whose notification fetches, while notifications stream, wait a moment
 * before answering so that one reply carries several.
 *
 * <p>Why: a JMX client fetches notifications in a loop, and the JDK's server answers a fetch as
 * soon as one notification is there. With processes forking every millisecond, every event is
 * then its own RMI call: a request read, a reply written (the notification's open type
 * serialized again in each), two thread wake-ups on each side. Batched, the agent spent about a
 * fifth less on its RMI threads in {@code benchmark/storm --modes agent} (README, Performance).
 *
 * <p>When: only while notifications stream, that is when the previous reply on this connection
 * went out less than {@link #STREAM_GAP_NANOS} before this fetch found a notification. A
 * notification after a quiet spell goes out at once, as before; one in a stream waits at most
 * the batch time more ({@code jmx.notificationBatchMillis}). A fetch that asks not to wait
 * ({@code timeout} 0) or that filled the client's maximum is answered as it is. Sequence
 * numbers are kept exact: if notifications were lost between the two fetches (the buffer
 * overflowed meanwhile), the first reply goes alone and the client sees the loss on its next
 * fetch, as it would have.
 */
final class BatchingConnection extends RMIConnectionImpl {
    /** Replies closer together than this are a stream. */
    static final long STREAM_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** The longest a notification in a stream waits for others to join its reply; 0 for never. */
    private final long batchNanos;
    /** When the last reply that carried notifications went out; fetches on one connection come one at a time. */
    private volatile long lastReplyNanos = System.nanoTime() - 2 * STREAM_GAP_NANOS;

    BatchingConnection(RMIServerImpl server, String connectionId, ClassLoader loader, Subject subject,
            Map<String, ?> env, long batchNanos) throws IOException {
        super(server, connectionId, loader, subject, env);
        this.batchNanos = batchNanos;
    }

    @Override
    public NotificationResult fetchNotifications(long clientSequenceNumber, int maxNotifications, long timeout)
            throws IOException {
        NotificationResult first = super.fetchNotifications(clientSequenceNumber, maxNotifications, timeout);
        if (first == null) {
            return null; // the server has ended this connection
        }
        int n = first.getTargetedNotifications().length;
        long now = System.nanoTime();
        boolean streaming = now - lastReplyNanos < STREAM_GAP_NANOS;
        NotificationResult reply = first;
        if (batchNanos > 0 && n > 0 && n < maxNotifications && timeout > 0 && streaming) {
            try {
                TimeUnit.NANOSECONDS.sleep(batchNanos);
                reply = joined(first, super.fetchNotifications(first.getNextSequenceNumber(), maxNotifications - n, 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the connection is closing: answer with what there is
            }
        }
        if (reply.getTargetedNotifications().length > 0) {
            lastReplyNanos = System.nanoTime();
        }
        return reply;
    }

    /** One reply of both, or the first alone if anything was lost between them. */
    static NotificationResult joined(NotificationResult first, NotificationResult more) {
        if (more == null || more.getTargetedNotifications().length == 0
                || more.getEarliestSequenceNumber() > first.getNextSequenceNumber()) {
            return first;
        }
        TargetedNotification[] a = first.getTargetedNotifications();
        TargetedNotification[] b = more.getTargetedNotifications();
        TargetedNotification[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return new NotificationResult(first.getEarliestSequenceNumber(), more.getNextSequenceNumber(), all);
    }
}
