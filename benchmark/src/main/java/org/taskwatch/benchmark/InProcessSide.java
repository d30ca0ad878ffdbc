package org.taskwatch.benchmark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.taskwatch.monitor.MonitorEvent;
import org.taskwatch.monitor.MonitorListener;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.Statistics;
import org.taskwatch.monitor.TaskMonitor;

/**
 * A {@link TaskMonitor} in this JVM with one {@link MonitorListener} that counts events and
 * records their latency (kernel timestamp to the listener, on taskwatch's delivery thread).
 * CPU is that of taskwatch's own two threads, found by name in /proc/self/task; the whole JVM's
 * is given too (it adds GC and the JIT compiler; the benchmark's main thread only waits).
 *
 * <p>Either it watches every process ({@code watchTree(1, "all")}), or ten idle {@code sleep}
 * processes that never produce an event during a storm, so nothing matches.
 */
final class InProcessSide implements TaskwatchSide {
    private static final long SELF = ProcessHandle.current().pid();

    private final String name;
    private final TaskMonitor monitor;
    private final List<Process> sleepers = new ArrayList<>();
    private final LatencySamples latencies;
    private final List<Long> threads;
    private volatile long listened; // written by the delivery thread only

    private InProcessSide(String name, TaskMonitor monitor, int latencyCapacity) throws InterruptedException {
        this.name = name;
        this.monitor = monitor;
        this.latencies = new LatencySamples(latencyCapacity);
        monitor.addListener(new MonitorListener() {
            @Override
            public void onEvent(MonitorEvent e) {
                latencies.record(System.nanoTime() - e.event().timestampNanos());
                listened++;
            }
        });
        try {
            this.threads = CpuClock.awaitThreads(SELF, "taskwatch-reader", "taskwatch-delivery");
        } catch (InterruptedException | RuntimeException e) {
            monitor.close();
            throw e;
        }
    }

    /** Watches every process with every event type. */
    static InProcessSide watchAll(int latencyCapacity, MonitorSettings settings)
            throws IOException, InterruptedException {
        InProcessSide s = new InProcessSide("watch-all", TaskMonitor.start(settings), latencyCapacity);
        s.monitor.watchTree(1, "all");
        return s;
    }

    /**
     * One command watch whose pattern matches no process (as {@code check_taskwatch --exits} sets
     * up for a program that does not run): nothing is delivered, but the reader reads the
     * command of every process that execs, to match it.
     */
    static InProcessSide commandWatch(MonitorSettings settings) throws IOException, InterruptedException {
        InProcessSide s = new InProcessSide("command-watch", TaskMonitor.start(settings), 1024);
        s.monitor.watchCommand("^taskwatch-benchmark-matches-nothing$", "exec,exit");
        return s;
    }

    /**
     * Watches {@code count} idle processes, each with every event type; with {@code kernelFilter}
     * (the agent's default, kernelFilter=counted) the kernel drops everyone else's events.
     */
    static InProcessSide idleWatches(int count, int latencyCapacity, boolean kernelFilter, MonitorSettings settings)
            throws IOException, InterruptedException {
        InProcessSide s = new InProcessSide(count + "-idle-pids" + (kernelFilter ? "" : "-userspace"),
                TaskMonitor.start(settings.withKernelFilter(kernelFilter
                        ? org.taskwatch.monitor.KernelFilterMode.COUNTED : org.taskwatch.monitor.KernelFilterMode.OFF)), latencyCapacity);
        try {
            for (int i = 0; i < count; i++) {
                Process p = new ProcessBuilder("sleep", "1000").start();
                s.sleepers.add(p);
                s.monitor.watch((int) p.pid(), "all");
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String cpuMeasure() {
        return "reader + delivery threads (/proc/self/task/TID/stat)";
    }

    @Override
    public long cpuTicks(Snapshot s) {
        return s.threadTicks();
    }

    @Override
    public Snapshot snapshot() {
        Statistics st = monitor.statistics();
        return new Snapshot(st.received(), st.delivered(), listened, st.lost(), 0, CpuClock.threads(SELF, threads),
                CpuClock.process(SELF));
    }

    @Override
    public LatencySamples latencies() {
        return latencies;
    }

    @Override
    public void close() {
        monitor.close(); // IGNORE, then close
        for (Process p : sleepers) {
            p.destroy();
        }
    }
}
