package org.taskwatch.monitor;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.taskwatch.kernel.EventSource;
import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.kernel.KernelCounts;
import org.taskwatch.kernel.NativeException;

/**
 * The monitor's side of counting in the kernel ({@code kernelFilter=counted}): whether the kernel
 * counts, or why not; and while it does, the counters and the recent exits read from it, and a
 * timer that folds its counts in every minute, well within the {@link KernelCounts#SECONDS} it
 * keeps.
 *
 * <p>Order: {@link #prepare} before the event source starts (the counters must not count the
 * reader's first events as well as the kernel's), {@link #sourceStarted} right after.
 */
final class KernelCounting implements AutoCloseable {
    static final int FOLD_SECONDS = 60;

    private final Statistics stats;
    private KernelCounts counts; // null: the reader counts
    private String problem = ""; // why the kernel does not count
    private ScheduledExecutorService timer;

    private KernelCounting(Statistics stats) {
        this.stats = stats;
    }

    /** Makes the kernel's maps where the settings want counting and the kernel allows it. */
    static KernelCounting prepare(MonitorSettings settings, Statistics stats) {
        KernelCounting k = new KernelCounting(stats);
        if (settings.kernelFilter() != KernelFilterMode.COUNTED) {
            k.problem = "kernelFilter=" + settings.kernelFilter().word();
        } else if (settings.eventSource().mode() == EventSourceSettings.Mode.PROCFS) {
            k.problem = "the event source is the /proc poller";
        } else {
            try {
                k.counts = KernelCounts.create(settings.recentExits());
                stats.countInKernel(k.counts);
            } catch (NativeException | RuntimeException e) {
                k.problem = e.getMessage();
            }
        }
        return k;
    }

    /** What the event source should count with, or null. */
    KernelCounts counts() {
        return counts;
    }

    /** Whether the kernel counts (after {@link #sourceStarted}). */
    boolean active() {
        return counts != null;
    }

    /**
     * The source is running: if it took the counting (the proc connector did, unless the kernel
     * refused to attach it; the /proc poller does not), the recent exits ask the kernel too and
     * the timer starts; else the reader counts.
     */
    void sourceStarted(EventSource source, RecentExits exits) {
        if (counts == null) {
            return;
        }
        if (source.procConnector().map(c -> c.kernelCounts() != counts).orElse(true)) {
            stats.countInKernel(null);
            counts.close();
            counts = null;
            problem = source.procConnector().map(c -> c.kernelCountsRefused()).filter(r -> !r.isEmpty())
                    .orElse("the event source is the /proc poller");
            return;
        }
        exits.alsoAsk(counts);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "taskwatch-kernel-counts");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(stats::fold, FOLD_SECONDS, FOLD_SECONDS, TimeUnit.SECONDS);
    }

    /** How the counters count, for the Monitor's {@code KernelFilter}. */
    String describe() {
        if (counts == null) {
            return "the kernel does not count (" + problem + ")";
        }
        String err = stats.foldError();
        long unread = stats.unreadSeconds();
        return "every event counted in the kernel (eBPF)" + (err.isEmpty() ? "" : "; reading its counts failed: " + err)
                + (unread == 0 ? "" : "; the counts of up to " + unread + " s may be missing: they were not read within "
                        + KernelCounts.SECONDS + " s (the agent stopped or stalled)");
    }

    /** Stops the timer; closes the maps (call after the source closed: its program goes with the socket). */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (counts != null) {
            counts.close();
        }
    }
}
