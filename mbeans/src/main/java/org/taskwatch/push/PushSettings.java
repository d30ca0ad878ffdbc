package org.taskwatch.push;

/**
 * How a {@link PushQueue} holds and retries.
 *
 * @param capacity messages held while the target is slow or down; beyond it the oldest are dropped (counted)
 * @param maxBatch most messages in one send
 * @param minBackoffMillis wait after the first failed send; doubled after each further failure ...
 * @param maxBackoffMillis ... up to this: how late, at worst, queued messages leave once the target is back
 * @param maxAgeSeconds a message not delivered this long after it was queued is dropped (counted): the
 *     bound on retries, so a target that never comes back holds nothing for ever
 */
public record PushSettings(int capacity, int maxBatch, long minBackoffMillis, long maxBackoffMillis, long maxAgeSeconds) {
    public static final PushSettings DEFAULTS = new PushSettings(10_000, 250, 500, 5_000, 3_600);

    public PushSettings {
        if (capacity < 1 || maxBatch < 1 || minBackoffMillis < 1 || maxBackoffMillis < minBackoffMillis || maxAgeSeconds < 1) {
            throw new IllegalArgumentException("push settings out of range: " + capacity + ", " + maxBatch + ", "
                    + minBackoffMillis + ", " + maxBackoffMillis + ", " + maxAgeSeconds);
        }
    }

    public PushSettings withCapacity(int c) {
        return new PushSettings(c, maxBatch, minBackoffMillis, maxBackoffMillis, maxAgeSeconds);
    }
}
