package org.taskwatch.agent;

import java.io.ObjectInputFilter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;

/**
 * How the remote JMX connections are exported to RMI: as the JDK's own management agent
 * exports its objects where that is possible, else as any RMI object.
 *
 * <p>Why: an object exported through the public API keeps RMI's reaper, a non-daemon thread,
 * alive until it is unexported, so a JVM whose {@code main} has returned does not exit while a
 * JMX client is connected. Inside an application ({@code -javaagent}) that would hold the
 * application up; the JDK's own agent ({@code -Dcom.sun.management.jmxremote.port}) never
 * does, because it exports "permanently" through {@code sun.rmi.server.UnicastServerRef2},
 * which the public API does not offer. The {@code -javaagent} bootstrap opens that package to
 * taskwatch's class loader (through the instrumentation the JVM gives an agent); the standalone
 * agent, whose main thread waits for SIGTERM anyway, does not need it and uses the public API.
 * The connector's own server object and the registry are made permanent by the connector
 * itself ({@code jmx.remote.x.daemon}, see {@link JmxRemote}).
 */
final class RmiExports {
    static final String PACKAGE = "sun.rmi.server";
    private static final String REF = PACKAGE + ".UnicastServerRef2";

    private RmiExports() {}

    /** Whether exports here keep the JVM from exiting: false where the bootstrap opened the package. */
    static boolean keepJvmAlive() {
        return !Remote.class.getModule().isExported(PACKAGE, RmiExports.class.getModule());
    }

    /** Exports {@code obj} on {@code port} with the factories and filter, permanently where possible. */
    static void export(Remote obj, int port, RMIClientSocketFactory csf, RMIServerSocketFactory ssf,
            ObjectInputFilter filter) throws RemoteException {
        if (keepJvmAlive()) {
            if (filter == null) {
                UnicastRemoteObject.exportObject(obj, port, csf, ssf);
            } else {
                UnicastRemoteObject.exportObject(obj, port, csf, ssf, filter);
            }
            return;
        }
        try {
            Constructor<?> c = Class.forName(REF).getConstructor(int.class, RMIClientSocketFactory.class,
                    RMIServerSocketFactory.class, ObjectInputFilter.class);
            Object ref = c.newInstance(port, csf, ssf, filter);
            Method exportObject = ref.getClass().getMethod("exportObject", Remote.class, Object.class, boolean.class);
            exportObject.invoke(ref, obj, null, true);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RemoteException r) {
                throw r;
            }
            throw new RemoteException("JMX: exporting a connection failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new RemoteException("JMX: exporting a connection failed (" + REF + "): " + e, e);
        }
    }
}
