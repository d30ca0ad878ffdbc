package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;

/**
 * An idle reader sleeps in receive without a short timeout (issue 15: each wake-up of an idle
 * agent costs CPU); what ends its wait when it must stop is the kernel's ack to {@link
 * ProcConnector#wakeReceiver}, on the real connector.
 */
class ReaderWakeTest {
    private static final int LONG_TIMEOUT_MILLIS = 30_000;

    @Test
    void wakeReceiverEndsAWaitWithTheKernelsAck() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        ProcConnector c = ProcConnector.open(1 << 20);
        AtomicLong ackAt = new AtomicLong();
        Thread receiver = new Thread(() -> {
            EventFrame f = new EventFrame();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * LONG_TIMEOUT_MILLIS);
            try {
                // other processes' events wake it too; only the ack to this socket's request ends the loop
                while (System.nanoTime() < deadline) {
                    if (c.receive(f) == ProcConnector.SKIPPED && f.cnAck == ProcConnector.WAKE_ACK + 1) {
                        ackAt.set(System.nanoTime());
                        return;
                    }
                }
            } catch (NativeException e) {
                throw new AssertionError(e);
            }
        }, "wake-test-receiver");
        try {
            c.setReceiveTimeout(LONG_TIMEOUT_MILLIS);
            receiver.start();
            Thread.sleep(300); // in receive by now (the test holds either way: the ack waits in the socket)
            long asked = System.nanoTime();
            assertTrue(c.wakeReceiver(), "the request went out");
            receiver.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(receiver.isAlive(), "the receiver got the ack within 20 s, not at its 30 s timeout");
            assertTrue(ackAt.get() - asked > 0, "the ack came after the request");
        } finally {
            c.close(); // IGNORE
            receiver.interrupt();
        }
        assertFalse(c.wakeReceiver(), "a closed connector sends nothing");
    }
}
