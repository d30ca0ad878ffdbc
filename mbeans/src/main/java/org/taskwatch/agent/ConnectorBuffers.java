package org.taskwatch.agent;

import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.remote.MBeanServerForwarder;
import org.taskwatch.jmx.InlineHandback;

/**
 * Between the JMX connector server and the MBean server: marks the registrations of the JDK
 * connector's notification buffer (the one listener per MBean from which every remote client's
 * fetches are answered) with an {@link InlineHandback}, so that taskwatch's broadcasters call it
 * on their sending thread rather than through a mailbox thread. Every other call passes as it is.
 *
 * <p>The buffer is recognized by its class, which only the JDK's connector has; it registers
 * with its MBean's name as the handback and reads it back as that name, which the marker still is.
 */
final class ConnectorBuffers {
    /** The JDK's listener (java.management, {@code ArrayNotificationBuffer.BufferListener}). */
    static final String BUFFER_LISTENER = "com.sun.jmx.remote.internal.ArrayNotificationBuffer$BufferListener";

    private ConnectorBuffers() {}

    static MBeanServerForwarder forwarder() {
        return Forwarders.of("taskwatch connector buffers inline", (next, method, args) -> {
            if (method.getName().equals("addNotificationListener") && isBufferRegistration(args)) {
                Object[] marked = args.clone();
                marked[3] = InlineHandback.of((ObjectName) args[3]);
                return marked;
            }
            return args;
        });
    }

    /** {@code addNotificationListener(name, listener, filter, handback)} by the connector's buffer. */
    static boolean isBufferRegistration(Object[] args) {
        return args != null && args.length == 4 && args[1] instanceof NotificationListener l
                && l.getClass().getName().equals(BUFFER_LISTENER) && args[3] instanceof ObjectName;
    }
}
