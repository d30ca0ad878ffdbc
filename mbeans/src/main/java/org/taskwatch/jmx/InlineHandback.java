package org.taskwatch.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The handback of a listener that {@link IsolatingBroadcaster} calls on the sender's thread
 * instead of from a mailbox thread of its own: only the JDK's remote connector buffer is given
 * one ({@code org.taskwatch.agent.ConnectorBuffers}). That listener only appends to the buffer its
 * clients fetch from, under a lock held briefly, and never waits; a mailbox in front of it cost
 * a thread wake-up per notification (README, Performance).
 *
 * <p>It is an {@link ObjectName} because the connector's listener takes its handback for the
 * name of the MBean that sent the notification; it equals that name.
 */
public final class InlineHandback extends ObjectName {
    private static final long serialVersionUID = 1L;

    private InlineHandback(String canonicalName) throws MalformedObjectNameException {
        super(canonicalName);
    }

    /** The same name, marked for delivery on the sender's thread. */
    public static ObjectName of(ObjectName name) {
        if (name instanceof InlineHandback) {
            return name;
        }
        try {
            return new InlineHandback(name.getCanonicalName());
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e); // a canonical name is always well formed
        }
    }
}
