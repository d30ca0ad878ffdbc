package org.taskwatch.jolokia;

/**
 * Who may use the agent's endpoints, and how far: one answer for JMX and Jolokia, so that
 * turning authentication on closes both doors. Implementations are called from the HTTP
 * server's threads and from RMI's at once.
 */
public interface Users {
    /** What an authenticated user may do. */
    enum Access {
        /** Read attributes, list, search, subscribe to notifications, and call operations whose impact is INFO. */
        READ_ONLY,
        /** Everything the endpoints' policy allows. */
        READ_WRITE
    }

    /**
     * Checks a user name and password.
     *
     * @param via the endpoint asked ("JMX", "Jolokia"), for the log of failed logins
     * @param from the client's address, for the same log
     * @return what the user may do, or null when the name or password is wrong (the
     *     implementation logs the failure)
     */
    Access login(String user, String password, String via, String from);
}
