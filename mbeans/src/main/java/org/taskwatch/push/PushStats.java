package org.taskwatch.push;

/**
 * A point-in-time copy of a {@link PushQueue}'s counters (each counted since the agent started).
 *
 * @param target the target's name
 * @param queued messages waiting now
 * @param oldestWaitSeconds how long the oldest of them has waited (0 while none waits): it grows while
 *     the target is down or unreachable, and drops back when the target takes the messages
 * @param sent messages the target accepted
 * @param dropped messages never sent: the queue overflowed (the oldest went), they grew older than
 *     maxAgeSeconds while the target was down, or the agent stopped with them queued
 * @param refused messages the target answered "no" to (not retried)
 * @param failedAttempts sends that failed to reach the target (each retried later)
 * @param lastError the last failure or refusal, with the target's answer; empty while none
 * @param lastErrorMillis when (wall clock); 0 while none
 * @param lastSentMillis when the target last accepted something; 0 while never
 */
public record PushStats(String target, int queued, int oldestWaitSeconds, long sent, long dropped, long refused,
        long failedAttempts, String lastError, long lastErrorMillis, long lastSentMillis) {}
