package org.taskwatch.agent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import javax.management.MBeanServer;
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
        MBeanServer[] next = new MBeanServer[1];
        return (MBeanServerForwarder) Proxy.newProxyInstance(MBeanServerForwarder.class.getClassLoader(),
                new Class<?>[] {MBeanServerForwarder.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getMBeanServer":
                            return next[0];
                        case "setMBeanServer":
                            next[0] = (MBeanServer) args[0];
                            return null;
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return "taskwatch connector buffers inline";
                        case "addNotificationListener":
                            if (isBufferRegistration(args)) {
                                args = args.clone();
                                args[3] = InlineHandback.of((ObjectName) args[3]);
                            }
                            break;
                        default:
                            break;
                    }
                    try {
                        return method.invoke(next[0], args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code addNotificationListener(name, listener, filter, handback)} by the connector's buffer. */
    static boolean isBufferRegistration(Object[] args) {
        return args != null && args.length == 4 && args[1] instanceof NotificationListener l
                && l.getClass().getName().equals(BUFFER_LISTENER) && args[3] instanceof ObjectName;
    }
}
