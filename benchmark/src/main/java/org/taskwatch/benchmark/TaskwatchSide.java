package org.taskwatch.benchmark;

/** The taskwatch reader under test, in one of the storm benchmark's modes. */
interface TaskwatchSide extends AutoCloseable {
    /** The mode's name in the table. */
    String name();

    /** How its CPU ({@link #cpuTicks}) is measured, for the table's legend. */
    String cpuMeasure();

    /** The CPU that counts as taskwatch's in this mode: its threads, or its whole process. */
    long cpuTicks(Snapshot s);

    /** Counters and CPU now; differences of two snapshots cover what happened in between. */
    Snapshot snapshot() throws Exception;

    /** Kernel-to-listener latencies of the events the listener got. */
    LatencySamples latencies();

    @Override
    void close();

    /**
     * @param received events taskwatch's reader took in (EventsReceived)
     * @param delivered events taskwatch delivered to its listeners (EventsDelivered)
     * @param listened events the benchmark's listener got (in process, or the remote JMX client)
     * @param lost events taskwatch counted as lost (EventsLost: socket buffer, sequence gaps, full handoff)
     * @param notifsLost notifications JMX remote dropped on the way to the client (NOTIFS_LOST)
     * @param threadTicks CPU of taskwatch's reader and delivery threads
     * @param processTicks CPU of the whole JVM that runs taskwatch
     */
    record Snapshot(long received, long delivered, long listened, long lost, long notifsLost, long threadTicks,
            long processTicks) {
        Snapshot minus(Snapshot o) {
            return new Snapshot(received - o.received, delivered - o.delivered, listened - o.listened, lost - o.lost,
                    notifsLost - o.notifsLost, threadTicks - o.threadTicks, processTicks - o.processTicks);
        }
    }
}
