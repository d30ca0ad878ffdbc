package org.taskwatch.monitor;

import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.kernel.ThreadPriority;

/**
 * The monitor's sizes and limits. {@link #defaults()} gives the documented defaults; the agent
 * fills these from its configuration keys.
 *
 * @param eventSource which event source (netlink, the /proc poller, or auto), its buffer and interval
 * @param handoffCapacity matched events queued between the reader and the delivery thread
 * @param maxWatches public watches at once
 * @param maxPatternLength characters in a command regex
 * @param recentExits exits of any process kept for {@code waitForExit} after the fact
 * @param maxWaiters concurrent {@code waitForExit} callers
 * @param maxSummaries command patterns with a live summary history
 * @param summaryHistory events kept per summary pattern
 * @param maxWindowSeconds the longest summary window
 * @param kernelFilter whether the kernel may drop events no watch needs (only while every watch
 *     is a single-process watch): {@link KernelFilterMode}
 * @param priorityBoost how far the reader and delivery threads lower their nice value (0 to 20;
 *     0 leaves it), as auditd's {@code priority_boost}
 * @param watchedExitSeconds how long the exit of a watched process stays answerable beside the
 *     {@code recentExits} (as long as its Watch MBean stays: {@code endedWatchSeconds})
 * @param redaction what is masked in the command lines, executable paths and names the monitor
 *     hands out (events to every listener, process status): the one place the agent's
 *     {@code redact} rule is applied, so nothing that sends or serves them can miss it
 */
public record MonitorSettings(EventSourceSettings eventSource, int handoffCapacity, int maxWatches, int maxPatternLength,
        int recentExits, int maxWaiters, int maxSummaries, int summaryHistory, int maxWindowSeconds, KernelFilterMode kernelFilter,
        int priorityBoost, int watchedExitSeconds, Redaction redaction) {
    /** The default {@code watchedExitSeconds}: the agent's default {@code endedWatchSeconds}. */
    public static final int DEFAULT_WATCHED_EXIT_SECONDS = 600;

    /** The default {@code priorityBoost}: auditd's default. */
    public static final int DEFAULT_PRIORITY_BOOST = 4;

    /** @throws IllegalArgumentException for a bad priority boost, naming it */
    public MonitorSettings {
        ThreadPriority.check(priorityBoost);
        if (kernelFilter == null) {
            throw new IllegalArgumentException("kernelFilter: null; expected off, counted or auto");
        }
        if (redaction == null) {
            throw new IllegalArgumentException("redaction: null (Redaction.NONE masks nothing)");
        }
    }

    /** These settings with the default redaction rule ({@link Redaction#DEFAULT_RULE}). */
    public MonitorSettings(EventSourceSettings eventSource, int handoffCapacity, int maxWatches, int maxPatternLength,
            int recentExits, int maxWaiters, int maxSummaries, int summaryHistory, int maxWindowSeconds, KernelFilterMode kernelFilter,
            int priorityBoost, int watchedExitSeconds) {
        this(eventSource, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters, maxSummaries,
                summaryHistory, maxWindowSeconds, kernelFilter, priorityBoost, watchedExitSeconds, DEFAULT_REDACTION);
    }

    /** The default rule, compiled once. */
    public static final Redaction DEFAULT_REDACTION = Redaction.of(Redaction.DEFAULT_RULE);

    /** These settings with another redaction rule. */
    public MonitorSettings withRedaction(Redaction r) {
        return new MonitorSettings(eventSource, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters,
                maxSummaries, summaryHistory, maxWindowSeconds, kernelFilter, priorityBoost, watchedExitSeconds, r);
    }

    /** These settings with another {@code kernelFilter}. */
    public MonitorSettings withKernelFilter(KernelFilterMode on) {
        return new MonitorSettings(eventSource, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters,
                maxSummaries, summaryHistory, maxWindowSeconds, on, priorityBoost, watchedExitSeconds, redaction);
    }

    /** These settings with another event source configuration. */
    public MonitorSettings withEventSource(EventSourceSettings source) {
        return new MonitorSettings(source, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters,
                maxSummaries, summaryHistory, maxWindowSeconds, kernelFilter, priorityBoost, watchedExitSeconds, redaction);
    }

    /** These settings with another priority boost. */
    public MonitorSettings withPriorityBoost(int boost) {
        return new MonitorSettings(eventSource, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters,
                maxSummaries, summaryHistory, maxWindowSeconds, kernelFilter, boost, watchedExitSeconds, redaction);
    }

    /** These settings with another {@code watchedExitSeconds}. */
    public MonitorSettings withWatchedExitSeconds(int seconds) {
        return new MonitorSettings(eventSource, handoffCapacity, maxWatches, maxPatternLength, recentExits, maxWaiters,
                maxSummaries, summaryHistory, maxWindowSeconds, kernelFilter, priorityBoost, seconds, redaction);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(EventSourceSettings.defaults(), 65536, 10000, 1024, 4096, 256, 64, 16384, 86400, KernelFilterMode.COUNTED,
                DEFAULT_PRIORITY_BOOST, DEFAULT_WATCHED_EXIT_SECONDS);
    }
}
