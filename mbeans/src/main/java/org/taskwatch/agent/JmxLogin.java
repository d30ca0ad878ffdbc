package org.taskwatch.agent;

import java.rmi.server.RemoteServer;
import java.rmi.server.ServerNotActiveException;
import java.util.Set;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXPrincipal;
import javax.security.auth.Subject;
import org.taskwatch.jolokia.Users;

/**
 * Checks a JMX client's credentials (a {@code String[] {user, password}}, as JConsole sends)
 * against the agent's {@link Users}, which log a failure with the client's address. Called by
 * RMI on the client's connection thread, where {@link RemoteServer#getClientHost} names it.
 */
final class JmxLogin implements JMXAuthenticator {
    private final Users users;

    JmxLogin(Users users) {
        this.users = users;
    }

    @Override
    public Subject authenticate(Object credentials) {
        if (!(credentials instanceof String[] c) || c.length != 2 || c[0] == null || c[1] == null) {
            throw new SecurityException("Authentication failed: this agent wants a user name and password");
        }
        if (users.login(c[0], c[1], "JMX", clientHost()) == null) {
            throw new SecurityException("Authentication failed: wrong user or password");
        }
        return new Subject(true, Set.of(new JMXPrincipal(c[0])), Set.of(), Set.of());
    }

    private static String clientHost() {
        try {
            return RemoteServer.getClientHost();
        } catch (ServerNotActiveException e) {
            return "an unknown address";
        }
    }
}
