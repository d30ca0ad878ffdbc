package org.taskwatch.jmx;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.Principal;
import java.util.HashSet;
import java.util.Set;
import javax.security.auth.Subject;

/**
 * The remote JMX connection an operation was called over. The JDK tells an MBean nothing of its
 * caller's connection, but the RMI connector runs every call of a connection as that
 * connection's {@link Subject}: the agent's connector server adds one of these to each
 * connection's Subject ({@link #identify}), and an operation finds it again with {@link #current}.
 * Access rules see it but name users, not connections: it grants nothing. It never leaves the agent (a client cannot send one: the connector's serial filter refuses
 * taskwatch classes).
 */
public final class ConnectionPrincipal implements Principal {
    /** {@code Subject.current()} from Java 18 on (where {@code getSubject} stops working from Java 23); null on 17. */
    private static final MethodHandle CURRENT = currentSubject();

    private final String connectionId;

    private ConnectionPrincipal(String connectionId) {
        this.connectionId = connectionId;
    }

    /** {@code subject} (null for an unauthenticated client) with the connection's principal added, read-only. */
    public static Subject identify(Subject subject, String connectionId) {
        Set<Principal> principals = new HashSet<>();
        Set<Object> pub = new HashSet<>();
        Set<Object> priv = new HashSet<>();
        if (subject != null) {
            principals.addAll(subject.getPrincipals());
            pub.addAll(subject.getPublicCredentials());
            priv.addAll(subject.getPrivateCredentials());
        }
        principals.add(new ConnectionPrincipal(connectionId));
        return new Subject(true, principals, pub, priv);
    }

    /** The connection id of the remote JMX call running on this thread, or null (an in-process or Jolokia caller). */
    public static String current() {
        Subject s = subject();
        if (s == null) {
            return null;
        }
        for (ConnectionPrincipal p : s.getPrincipals(ConnectionPrincipal.class)) {
            return p.connectionId;
        }
        return null;
    }

    @SuppressWarnings("removal") // the only way on Java 17, which has no Subject.current()
    private static Subject subject() {
        if (CURRENT != null) {
            try {
                return (Subject) CURRENT.invokeExact();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
        return Subject.getSubject(java.security.AccessController.getContext());
    }

    private static MethodHandle currentSubject() {
        try {
            return MethodHandles.publicLookup().findStatic(Subject.class, "current", MethodType.methodType(Subject.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    @Override
    public String getName() {
        return "taskwatch connection " + connectionId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionPrincipal p && p.connectionId.equals(connectionId);
    }

    @Override
    public int hashCode() {
        return connectionId.hashCode();
    }

    @Override
    public String toString() {
        return getName();
    }
}
