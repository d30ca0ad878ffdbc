package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.rmi.MarshalledObject;
import java.rmi.registry.LocateRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.remote.NotificationResult;
import javax.management.remote.TargetedNotification;
import javax.management.remote.rmi.RMIConnection;
import javax.management.remote.rmi.RMIServer;
import javax.security.auth.Subject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replies to notification fetches over real RMI on loopback, made by hand as the JDK's client
 * makes them, so that what each reply carries can be seen.
 */
class BatchingConnectionTest {
    private static final ObjectName NAME = name("test:type=Emitter");

    /** A plain notification emitter; sequence numbers from 1. */
    public interface EmitterMBean {
        long getSent();
    }

    public static final class Emitter extends NotificationBroadcasterSupport implements EmitterMBean {
        private long sent;

        synchronized void emit() {
            sent++;
            sendNotification(new Notification("test.event", NAME, sent));
        }

        @Override
        public synchronized long getSent() {
            return sent;
        }
    }

    private final Emitter emitter = new Emitter();
    private JmxRemote remote;
    private RMIConnection connection;

    private RMIConnection connect(int batchMillis) throws Exception {
        MBeanServer mbs = MBeanServerFactory.newMBeanServer();
        mbs.registerMBean(emitter, NAME);
        remote = JmxRemote.start(mbs, JmxSettings.plain("127.0.0.1", 0).withNotificationBatchMillis(batchMillis));
        String url = remote.url(); // service:jmx:rmi:///jndi/rmi://127.0.0.1:PORT/jmxrmi
        int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1, url.lastIndexOf('/')));
        RMIServer server = (RMIServer) LocateRegistry.getRegistry("127.0.0.1", port).lookup("jmxrmi");
        connection = server.newClient(null);
        connection.addNotificationListeners(new ObjectName[] {NAME}, new MarshalledObject<?>[] {null},
                new Subject[] {null});
        return connection;
    }

    @AfterEach
    void close() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (remote != null) {
            remote.close();
        }
    }

    @Test
    void notificationsInAStreamShareRepliesAndNoneIsLostOrRepeated() throws Exception {
        int batchMillis = 50;
        int count = 300;
        RMIConnection c = connect(batchMillis);
        long next = c.fetchNotifications(-1, 0, 0).getNextSequenceNumber(); // where the client starts, as the JDK's does
        long[] streamNanos = new long[1];
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                emitter.emit();
                sleepMillis(1);
            }
            streamNanos[0] = System.nanoTime() - start;
        });
        List<Long> seen = new ArrayList<>();
        int replies = 0;
        while (seen.size() < count) {
            NotificationResult r = c.fetchNotifications(next, 1000, 10_000);
            assertTrue(r.getEarliestSequenceNumber() <= next, "nothing lost: the buffer is far larger than the stream");
            for (TargetedNotification t : r.getTargetedNotifications()) {
                seen.add(t.getNotification().getSequenceNumber());
            }
            replies += r.getTargetedNotifications().length > 0 ? 1 : 0;
            next = r.getNextSequenceNumber();
        }
        stream.get(30, TimeUnit.SECONDS);
        long[] expected = new long[count];
        for (int i = 0; i < count; i++) {
            expected[i] = i + 1;
        }
        assertArrayEquals(expected, seen.stream().mapToLong(Long::longValue).toArray(), "every notification once, in order");
        // in a stream each reply waits the batch time after its first notification, so replies are
        // at least that far apart: at most one per batch time of the stream, give or take the first
        // reply and pauses of the emitter longer than a stream's gap. One reply per notification
        // (about 300) without batching.
        long bound = TimeUnit.NANOSECONDS.toMillis(streamNanos[0]) / batchMillis + 10;
        assertTrue(replies <= bound, replies + " replies for " + count + " notifications streamed over "
                + TimeUnit.NANOSECONDS.toMillis(streamNanos[0]) + " ms; expected at most " + bound);
    }

    @Test
    void aNotificationAfterAQuietSpellIsAnsweredAtOnce() throws Exception {
        int batchMillis = 5_000;
        RMIConnection c = connect(batchMillis);
        long next = c.fetchNotifications(-1, 0, 0).getNextSequenceNumber();
        emitter.emit();
        NotificationResult first = c.fetchNotifications(next, 1000, 10_000);
        assertEquals(1, first.getTargetedNotifications().length);
        sleepMillis(100); // longer than a stream's gap: quiet
        long fetchAt = System.nanoTime();
        CompletableFuture<NotificationResult> reply = CompletableFuture.supplyAsync(() -> {
            try {
                return c.fetchNotifications(first.getNextSequenceNumber(), 1000, 10_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        sleepMillis(50);
        emitter.emit();
        NotificationResult second = reply.get(30, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fetchAt);
        assertEquals(2, second.getTargetedNotifications()[0].getNotification().getSequenceNumber());
        assertTrue(millis < batchMillis / 2, "answered in " + millis + " ms: held for a batch although quiet before");
    }

    @Test
    void theServersDeserializationFilterGuardsTheConnection() throws Exception {
        // the connection is exported by taskwatch, not by the JDK's makeClient: the filter of
        // jmx.remote.rmi.server.serial.filter.pattern must still apply to what a client sends
        RMIConnection c = connect(2);
        Exception e = assertThrows(Exception.class, () -> c.setAttribute(NAME,
                new MarshalledObject<>(new javax.management.Attribute("Sent", new java.io.File("/etc/passwd"))), null));
        String chain = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain += t + "\n";
        }
        assertTrue(chain.contains("REJECTED"), "a java.io.File in the call must be refused by the filter, got:\n" + chain);
    }

    @Test
    void aReplyIsJoinedOnlyWhenNothingWasLostBetween() {
        TargetedNotification a = new TargetedNotification(new Notification("t", NAME, 4), 1);
        TargetedNotification b = new TargetedNotification(new Notification("t", NAME, 5), 1);
        NotificationResult first = new NotificationResult(0, 5, new TargetedNotification[] {a});

        NotificationResult joined = BatchingConnection.joined(first, new NotificationResult(0, 6, new TargetedNotification[] {b}));
        assertEquals(0, joined.getEarliestSequenceNumber());
        assertEquals(6, joined.getNextSequenceNumber());
        assertArrayEquals(new TargetedNotification[] {a, b}, joined.getTargetedNotifications());

        // the buffer dropped 5 and 6 meanwhile: the client must see that on its next fetch
        assertSame(first, BatchingConnection.joined(first, new NotificationResult(7, 8, new TargetedNotification[] {b})));
        assertSame(first, BatchingConnection.joined(first, new NotificationResult(0, 5, new TargetedNotification[0])));
        assertSame(first, BatchingConnection.joined(first, null));
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
