package org.taskwatch.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.taskwatch.jolokia.Users;

/**
 * {@code jolokia.user} and {@code jolokia.password}: one read-write user, for Jolokia alone
 * (without {@code jmx.passwordFile}, which would serve both endpoints).
 */
final class SingleUser implements Users {
    private final String user;
    private final byte[] password;
    private final FailedLogins failures;

    SingleUser(String user, String password, FailedLogins failures) {
        this.user = user;
        this.password = password.getBytes(StandardCharsets.UTF_8);
        this.failures = failures;
    }

    @Override
    public Access login(String name, String given, String via, String from) {
        // both compared in full, so the time taken does not tell which was wrong
        boolean nameOk = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.UTF_8));
        boolean passwordOk = MessageDigest.isEqual(password, given.getBytes(StandardCharsets.UTF_8));
        if (nameOk && passwordOk) {
            return Access.READ_WRITE;
        }
        failures.failed(via, name, from);
        return null;
    }
}
