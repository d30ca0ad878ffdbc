package org.taskwatch.monitor;

/**
 * The monitor's sizes and limits. {@link #defaults()} gives the documented defaults; the agent
 * fills these from its configuration keys.
 *
 * @param receiveBufferBytes socket receive buffer wanted from the kernel
 * @param handoffCapacity matched events queued between the reader and the delivery thread
 * @param maxWatches public watches at once
 * @param maxPatternLength characters in a command regex
 * @param recentExits exits of any process kept for {@code waitForExit} after the fact
 * @param maxWaiters concurrent {@code waitForExit} callers
 * @param maxSummaries command patterns with a live summary history
 * @param summaryHistory events kept per summary pattern
 * @param maxWindowSeconds the longest summary window
 */
public record MonitorSettings(int receiveBufferBytes, int handoffCapacity, int maxWatches, int maxPatternLength,
        int recentExits, int maxWaiters, int maxSummaries, int summaryHistory, int maxWindowSeconds) {

    public static MonitorSettings defaults() {
        return new MonitorSettings(8 << 20, 65536, 10000, 1024, 4096, 256, 64, 16384, 86400);
    }
}
