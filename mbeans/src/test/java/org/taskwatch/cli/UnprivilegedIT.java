package org.taskwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;

/**
 * Linux 6.6+ lets a process without CAP_NET_ADMIN listen to the proc connector: the packaged
 * jar, run as user nobody with no capabilities ({@code setpriv}), still sees a process exit 3,
 * and says what it loses without CAP_NET_ADMIN.
 */
class UnprivilegedIT {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(15);
    private static final String MARKER = "taskwatch-unprivileged-" + ProcessHandle.current().pid();

    /** The jar and its lib/ where user nobody can read them (the build tree may be under /root). */
    private static String readableJar(Path dir) throws java.io.IOException {
        Path jar = Path.of(org.taskwatch.agent.AgentProcess.jar().toString());
        Path lib = Files.createDirectories(dir.resolve("lib"));
        try (var deps = Files.list(jar.resolveSibling("lib"))) {
            for (Path d : deps.toList()) {
                Files.copy(d, lib.resolve(d.getFileName()));
            }
        }
        Path copy = Files.copy(jar, dir.resolve(jar.getFileName()));
        for (Path p : List.of(dir, lib)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return copy.toString();
    }

    @Test
    void nobodyReceivesEventsAndIsToldAboutTheBuffer(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelVersion.running().atLeast(6, 6), "unprivileged listening needs Linux 6.6+");
        KernelTests.require(KernelTests.isRoot(), "switching to user nobody needs root");
        KernelTests.require(new File("/usr/bin/setpriv").canExecute() || new File("/bin/setpriv").canExecute(),
                "setpriv (util-linux) missing");
        List<String> cmd = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--",
                org.taskwatch.agent.AgentProcess.java(), "-jar", readableJar(dir),
                // only our marked process: other load on the machine does not crowd the output
                "events", "--json", "--types", "exit", "--command", MARKER);
        Process tw = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        OutputLines lines = OutputLines.of(tw.getInputStream());
        try {
            lines.await("note: receive buffer", WAIT); // the CLI runs, its watch is in place
            int uid = org.taskwatch.kernel.ProcFs.SYSTEM.uid((int) tw.pid()); // setpriv exec'd java: same pid
            assertEquals(65534, uid, "runs as nobody");
            Process p = Spawn.start("/bin/sh", "-c", "sleep 0.3; exit 3", MARKER); // $0: the marker; alive while /proc is read at exec
            assertEquals(3, Spawn.waitFor(p));
            String exit = lines.await("\"pid\":" + p.pid() + ",", WAIT);
            assertTrue(exit.contains("\"exitCode\":3,"), exit);
            String note = lines.await("note: receive buffer", WAIT);
            long rmemMax = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/net/core/rmem_max")).get(0).trim());
            assertTrue(note.contains("note: receive buffer " + rmemMax / 1024 + " KiB of the 8192 KiB asked"
                    + " (net.core.rmem_max, no CAP_NET_ADMIN)"), "what was asked and what was granted (rmem_max " + rmemMax + "): " + note);
            // taskstats, which names processes gone before their exec is read, needs CAP_NET_ADMIN
            String names = lines.await("note: exit names", WAIT);
            assertTrue(names.contains("exit names none (") && names.contains("CAP_NET_ADMIN")
                    && names.contains("command watches miss"), names);
        } finally {
            tw.destroy();
            assertTrue(tw.waitFor(15, TimeUnit.SECONDS));
        }
        assertEquals(0, tw.exitValue(), "clean stop on SIGTERM: " + lines.lines());
    }
}
