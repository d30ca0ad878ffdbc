package org.taskwatch.agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.security.Principal;
import java.util.Arrays;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.MBeanServerForwarder;
import javax.security.auth.Subject;
import org.taskwatch.jolokia.Users;

/**
 * The access file's rules for JMX clients, as the JDK's own access controller applies them
 * with one difference: a read-only user may also invoke operations whose
 * {@link MBeanOperationInfo#getImpact impact} is {@link MBeanOperationInfo#INFO} (status, health,
 * waits), the same rule {@code RequestGuard} applies over Jolokia. Writes, other invokes and
 * registering need {@code readwrite}; creating an MBean also a matching {@code create} clause,
 * unregistering one an {@code unregister} clause. A user without a line may do nothing.
 *
 * <p>Threads: called on RMI's threads, each within its client's {@link Subject}; no state.
 */
final class AccessForwarder {
    private static final Set<String> WRITES = Set.of("setAttribute", "setAttributes", "registerMBean");
    private static final Set<String> CREATES = Set.of("createMBean", "instantiate");
    private static final MethodHandle SUBJECT_CURRENT = currentSubject();

    private AccessForwarder() {}

    static MBeanServerForwarder create(PasswordUsers users) {
        return Forwarders.of("taskwatch access file rules", (next, method, args) -> {
            check(users, next, method, args);
            return args;
        });
    }

    private static void check(PasswordUsers users, MBeanServer mbs, Method method, Object[] args) {
        String user = user();
        if (user == null) {
            return; // a call from inside the agent, not from a client
        }
        PasswordUsers.Grant g = users.grant(user);
        if (g == null) {
            throw new SecurityException("Access denied: jmx.accessFile has no line for user " + user);
        }
        String m = method.getName();
        boolean readWrite = g.access() == Users.Access.READ_WRITE;
        if (m.equals("invoke")) {
            if (!readWrite && !isInfo(mbs, (ObjectName) args[0], (String) args[1], (String[]) args[3])) {
                throw new SecurityException("Access denied: " + args[1] + " changes what the agent does (its impact is"
                        + " not INFO), and user " + user + " is read-only");
            }
        } else if (WRITES.contains(m) && !readWrite) {
            throw new SecurityException("Access denied: user " + user + " is read-only");
        } else if (CREATES.contains(m) && (!readWrite
                || g.create().stream().noneMatch(p -> p.matcher((String) args[0]).matches()))) {
            throw new SecurityException("Access denied: user " + user + " may not create " + args[0]
                    + " (jmx.accessFile: readwrite create CLASS-PATTERN)");
        } else if (m.equals("unregisterMBean") && (!readWrite || !g.unregister())) {
            throw new SecurityException("Access denied: user " + user + " may not unregister MBeans"
                    + " (jmx.accessFile: readwrite unregister)");
        }
    }

    /** Whether the operation with this name and signature declares its impact INFO. */
    private static boolean isInfo(MBeanServer mbs, ObjectName name, String operation, String[] signature) {
        try {
            for (MBeanOperationInfo op : mbs.getMBeanInfo(name).getOperations()) {
                if (op.getName().equals(operation) && Arrays.equals(types(op), signature == null ? new String[0] : signature)) {
                    return op.getImpact() == MBeanOperationInfo.INFO;
                }
            }
        } catch (JMException e) {
            return false; // no such MBean: the call fails anyway, as a write
        }
        return false;
    }

    private static String[] types(MBeanOperationInfo op) {
        return Arrays.stream(op.getSignature()).map(p -> p.getType()).toArray(String[]::new);
    }

    /** The JMX user of this call: its Subject's JMXPrincipal, or null outside a client's call. */
    private static String user() {
        Subject s = subject();
        if (s == null) {
            return null;
        }
        for (Principal p : s.getPrincipals(JMXPrincipal.class)) {
            return p.getName();
        }
        return null;
    }

    /**
     * The current Subject. RMI runs each client call within it: on Java 17 through the access
     * control context ({@code Subject.getSubject}), on 18+ also as {@code Subject.current()},
     * the only way left on Java 23+.
     */
    @SuppressWarnings("removal")
    private static Subject subject() {
        if (SUBJECT_CURRENT != null) {
            try {
                return (Subject) SUBJECT_CURRENT.invokeExact();
            } catch (Throwable e) {
                throw new IllegalStateException("cannot tell the JMX client's user", e);
            }
        }
        return Subject.getSubject(java.security.AccessController.getContext());
    }

    private static MethodHandle currentSubject() {
        try {
            return MethodHandles.publicLookup().findStatic(Subject.class, "current", MethodType.methodType(Subject.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17
        }
    }
}
