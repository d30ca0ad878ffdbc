package org.taskwatch.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.taskwatch.jolokia.Users;

/**
 * The users of {@code jmx.passwordFile} with their access from {@code jmx.accessFile}: the one
 * set of users for JMX and Jolokia. Both files are in the JDK's formats
 * ({@code jmxremote.password}, {@code jmxremote.access}), and passwords are checked by the JDK's
 * own login module for that file (through JAAS), so a file the JDK agent accepts is accepted
 * here, plain or hashed. As the JDK agent does, a password file that anyone but its owner may
 * read or write is refused. Access lines: {@code user readonly} or {@code user readwrite}, the
 * latter optionally followed by {@code create CLASS-PATTERN,...} and {@code unregister}.
 *
 * <p>Threads: immutable once loaded (the password file is read by the login module at each login).
 */
final class PasswordUsers implements Users {
    private static final String FILE_LOGIN_MODULE = "com.sun.jmx.remote.security.FileLoginModule";

    /** One line of the access file. */
    record Grant(Access access, List<Pattern> create, boolean unregister) {}

    private final Configuration jaas;
    private final Map<String, Grant> grants; // null: no access file, every user may do all
    private final FailedLogins failures;

    private PasswordUsers(Configuration jaas, Map<String, Grant> grants, FailedLogins failures) {
        this.jaas = jaas;
        this.grants = grants;
        this.failures = failures;
    }

    /**
     * @param accessFile the access file, or empty for none
     * @throws IOException when a file cannot be read, the password file may be read by others
     *     than its owner, or an access line is not understood (the message names file, line and fix)
     */
    static PasswordUsers load(String passwordFile, String accessFile, FailedLogins failures) throws IOException {
        Path p = Path.of(passwordFile);
        if (!Files.isReadable(p)) {
            throw new IOException("jmx.passwordFile: cannot read " + passwordFile);
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(p);
        } catch (UnsupportedOperationException e) {
            perms = Set.of(); // not a POSIX file system: nothing to check
        }
        for (PosixFilePermission perm : perms) {
            if (perm.name().startsWith("GROUP") || perm.name().startsWith("OTHERS")) {
                throw new IOException("jmx.passwordFile: " + passwordFile + " is open to others than its owner ("
                        + PosixFilePermissions.toString(perms) + "); like the JDK's own agent, taskwatch refuses it:"
                        + " chmod 600 " + passwordFile + " (owned by the user the agent runs as)");
            }
        }
        Map<String, String> options = Map.of("passwordFile", passwordFile, "hashPasswords", "false");
        AppConfigurationEntry[] entries = {new AppConfigurationEntry(FILE_LOGIN_MODULE,
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options)};
        Configuration jaas = new Configuration() {
            @Override
            public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                return entries;
            }
        };
        return new PasswordUsers(jaas, accessFile.isEmpty() ? null : grants(Path.of(accessFile)), failures);
    }

    private static Map<String, Grant> grants(Path file) throws IOException {
        Map<String, Grant> grants = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("jmx.accessFile: cannot read " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] t = line.split("\\s+");
            String where = "jmx.accessFile: " + file + " line " + (i + 1) + ": ";
            Access access = t.length < 2 ? null : t[1].equals("readonly") ? Access.READ_ONLY
                    : t[1].equals("readwrite") ? Access.READ_WRITE : null;
            if (access == null) {
                throw new IOException(where + "expected 'USER readonly' or 'USER readwrite', got '" + line + "'");
            }
            List<Pattern> create = List.of();
            boolean unregister = false;
            for (int k = 2; k < t.length; k++) {
                if (access == Access.READ_WRITE && t[k].equals("create") && k + 1 < t.length) {
                    create = classPatterns(t[++k]);
                } else if (access == Access.READ_WRITE && t[k].equals("unregister")) {
                    unregister = true;
                } else {
                    throw new IOException(where + "'" + t[k] + "' is not understood (readwrite may be followed by"
                            + " 'create CLASS-PATTERN,...' and 'unregister')");
                }
            }
            grants.put(t[0], new Grant(access, create, unregister));
        }
        return grants;
    }

    /** The JDK's class patterns: comma-separated, {@code *} for any characters. */
    private static List<Pattern> classPatterns(String spec) {
        return java.util.Arrays.stream(spec.split(","))
                .map(s -> Pattern.compile(Pattern.quote(s).replace("*", "\\E.*\\Q"))).toList();
    }

    @Override
    public Access login(String user, String password, String via, String from) {
        try {
            new LoginContext("taskwatch", new Subject(), callbacks -> answer(callbacks, user, password), jaas).login();
        } catch (LoginException e) {
            failures.failed(via, user, from);
            return null;
        }
        Grant g = grant(user);
        if (g == null) {
            failures.failed(via, user, from, "the password is right, but jmx.accessFile has no line for the user");
            return null;
        }
        return g.access();
    }

    /** What {@code user} may do, or null when the access file has no line for the user. */
    Grant grant(String user) {
        return grants == null ? new Grant(Access.READ_WRITE, List.of(Pattern.compile(".*")), true) : grants.get(user);
    }

    /** Whether there are access rules at all (without an access file every user may do all). */
    boolean restricted() {
        return grants != null;
    }

    private static void answer(Callback[] callbacks, String user, String password) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (c instanceof NameCallback n) {
                n.setName(user);
            } else if (c instanceof PasswordCallback p) {
                p.setPassword(password.toCharArray());
            } else {
                throw new UnsupportedCallbackException(c);
            }
        }
    }
}
