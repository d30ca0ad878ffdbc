package org.taskwatch.agent;

import java.io.IOException;

/** The packaged jar and the java command, for integration tests in other packages. */
public final class AgentProcessAccess {
    private AgentProcessAccess() {}

    public static String jar() throws IOException {
        return AgentProcess.jar().toString();
    }

    public static String java() {
        return AgentProcess.java();
    }
}
