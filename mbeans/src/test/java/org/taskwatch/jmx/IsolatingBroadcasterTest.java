package org.taskwatch.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.Notification;
import javax.management.NotificationListener;
import org.junit.jupiter.api.Test;

class IsolatingBroadcasterTest {
    private static List<Long> collect(List<Long> into, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (into) {
            while (into.size() < expected && System.nanoTime() < deadline) {
                into.wait(50);
            }
            return new ArrayList<>(into);
        }
    }

    private static NotificationListener recorder(List<Long> into) {
        return (n, hb) -> {
            synchronized (into) {
                into.add(n.getSequenceNumber());
                into.notifyAll();
            }
        };
    }

    /** Removing {@code l} ends its mailbox's thread at once, not after the idle minute. */
    private static void assertRemovalEndsThread(IsolatingBroadcaster b, NotificationListener l, Thread mailboxThread)
            throws Exception {
        b.removeNotificationListener(l);
        mailboxThread.join(5000);
        assertTrue(!mailboxThread.isAlive(), "the mailbox thread still runs after its listener's removal");
        assertEquals(0, b.mailboxes());
    }

    @Test
    void aStuckListenerHoldsUpNeitherTheSenderNorTheOthers() throws Exception {
        IsolatingBroadcaster b = new IsolatingBroadcaster(5);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> stuckGot = new ArrayList<>();
        CountDownLatch stuckEntered = new CountDownLatch(1);
        b.addNotificationListener((n, hb) -> {
            stuckEntered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (stuckGot) {
                stuckGot.add(n.getSequenceNumber());
                stuckGot.notifyAll();
            }
        }, null, null);
        List<Long> fastGot = new ArrayList<>();
        b.addNotificationListener(recorder(fastGot), null, null);
        List<Long> throwingGot = new ArrayList<>();
        b.addNotificationListener((n, hb) -> {
            recorder(throwingGot).handleNotification(n, hb);
            throw new IllegalStateException("listener bug");
        }, null, null);

        b.sendNotification(new Notification("t", "src", 1));
        assertTrue(stuckEntered.await(5, TimeUnit.SECONDS));
        for (long seq = 2; seq <= 20; seq++) {
            long t0 = System.nanoTime();
            b.sendNotification(new Notification("t", "src", seq));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "sending never waits for a listener");
            collect(fastGot, seq); // at the working listeners' pace: only the stuck one falls behind
            collect(throwingGot, seq);
        }

