package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.ListenerProbe;

/**
 * Runs after every other test class of the module: if any connector in this JVM was closed
 * without IGNORE (or left open), the kernel still counts a listener, which the probe sees.
 */
@Order(Integer.MAX_VALUE)
class NoListenerLeakTest {
    @Test
    void kernelCountsNoListenerAfterTheTests() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        assertFalse(ListenerProbe.leakAfterClosingEveryWay(),
                "the kernel still counts a proc connector listener: some socket was closed without IGNORE");
    }
}
