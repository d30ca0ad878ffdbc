package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A declared watch the monitor refuses, which only starting the agent finds (the file itself is
 * well formed), on an agent in this JVM (the /proc poller, no endpoints, a private MBeanServer):
 * the message names the file, as every other error of the file does (it once named only the
 * key). The same happens on a reload, which then changes nothing.
 */
class AgentStartTest {
    private static final String BASE = "source = procfs\njmx.enabled = false\njolokia.enabled = false\n";

    @TempDir
    Path dir;

    @Test
    void moreDeclaredWatchesThanMaxWatchesNamesTheFile() throws Exception {
        Path f = Files.writeString(dir.resolve("taskwatch.properties"), BASE + "maxWatches = 1\n"
                + "watch.a.match = command:^a-none$\nwatch.b.match = command:^b-none$\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Agent.start(AgentConfig.defaults().withFile(f), MBeanServerFactory.newMBeanServer()).close());
        assertTrue(e.getMessage().startsWith("config file " + f + ": watch.b.match: too many watches: the limit is 1"),
                e.getMessage());
    }

    @Test
    void aUnitOnAMachineNotRunBySystemdNamesTheFile() throws Exception {
        assumeFalse(Files.isDirectory(Path.of("/run/systemd/system")), "run by systemd: a unit watch is accepted");
        Path f = Files.writeString(dir.resolve("taskwatch.properties"), BASE
                + "watch.web.match = unit:taskwatch-test-none.service\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Agent.start(AgentConfig.defaults().withFile(f), MBeanServerFactory.newMBeanServer()).close());
        // "not run by systemd", or, without cgroups, that reason: the same path either way
        assertTrue(e.getMessage().startsWith("config file " + f + ": watch.web.match: unit:taskwatch-test-none.service: "),
                e.getMessage());
    }

    @Test
    void aReloadTheMonitorRefusesNamesTheFileAndChangesNothing() throws Exception {
        Path f = Files.writeString(dir.resolve("taskwatch.properties"), BASE + "maxWatches = 1\n"
                + "watch.a.match = command:^a-none$\n");
        try (Agent agent = Agent.start(AgentConfig.defaults().withFile(f), MBeanServerFactory.newMBeanServer())) {
            Files.writeString(f, BASE + "maxWatches = 1\nwatch.a.match = command:^a-none$\nwatch.b.match = command:^b-none$\n");
            String line = agent.reload(AgentConfig.defaults().withFile(f));
            assertTrue(line.contains("failed, nothing changed") && line.endsWith("): config file " + f
                    + ": watch.b.match: too many watches: the limit is 1 (setting maxWatches); remove some with unwatch(id)"),
                    line);
        }
    }
}
