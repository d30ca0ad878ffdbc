package org.taskwatch.agent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import javax.management.MBeanServer;
import javax.management.remote.MBeanServerForwarder;

/** {@link MBeanServerForwarder}s made of one function that sees each call before it passes on. */
final class Forwarders {
    /** Sees a call to the MBean server: may throw to refuse it, and returns the arguments to pass on. */
    interface Interceptor {
        Object[] before(MBeanServer next, Method method, Object[] args) throws Exception;
    }

    private Forwarders() {}

    /** A forwarder that passes every MBeanServer call to the next one after {@code interceptor} saw it. */
    static MBeanServerForwarder of(String description, Interceptor interceptor) {
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
                            return description;
                        default:
                            try {
                                return method.invoke(next[0], interceptor.before(next[0], method, args));
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }
}
