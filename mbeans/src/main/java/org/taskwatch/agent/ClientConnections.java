package org.taskwatch.agent;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.remote.JMXConnectionNotification;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.rmi.RMIConnection;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.security.auth.Subject;
import org.taskwatch.jmx.ConnectionPrincipal;
import org.taskwatch.monitor.Watch;
import org.taskwatch.monitor.WatchOwners;

/**
 * Remote JMX connections as owners of the watches made over them: each connection's Subject
 * carries a {@link ConnectionPrincipal} (so an operation knows its caller's connection), and
 * when the connector server reports a connection closed or failed, its watches end.
 *
 * <p>How the end is seen: a client's {@code close()} reaches the server at once. A client that
 * dies without it (SIGKILL, a crash, a network cut) is noticed by the connector's connection
 * timeout ({@code jmx.remote.x.server.connection.timeout}): the server ends a connection that
 * made no call for that long. Live JDK clients call at least once a minute (their connection
 * check, {@code jmx.remote.x.client.connection.check.period}, 60 s), so the timeout must be
 * longer than a minute: {@code jmx.connectionTimeoutSeconds}. A notification listener's fetch
 * counts as a call while the server holds it, which it does at most that timeout too; so a dead
 * client is noticed within the timeout after its last call, twice that with a listener. RMI's
 * distributed GC would also close the connection ({@code unreferenced}), but only after its
 * lease, 10 minutes.
 *
 * <p>Threads: the connector server's notification listener runs on the thread that ended the
 * connection (the client's close, or the connection's timeout thread).
 */
final class ClientConnections {
    private final JMXConnectorServer server;
    private volatile NotificationListener ends;

    ClientConnections(JMXConnectorServer server) {
        this.server = server;
    }

    /**
     * The RMI server object of the connector, which identifies each connection it makes and makes
     * it a {@link BatchingConnection} that batches for {@code batchNanos}. Exported as the JDK's
     * own {@code makeClient} does: on the server's port and socket factories, with the server's
     * deserialization filter ({@code jmx.remote.rmi.server.serial.filter.pattern}) on every call,
     * and inside an application without holding its JVM up ({@link RmiExports}).
     */
    static RMIJRMPServerImpl identifying(int port, RMIClientSocketFactory csf, RMIServerSocketFactory ssf,
            Map<String, ?> env, long batchNanos) throws IOException {
        Object pattern = env.get(RMIConnectorServer.SERIAL_FILTER_PATTERN);
        ObjectInputFilter filter = pattern instanceof String p && !p.isEmpty()
                ? ObjectInputFilter.Config.createFilter(p) : null;
        return new RMIJRMPServerImpl(port, csf, ssf, env) {
            @Override
            protected RMIConnection makeClient(String connectionId, Subject subject) throws IOException {
                RMIConnection client = new BatchingConnection(this, connectionId, getDefaultClassLoader(),
                        ConnectionPrincipal.identify(subject, connectionId), env, batchNanos);
                RmiExports.export(client, port, csf, ssf, filter);
                return client;
            }
        };
    }

    /** From now on, watches made over a connection end when it closes or fails; each end that ended watches is logged. */
    void ownWatches(WatchOwners owners, Consumer<String> log) {
        // the server drops an ending connection from its ids before it notifies: see WatchOwners
        owners.addKind(WatchOwners.JMX, () -> Set.of(server.getConnectionIds()));
        server.addNotificationListener(ends = (Notification n, Object handback) -> {
            if (n instanceof JMXConnectionNotification c && (JMXConnectionNotification.CLOSED.equals(c.getType())
                    || JMXConnectionNotification.FAILED.equals(c.getType()))) {
                List<Watch> ended = owners.ended(new WatchOwners.Owner(WatchOwners.JMX, c.getConnectionId()));
                if (!ended.isEmpty()) {
                    log.accept("JMX connection " + c.getConnectionId() + " "
                            + (JMXConnectionNotification.CLOSED.equals(c.getType()) ? "closed" : "failed")
                            + ": its watches ended: " + ids(ended));
                }
            }
        }, null, null);
    }

    /** Before the server stops: the connections it closes then end no watches (the agent is stopping). */
    void close() {
        NotificationListener l = ends;
        if (l != null) {
            try {
                server.removeNotificationListener(l);
            } catch (ListenerNotFoundException ignored) {
                // removed already
            }
        }
    }

    static String ids(List<Watch> watches) {
        StringBuilder b = new StringBuilder();
        for (Watch w : watches) {
            b.append(b.length() == 0 ? "" : ", ").append(w.id());
        }
        return b.toString();
    }
}
