package org.taskwatch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcConnector;

/**
 * The listener-leak check each module runs after all its other tests (a subclass with
 * {@code @Order(Integer.MAX_VALUE)}): every connector this JVM opened was unsubscribed, and,
 * when the machine had no proc connector listener before the tests ({@link Baseline}), the
 * kernel counts none now. When it had one (another program listening, or a listener leaked
 * earlier by a killed process: the kernel keeps counting those until reboot), the kernel probe
 * cannot tell ours from theirs and the in-process count is what is checked.
 */
public abstract class ListenerLeakCheck {
    private static Boolean cleanAtStart;

    /** Takes the baseline: subclass it with {@code @Order(Integer.MIN_VALUE)} so it runs first. */
    public abstract static class Baseline {
        @Test
        void machineHasNoListenerBeforeTheTests() throws Exception {
            KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                    "the proc connector needs root before Linux 6.6");
            cleanAtStart = !ListenerProbe.othersListening();
            if (!cleanAtStart) {
                System.err.println("note: a proc connector listener exists before the tests (another program, or one"
                        + " leaked earlier): the kernel-side leak check is inconclusive on this machine");
            }
        }
    }

    @Test
    void everySocketWasUnsubscribed() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        boolean kernelSeesListener = ListenerProbe.leakAfterClosingEveryWay();
        assertEquals(0, ProcConnector.listeningSockets(), "connectors of this JVM still subscribed (no IGNORE sent)");
        if (cleanAtStart == null || cleanAtStart) {
            assertFalse(kernelSeesListener,
                    "the kernel still counts a proc connector listener: some socket was closed without IGNORE");
        }
    }
}
