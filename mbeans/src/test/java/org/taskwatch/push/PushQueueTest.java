package org.taskwatch.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The queue alone, against a target in memory that can be down, refuse, or hang. */
class PushQueueTest {
    private static final PushSettings FAST = new PushSettings(100, 10, 10, 50, 3600);

    /** Records what it took; throws while {@code down}; refuses heartbeats when {@code refuseHeartbeats}. */
    static final class MemoryTarget implements PushTarget {
        final List<PushMessage> got = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        volatile boolean down;
        volatile boolean refuseHeartbeats;
        volatile CountDownLatch hang;
        volatile int calls;

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public Result send(List<PushMessage> batch) throws IOException {
            calls++;
            CountDownLatch h = hang;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    throw new IOException("interrupted");
                }
            }
            if (down) {
                throw new IOException("connection refused");
            }
            batchSizes.add(batch.size());
            if (refuseHeartbeats) {
                return Result.allRefused(batch.size(), "processed: 0; failed: " + batch.size());
            }
            got.addAll(batch);
            return Result.allAccepted(batch.size());
        }
    }

    private static PushMessage beat(long n) {
        return PushMessage.heartbeat(n);
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void deliversInOrderAndCounts() throws Exception {
        MemoryTarget t = new MemoryTarget();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (PushQueue q = new PushQueue(t, FAST, log::add)) {
            for (int i = 0; i < 35; i++) {
                q.offer(beat(i));
            }
            await(() -> q.stats().sent() == 35, "35 sent");
            for (int i = 0; i < 35; i++) {
                assertEquals(i, t.got.get(i).timeMillis());
            }
            assertTrue(t.batchSizes.stream().allMatch(n -> n <= 10), "batches of at most maxBatch: " + t.batchSizes);
            PushStats s = q.stats();
            assertEquals(0, s.dropped());
            assertEquals(0, s.refused());
            assertEquals(0, s.queued());
            assertEquals("", s.lastError());
        }
    }

    /**
     * The oldest message's wait grows while the target is down (whether the batch is queued or in
     * flight: here a send hangs), is the first message's, not the last's, and drops to 0 once the
     * target took everything. Lower bounds from the test's own clock, so a slow machine cannot fail it.
     */
    @Test
    void theOldestWaitGrowsWhileTheTargetIsDownAndEndsWhenItTakesThem() throws Exception {
        MemoryTarget t = new MemoryTarget();
        t.down = true;
        try (PushQueue q = new PushQueue(t, FAST, m -> { })) {
            assertEquals(0, q.stats().oldestWaitSeconds(), "nothing waits");
            long first = System.nanoTime();
            q.offer(beat(1));
            Thread.sleep(1_100);
            q.offer(beat(2)); // waits about 1 s less
            await(() -> q.stats().failedAttempts() >= 1, "a failed send");
            Thread.sleep(1_100);
            PushStats s = q.stats();
            long sinceFirst = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - first);
            assertEquals(2, s.queued());
            assertTrue(s.oldestWaitSeconds() >= 2 && s.oldestWaitSeconds() <= sinceFirst,
                    "the first message's wait (2 to " + sinceFirst + " s), not the second's: " + s);

            CountDownLatch hang = new CountDownLatch(1); // the next send takes the batch and hangs: in flight
            t.hang = hang;
            int calls = t.calls;
            await(() -> t.calls > calls, "a send in flight");
            Thread.sleep(1_100);
            PushStats inFlight = q.stats();
            assertEquals(2, inFlight.queued(), "in flight counts as waiting");
            assertTrue(inFlight.oldestWaitSeconds() >= 3, "in flight, still the first message's wait: " + inFlight);
            assertTrue(Pushes.describe(List.of(inFlight)).get(0).contains("queued 2 (the oldest waiting "
                    + inFlight.oldestWaitSeconds() + " s)"), Pushes.describe(List.of(inFlight)).get(0));

            t.down = false;
            t.hang = null;
            hang.countDown();
            await(() -> q.stats().sent() == 2, "both sent");
            assertEquals(0, q.stats().oldestWaitSeconds());
            assertTrue(!Pushes.describe(List.of(q.stats())).get(0).contains("waiting"), "no wait shown while none waits");
        }
    }

    @Test
    void holdsWhileDownThenDeliversAndCountsOverflow() throws Exception {
        MemoryTarget t = new MemoryTarget();
        t.down = true;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (PushQueue q = new PushQueue(t, FAST.withCapacity(20), log::add)) {
            for (int i = 0; i < 30; i++) {
                q.offer(beat(i));
            }
            await(() -> q.stats().failedAttempts() >= 2, "retries");
            PushStats down = q.stats();
            assertEquals(10, down.dropped(), "30 offered into 20 places");
            assertTrue(down.lastError().contains("connection refused"), down.lastError());
            t.down = false;
            await(() -> q.stats().sent() == 20, "the 20 held arrive");
            assertEquals(10, t.got.get(0).timeMillis(), "the oldest went");
            assertEquals(29, t.got.get(19).timeMillis());
            assertTrue(log.stream().anyMatch(l -> l.contains("dropped 1") || l.contains("dropped")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.contains("unreachable")), log.toString());
        }
    }

    @Test
    void refusedIsCountedWithAnswerAndNotRetried() throws Exception {
        MemoryTarget t = new MemoryTarget();
        t.refuseHeartbeats = true;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (PushQueue q = new PushQueue(t, FAST, log::add)) {
            q.offer(beat(1));
            q.offer(beat(2));
            await(() -> q.stats().refused() == 2, "refused");
            int calls = t.calls;
            Thread.sleep(200);
            assertEquals(calls, t.calls, "not retried");
            assertTrue(q.stats().lastError().contains("failed: "), q.stats().lastError());
            assertTrue(log.stream().anyMatch(l -> l.contains("refused")), log.toString());
        }
    }

    @Test
    void offerNeverWaitsForAHangingTarget() throws Exception {
        MemoryTarget t = new MemoryTarget();
        t.hang = new CountDownLatch(1);
        PushQueue q = new PushQueue(t, FAST.withCapacity(1000), line -> { });
        try {
            q.offer(beat(0));
            await(() -> t.calls == 1, "the sender in the target");
            long start = System.nanoTime();
            for (int i = 1; i <= 100_000; i++) {
                q.offer(beat(i));
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < 10_000, "offers returned while the target hangs (" + took + " ms)");
            assertEquals(100_000 - 1000, q.stats().dropped(), "all beyond capacity dropped, counted");
        } finally {
            t.hang.countDown();
            q.close();
        }
    }

    @Test
    void closeFlushesThenCountsWhatIsLeft() throws Exception {
        MemoryTarget t = new MemoryTarget();
        PushQueue q = new PushQueue(t, FAST, line -> { });
        for (int i = 0; i < 50; i++) {
            q.offer(beat(i));
        }
        q.close(5_000);
        assertEquals(50, q.stats().sent() + q.stats().dropped());
        assertEquals(50, t.got.size() + q.stats().dropped());
        q.offer(beat(99));
        assertEquals(50 - q.stats().sent() + 1, q.stats().dropped(), "an offer after close is counted dropped");

        MemoryTarget gone = new MemoryTarget();
        gone.down = true;
        PushQueue q2 = new PushQueue(gone, FAST, line -> { });
        for (int i = 0; i < 5; i++) {
            q2.offer(beat(i));
        }
        q2.close(500);
        assertEquals(5, q2.stats().dropped(), "unsent at stop: dropped, counted");
        assertEquals(0, q2.stats().queued());
    }
}
