package org.taskwatch.benchmark;

import java.util.List;

/**
 * A launched {@code taskwatch agent} and one remote client of it in this JVM: what the two
 * agent modes share. CPU is the whole agent process (its remote connectors included); its
 * reader and delivery threads are given too. Latency is from the kernel timestamp in a
 * notification to the client.
 */
abstract class RemoteAgentSide implements TaskwatchSide {
    protected final LaunchedAgent agent;
    protected final LatencySamples latencies;
    private final List<Long> threads;

    protected RemoteAgentSide(LaunchedAgent agent, int latencyCapacity) throws InterruptedException {
        this.agent = agent;
        this.latencies = new LatencySamples(latencyCapacity);
        this.threads = CpuClock.awaitThreads(agent.process().pid(), "taskwatch-reader", "taskwatch-delivery");
    }

    @Override
    public String cpuMeasure() {
        return "the agent's whole JVM process (/proc/PID/stat)";
    }

    @Override
    public long cpuTicks(Snapshot s) {
        return s.processTicks();
    }

    /** A snapshot of the agent's counters as read by the client, with the agent's CPU now. */
    protected Snapshot snapshot(long received, long delivered, long listened, long lost, long clientLost) {
        long pid = agent.process().pid();
        return new Snapshot(received, delivered, listened, lost, clientLost, CpuClock.threads(pid, threads),
                CpuClock.process(pid));
    }

    @Override
    public LatencySamples latencies() {
        return latencies;
    }

    /** What the agent printed at start (its banner). */
    List<String> banner() {
        return agent.banner();
    }
}
