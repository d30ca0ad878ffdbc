package org.taskwatch.push;

import org.taskwatch.monitor.ServiceWatch;

/**
 * One thing to tell a monitoring system about a declared watch; each {@link PushTarget} formats
 * it in its own protocol. Texts in it have passed the agent's redaction already, and carry a
 * command line only when the operator turned that on: a target sends them as they are.
 *
 * @param kind what happened
 * @param watch the declared watch's name; null for {@link Kind#HEARTBEAT}
 * @param timeMillis when it happened (wall clock): targets that can say so send it as the value's time
 * @param snapshot the watch's state after it (its texts redacted); null for {@link Kind#HEARTBEAT}
 * @param exit the exit, for {@link Kind#EXIT}; else null
 */
public record PushMessage(Kind kind, String watch, long timeMillis, ServiceWatch.Snapshot snapshot,
        ServiceWatch.LastExit exit) {

    /** What a message says. */
    public enum Kind {
        /** A process of the watch exited: {@link #exit()} says how. */
        EXIT,
        /**
         * The watch's state ({@link ServiceWatch.State}) changed, or is repeated with the heartbeat
         * so a value lost or refused earlier is made good.
         */
        STATE,
        /** The agent is alive; sent every heartbeat period whether or not anything happened. */
        HEARTBEAT
    }

    public static PushMessage heartbeat(long timeMillis) {
        return new PushMessage(Kind.HEARTBEAT, null, timeMillis, null, null);
    }

    @Override
    public String toString() {
        return kind == Kind.HEARTBEAT ? "heartbeat" : kind.name().toLowerCase(java.util.Locale.ROOT) + " of " + watch;
    }
}
