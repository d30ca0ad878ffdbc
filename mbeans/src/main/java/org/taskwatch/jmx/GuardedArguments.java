package org.taskwatch.jmx;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import javax.management.RuntimeOperationsException;

/**
 * Turns an operation's {@link IllegalArgumentException} into the
 * {@link RuntimeOperationsException} JMX defines for bad arguments, so that remote clients see
 * a standard exception with the message, not a wrapped implementation class.
 */
final class GuardedArguments {
    private GuardedArguments() {}

    static MonitorMXBean wrap(MonitorMXBean target) {
        return (MonitorMXBean) Proxy.newProxyInstance(MonitorMXBean.class.getClassLoader(),
                new Class<?>[] {MonitorMXBean.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        Throwable cause = e.getCause();
                        if (cause instanceof IllegalArgumentException iae) {
                            // a plain IAE with only the message: the client needs no taskwatch classes
                            throw new RuntimeOperationsException(new IllegalArgumentException(iae.getMessage()),
                                    iae.getMessage());
                        }
                        throw cause;
                    }
                });
    }
}