        List<Long> all = new ArrayList<>();
        for (long seq = 1; seq <= 20; seq++) {
            all.add(seq);
        }
        assertEquals(all, collect(fastGot, 20), "the fast listener got everything, in order");
        assertEquals(all, collect(throwingGot, 20), "a throwing listener keeps its mailbox");
        assertEquals(14, b.dropped(), "one in hand, five queued, the rest dropped for the stuck listener only");
        // the throwing listener records a notification before it throws, and the error is counted after
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (b.listenerErrors() < 20 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(20, b.listenerErrors(), "every throw was counted");

        release.countDown();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), collect(stuckGot, 6), "the stuck one resumes in order");
        assertEquals(3, b.mailboxes());
    }

    @Test
    void oneListenerWithTwoHandbacksIsTwoMailboxes() throws Exception {
        // as Jolokia registers: one listener object for every subscription, told apart by handback
        IsolatingBroadcaster b = new IsolatingBroadcaster(5);
        Object stuckSubscription = new Object();
        Object goodSubscription = new Object();
        CountDownLatch release = new CountDownLatch(1);
        List<Long> goodGot = new ArrayList<>();
        NotificationListener shared = (n, hb) -> {
            if (hb == stuckSubscription) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                recorder(goodGot).handleNotification(n, hb);
            }
        };
        b.addNotificationListener(shared, null, stuckSubscription);
        b.addNotificationListener(shared, null, goodSubscription);
        for (long seq = 1; seq <= 20; seq++) {
            b.sendNotification(new Notification("t", "src", seq));
            collect(goodGot, seq); // at the good subscription's pace: only the stuck one falls behind
        }
        assertEquals(20, collect(goodGot, 20).size(), "the stuck subscription holds up no other: " + goodGot);
        assertEquals(14, b.dropped(), "one in hand, five queued, the rest dropped for the stuck subscription only");
        assertEquals(2, b.mailboxes());
        release.countDown();
    }

    @Test
    void aRemovedListenerHearsNothingMoreThanWhatItHeld() throws Exception {
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        Object gone = new Object();
        Object stays = new Object();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> goneGot = new ArrayList<>();
        List<Long> staysGot = new ArrayList<>();
        NotificationListener shared = (n, hb) -> {
            if (hb == gone) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                recorder(goneGot).handleNotification(n, hb);
            } else {
                recorder(staysGot).handleNotification(n, hb);
            }
        };
        b.addNotificationListener(shared, null, gone);
        b.addNotificationListener(shared, null, stays);
        b.sendNotification(new Notification("t", "src", 1));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        for (long seq = 2; seq <= 5; seq++) {
            b.sendNotification(new Notification("t", "src", seq)); // queued behind the first
        }
        b.removeNotificationListener(shared, null, gone);
        release.countDown();
        b.sendNotification(new Notification("t", "src", 6));

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), collect(staysGot, 6), "the other registration is untouched");
        Thread.sleep(200); // nothing more may come; give it the chance
        assertEquals(List.of(1L), collect(goneGot, 1), "only what was in its hands when it was removed");
        assertEquals(1, b.mailboxes());
    }

    @Test
    void aRemovedListenersThreadEndsAtOnceNotAfterItsIdleMinute() throws Exception {
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        AtomicReference<Thread> mailboxThread = new AtomicReference<>();
        CountDownLatch delivered = new CountDownLatch(1);
        NotificationListener l = (n, hb) -> {
            mailboxThread.set(Thread.currentThread());
            delivered.countDown();
        };
        b.addNotificationListener(l, null, null);
        b.sendNotification(new Notification("t", "src", 1));
        assertTrue(delivered.await(5, TimeUnit.SECONDS));
        assertTrue(mailboxThread.get().getName().startsWith("taskwatch-notify-"), mailboxThread.get().getName());

        assertRemovalEndsThread(b, l, mailboxThread.get());
    }

    @Test
    void aStreamArrivesWholeAndInOrderAndARemovalMidStreamEndsTheThreadAtOnce() throws Exception {
        // one at a time, each sent once the previous arrived: the mailbox's thread is woken by each,
        // sees a stream, and from then on lingers after each delivery, which the removal must cut short
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        List<Long> got = new ArrayList<>();
        AtomicReference<Thread> mailboxThread = new AtomicReference<>();
        NotificationListener l = (n, hb) -> {
            mailboxThread.set(Thread.currentThread());
            recorder(got).handleNotification(n, hb);
        };
        b.addNotificationListener(l, null, null);
        List<Long> sent = new ArrayList<>();
        for (long seq = 1; seq <= 50; seq++) {
            b.sendNotification(new Notification("t", "src", seq));
            sent.add(seq);
            if (seq % 10 != 0) { // and some in bursts, sent while it lingers
                assertEquals(sent, collect(got, seq));
            }
        }
        assertEquals(sent, collect(got, 50));

        assertRemovalEndsThread(b, l, mailboxThread.get());
    }

    @Test
    void aListenerThatLeavesItsInterruptSetDoesNotMakeItsThreadSpin() throws Exception {
        // the mailbox's thread sleeps with park, which returns at once while the interrupt flag is set
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        List<Long> got = new ArrayList<>();
        AtomicReference<Thread> mailboxThread = new AtomicReference<>();
        b.addNotificationListener((n, hb) -> {
            mailboxThread.set(Thread.currentThread());
            recorder(got).handleNotification(n, hb);
            Thread.currentThread().interrupt(); // as a listener does that catches InterruptedException and restores it
        }, null, null);
        for (long seq = 1; seq <= 5; seq++) { // woken for each: a stream, so it lingers too
            b.sendNotification(new Notification("t", "src", seq));
            assertEquals(seq, collect(got, seq).size());
        }
        Thread.sleep(100);
        int asleep = 0;
        for (int i = 0; i < 20; i++) { // a spinning thread is RUNNABLE whether or not it has a CPU
            Thread.State state = mailboxThread.get().getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                asleep++;
            }
            Thread.sleep(10);
        }
        assertTrue(asleep >= 15, "the mailbox thread was asleep in only " + asleep + " of 20 looks");
        b.sendNotification(new Notification("t", "src", 6));
        assertEquals(6, collect(got, 6).size(), "and it still delivers");
    }

    @Test
    void aRemovalReturnsAfterTheDeliveryUnderWayNotBefore() throws Exception {
        // Jolokia removes a client's listeners, then its pull store: a notification that reached
        // it after the removal returned re-created the store for good
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        NotificationListener slow = (n, hb) -> {
            entered.countDown();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        };
        b.addNotificationListener(slow, null, null);
        b.sendNotification(new Notification("t", "src", 1));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        b.removeNotificationListener(slow);
        assertTrue(finished.get(), "the removal returned while the listener was still being called");
    }

    @Test
    void aRemovalDoesNotWaitLongForAStuckListener() throws Exception {
        IsolatingBroadcaster b = new IsolatingBroadcaster(100);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        NotificationListener stuck = (n, hb) -> {
            entered.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        b.addNotificationListener(stuck, null, null);
        b.sendNotification(new Notification("t", "src", 1));
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        long start = System.nanoTime();
        b.removeNotificationListener(stuck);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= IsolatingBroadcaster.SETTLE_MILLIS - 20 && millis < 5_000,
                "waited " + millis + " ms for a listener that never returns");
        never.countDown();
    }
}
