package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a reload (SIGHUP) says about settings it cannot apply, on an agent in this JVM (the /proc
 * poller, no endpoints, a private MBeanServer). The settings that need a restart are those in
 * which the file differs from what the agent started with: a pending restart is said on every
 * reload until the file matches again (it was once compared with the previous reload's file, so
 * a second reload forgot it and restoring the file reported a change).
 */
class AgentReloadTest {
    private static final String BASE = "source = procfs\njmx.enabled = false\njolokia.enabled = false\n";
    private static final String PENDING = "; changed settings that need a restart: maxWatches";

    @TempDir
    Path dir;

    /** The file as the agent reads it on SIGHUP (no flags here). */
    private static AgentConfig read(Path f) throws IOException {
        return AgentConfig.defaults().withFile(f);
    }

    @Test
    void aPendingRestartIsSaidOnEveryReloadUntilTheFileMatchesWhatRuns() throws Exception {
        Path f = Files.writeString(dir.resolve("taskwatch.properties"), BASE);
        try (Agent agent = Agent.start(read(f), MBeanServerFactory.newMBeanServer())) {
            Files.writeString(f, BASE + "maxWatches = 500\n");
            for (int i = 1; i <= 2; i++) { // the second time the file is the same: the restart is still pending
                String line = agent.reload(read(f));
                assertTrue(line.startsWith("reloaded " + f) && line.endsWith(PENDING), "reload " + i + ": " + line);
                assertEquals(line, agent.monitor().services().configStatus(), "reload " + i + ": the ConfigStatus");
            }

            Files.writeString(f, BASE); // back to what runs: nothing pending
            String line = agent.reload(read(f));
            assertFalse(line.contains("need a restart"), line);
            assertFalse(agent.monitor().services().configStatus().contains("need a restart"));
        }
    }
}
