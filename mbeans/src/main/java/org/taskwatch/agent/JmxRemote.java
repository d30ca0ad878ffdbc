package org.taskwatch.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.rmi.ssl.SslRMIClientSocketFactory;

/**
 * A JMX RMI connector server whose registry and server share one port on one address, so a
 * single firewall hole (or an SSH tunnel) reaches it: {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi}.
 * Optional users ({@link PasswordUsers}: the JDK's password and access file formats, failed logins
 * logged, read-only users allowed operations of impact INFO) and TLS for both registry and server.
 *
 * <p>Deserialization from clients is limited twice: credentials may only be strings, and every
 * other argument only JMX's own types, primitives' wrappers and java.util collections
 * ({@link #SERIAL_FILTER}); anything else is refused before it is instantiated.
 */
public final class JmxRemote implements AutoCloseable {
    /** What clients may send: the types of JMX operations, attributes, queries and filters. */
    static final String SERIAL_FILTER = "maxdepth=32;maxarray=1048576;maxrefs=100000;"
            + "java.lang.*;java.math.*;java.util.*;javax.management.**;java.rmi.MarshalledObject;"
            // addNotificationListeners sends a Subject[] (of nulls unless delegating)
            + "javax.security.auth.Subject;!*";

    static final String NOTIFICATION_BUFFER = "16384";

    private final RMIConnectorServer server;
    private final Registry registry;
    private final String url;
    private final ClientConnections connections;

    private JmxRemote(RMIConnectorServer server, Registry registry, String url) {
        this.server = server;
        this.registry = registry;
        this.url = url;
        this.connections = new ClientConnections(server);
    }

    /** Plain and unauthenticated on {@code host:port}; port 0 picks a free one. */
    public static JmxRemote start(MBeanServer mbs, String host, int port) throws IOException {
        return start(mbs, JmxSettings.plain(host, port));
    }

    /**
     * Starts serving {@code mbs} to everyone who reaches it (no authentication).
     *
     * @throws IOException when the port is taken (the message names host and port) or the key
     *     store cannot be read
     */
    public static JmxRemote start(MBeanServer mbs, JmxSettings s) throws IOException {
        return start(mbs, s, null);
    }

    /**
     * Starts serving {@code mbs} to the users of {@code users}, with their access rules.
     *
     * @param users the users of the password file, or null for no authentication
     * @throws IOException when the port is taken (the message names host and port) or the key
     *     store cannot be read
     */
    static JmxRemote start(MBeanServer mbs, JmxSettings s, PasswordUsers users) throws IOException {
        InetAddress bind = InetAddress.getByName(s.host());
        RMIServerSocketFactory serverSockets;
        RMIClientSocketFactory clientSockets = null;
        if (s.tls()) {
            serverSockets = new BoundServerSocketFactory(bind, ServerTls.of(s.keyStore(), s.keyStorePassword(), "jmx.ssl.keyStore"), s.needClientAuth());
            clientSockets = new SslRMIClientSocketFactory();
        } else {
            serverSockets = new BoundServerSocketFactory(bind, null, false);
        }
        int port = s.port();
        if (port == 0) {
            try (ServerSocket probe = new ServerSocket(0, 1, bind)) {
                port = probe.getLocalPort();
            }
        }
        Registry registry;
        try {
            registry = LocateRegistry.createRegistry(port, clientSockets, serverSockets);
        } catch (java.rmi.server.ExportException e) {
            throw new IOException("JMX port " + s.host() + ":" + port + " is not available (in use?): " + e.getCause(), e);
        }
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, serverSockets);
        if (clientSockets != null) {
            env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, clientSockets);
        }
        // credentials may only be a String[] (user, password): nothing else is deserialized
        env.put("jmx.remote.rmi.server.credentials.filter.pattern", "java.lang.String;!*");
        env.put("jmx.remote.rmi.server.serial.filter.pattern", SERIAL_FILTER);
        // notifications kept for remote clients to fetch (the JDK's default, 1000, is a
        // fraction of a second of a fork storm); a client that falls further behind gets NOTIFS_LOST
        env.put("jmx.remote.x.notification.buffer.size", NOTIFICATION_BUFFER);
        // a client gone without closing (killed, cut off) is noticed after this long without a call
        env.put("jmx.remote.x.server.connection.timeout", Long.toString(s.connectionTimeoutSeconds() * 1000L));
        // the connector's server object exported as the JDK's own agent exports it: it does not keep
        // the JVM alive (inside an application, its main returning ends it); connections: RmiExports
        env.put("jmx.remote.x.daemon", "true");
        if (users != null) {
            env.put(JMXConnectorServer.AUTHENTICATOR, new JmxLogin(users));
        }
        // no JNDI: the stub goes straight into our own registry object, as the JDK's own agent
        // does (a JNDI bind would connect to the registry over the network, through TLS too)
        String url = "service:jmx:rmi://" + s.host() + ":" + port;
        RMIJRMPServerImpl rmiServer = ClientConnections.identifying(port, clientSockets, serverSockets, env,
                TimeUnit.MILLISECONDS.toNanos(s.notificationBatchMillis()));
        RMIConnectorServer server = new RMIConnectorServer(new JMXServiceURL(url), env, rmiServer, mbs);
        server.setMBeanServerForwarder(ConnectorBuffers.forwarder());
        if (users != null && users.restricted()) { // in front of it: every client call is checked first
            server.setMBeanServerForwarder(AccessForwarder.create(users));
        }
        try {
            server.start();
            registry.bind("jmxrmi", rmiServer.toStub());
        } catch (IOException | RuntimeException | java.rmi.AlreadyBoundException e) {
            try {
                server.stop();
            } catch (IOException ignored) {
                // failing anyway
            }
            UnicastRemoteObject.unexportObject(registry, true);
            throw e instanceof IOException io ? io : new IOException("JMX: " + e.getMessage(), e);
        }
        return new JmxRemote(server, registry, "service:jmx:rmi:///jndi/rmi://" + s.host() + ":" + port + "/jmxrmi");
    }

    /** The remote clients' connections, which own the watches made over them. */
    ClientConnections connections() {
        return connections;
    }

    /** The URL clients use. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        connections.close();
        try {
            server.stop();
        } catch (IOException ignored) {
            // stopping anyway
        }
        try {
            UnicastRemoteObject.unexportObject(registry, true);
        } catch (java.rmi.NoSuchObjectException ignored) {
            // not exported
        }
    }

    /**
     * Server sockets bound to one address (loopback by default), plain or TLS; equal by address
     * and TLS settings, which is what lets RMI share one port between registry and server.
     */
    private static final class BoundServerSocketFactory implements RMIServerSocketFactory {
        private final InetAddress address;
        private final SSLContext tls;
        private final boolean needClientAuth;

        BoundServerSocketFactory(InetAddress address, SSLContext tls, boolean needClientAuth) {
            this.address = address;
            this.tls = tls;
            this.needClientAuth = needClientAuth;
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            if (tls == null) {
                return new ServerSocket(port, 50, address);
            }
            SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(port, 50, address);
            s.setNeedClientAuth(needClientAuth);
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BoundServerSocketFactory f && f.address.equals(address) && f.tls == tls
                    && f.needClientAuth == needClientAuth;
        }

        @Override
        public int hashCode() {
            return address.hashCode();
        }
    }
}
