package org.taskwatch.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

/**
 * A JMX RMI connector server whose registry and server share one port on one address, so a
 * single firewall hole (or an SSH tunnel) reaches it: {@code service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi}.
 * Only the classes JMX needs may be deserialized from clients (a serial filter on credentials).
 */
public final class JmxRemote implements AutoCloseable {
    private final JMXConnectorServer server;
    private final Registry registry;
    private final String url;

    private JmxRemote(JMXConnectorServer server, Registry registry, String url) {
        this.server = server;
        this.registry = registry;
        this.url = url;
    }

    /** Starts on {@code host:port}; port 0 picks a free one. */
    public static JmxRemote start(MBeanServer mbs, String host, int port) throws IOException {
        InetAddress bind = InetAddress.getByName(host);
        RMIServerSocketFactory sockets = new BoundServerSocketFactory(bind);
        if (port == 0) {
            try (ServerSocket probe = new ServerSocket(0, 1, bind)) {
                port = probe.getLocalPort();
            }
        }
        Registry registry;
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
        } catch (java.rmi.server.ExportException e) {
            throw new IOException("JMX port " + host + ":" + port + " is not available (in use?): " + e.getCause(), e);
        }
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        // credentials may only be a String[] (user, password): nothing else is deserialized
        env.put("jmx.remote.rmi.server.credentials.filter.pattern", "java.lang.String;!*");
        String url = "service:jmx:rmi://" + host + ":" + port + "/jndi/rmi://" + host + ":" + port + "/jmxrmi";
        JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL(url), env, mbs);
        try {
            server.start();
        } catch (IOException e) {
            UnicastRemoteObject.unexportObject(registry, true);
            throw e;
        }
        return new JmxRemote(server, registry, "service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi");
    }

    /** The URL clients use. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
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

    /** Server sockets bound to one address (loopback by default), equal by address for RMI's port sharing. */
    private static final class BoundServerSocketFactory implements RMIServerSocketFactory {
        private final InetAddress address;

        BoundServerSocketFactory(InetAddress address) {
            this.address = address;
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BoundServerSocketFactory f && f.address.equals(address);
        }

        @Override
        public int hashCode() {
            return address.hashCode();
        }
    }
}
