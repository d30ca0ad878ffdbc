package org.taskwatch.testing;

import java.util.List;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.kernel.EventSources;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.kernel.ProcEventReader;

/**
 * Tells from outside whether the kernel still has proc connector listeners, without reading
 * kernel memory: the kernel numbers the events it builds per CPU ({@code cn_msg.seq}), and it
 * builds (and numbers) none while its listener count is zero. So the probe listens, notes CPU
 * 0's sequence, stops listening, makes 3 x {@value #BURST} events on CPU 0 while it does not
 * listen, and listens again: if the sequence jumped by about that much, someone else is still
 * counted as listening (a leaked LISTEN), else nobody is.
 */
public final class ListenerProbe {
    static final int BURST = 300;

    private ListenerProbe() {}

    /**
     * Closes connectors every way the code does (plain, through a reader, through
     * {@link EventSources}, twice), then probes:
     * true when the kernel still counts a listener after that.
     */
    public static boolean leakAfterClosingEveryWay() throws Exception {
        ProcConnector.open(1 << 20).close();
        ProcEventReader.start(ProcConnector.open(1 << 20), f -> { }, "leak-test").close();
        EventSources.open(EventSourceSettings.defaults().withMode(EventSourceSettings.Mode.NETLINK), f -> { }, "leak-test")
                .close();
        ProcConnector c = ProcConnector.open(1 << 20);
        c.close();
        c.close();
        return othersListening();
    }

    /** True when the kernel builds events although this probe is not listening. */
    public static boolean othersListening() throws Exception {
        long before = cpu0Sequence();
        Spawn.run(List.of("taskset", "-c", "0", "/bin/sh", "-c",
                "i=0; while [ $i -lt " + BURST + " ]; do /bin/true; i=$((i+1)); done"));
        long after = cpu0Sequence();
        return after - before >= BURST; // each burst iteration is a fork, an exec and an exit
    }

    /** CPU 0's current event sequence number, seen by a short-lived listener. */
    private static long cpu0Sequence() throws Exception {
        try (ProcConnector c = ProcConnector.open(1 << 20)) {
            Spawn.run(List.of("taskset", "-c", "0", "/bin/true"));
            EventFrame f = new EventFrame();
            long seq = -1;
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < deadline) {
                int r = c.receive(f);
                if (r == ProcConnector.EVENT && f.cpu() == 0) {
                    seq = Integer.toUnsignedLong(f.sequence());
                } else if (r == ProcConnector.TIMEOUT && seq >= 0) {
                    break;
                }
            }
            if (seq < 0) {
                throw new AssertionError("the probe saw no event on CPU 0");
            }
            return seq;
        }
    }
}
