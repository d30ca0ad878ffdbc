package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.OpenFiles;
import org.taskwatch.testing.ProcTree;
import org.taskwatch.testing.Spawn;

/**
 * {@link ProcFiles} against the real /proc, checked with what the test itself set up (the
 * program, its arguments, its parent, the exit code) and with what Java's file API reads.
 */
class ProcFilesTest {
    private static final int SELF = (int) ProcessHandle.current().pid();
    private ProcFiles files;

    @BeforeEach
    void open() throws Exception {
        KernelTests.require(Files.isReadable(Path.of("/proc/self/stat")), "no /proc");
        files = ProcFiles.open("/proc");
    }

    @AfterEach
    void close() {
        if (files != null) {
            files.close();
        }
    }

    @Test
    void readsAChildAsItWasStarted() throws Exception {
        // "; :" keeps the shell from exec'ing sleep: the shell itself lives on
        Process p = Spawn.start("/bin/sh", "-c", "sleep 30; :", "two words");
        try {
            int pid = (int) p.pid();
            assertEquals("sh", files.comm(pid));
            assertEquals("/bin/sh -c sleep 30; : two words", files.cmdline(pid), "NULs become spaces, the last one goes");
            assertEquals(Path.of("/bin/sh").toRealPath().toString(), files.exe(pid));
            assertEquals(SELF, files.ppid(pid));
            assertEquals(new ProcFiles.Stat("sh", SELF), files.stat(pid));
            assertEquals(Files.readString(Path.of("/proc/" + pid + "/comm")).strip(), files.comm(pid));
            assertEquals(Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip(), files.cmdline(pid));
            assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString(), files.exe(pid));
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
    }

    @Test
    void findsTheParentPastACommWithParenthesesAndSpaces(@TempDir Path dir) throws Exception {
        Path odd = dir.resolve("a) b (c");
        Files.copy(Path.of("/bin/sleep"), odd, StandardCopyOption.COPY_ATTRIBUTES);
        Process p = Spawn.start(odd.toString(), "30");
        try {
            int pid = (int) p.pid();
            assertEquals("a) b (c", files.comm(pid));
            assertEquals(SELF, files.ppid(pid));
            assertEquals(new ProcFiles.Stat("a) b (c", SELF), files.stat(pid));
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
    }

    @Test
    void readsStatusStatAndTasksAsJavaReadsThem() throws Exception {
        Process p = Spawn.start("/bin/sh", "-c", "sleep 30; :");
        try {
            int pid = (int) p.pid();
            Path dir = Path.of("/proc/" + pid);
            assertEquals(pid, files.tgid(pid));
            assertEquals(((Number) Files.getAttribute(dir, "unix:uid")).intValue(), files.uid(pid), "the owner of /proc/PID");
            String stat = Files.readString(dir.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" "); // fields[0] is field 3
            assertEquals(Long.parseLong(fields[19]), files.startTime(pid));
            // alive: running, sleeping, or (on a busy machine, paging in) in disk sleep; not a zombie
            assertTrue("RSD".indexOf(files.state(pid)) >= 0, "alive: " + files.state(pid));
            assertEquals(ExitStatus.UNKNOWN_WAIT_STATUS, files.zombieWaitStatus(pid));
            assertTrue(files.exists(pid));
            assertEquals(List.of(pid), files.tasks(pid), "one thread, the leader");
            assertTrue(files.pids().containsAll(List.of(1, SELF, pid)));
            List<Integer> javaTasks;
            try (Stream<Path> t = Files.list(Path.of("/proc/self/task"))) {
                javaTasks = t.map(e -> Integer.parseInt(e.getFileName().toString())).toList();
            }
            List<Integer> mine = files.tasks(SELF);
            assertTrue(mine.contains(SELF), "the main thread's id is the pid");
            assertTrue(Math.abs(mine.size() - javaTasks.size()) <= 5, mine.size() + " threads, Java lists " + javaTasks.size());
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
        assertFalse(files.exists((int) p.pid()), "reaped");
        assertEquals(List.of(), files.tasks((int) p.pid()));
    }

    @Test
    void aZombieTellsTheExitCodeItsParentHasNotCollected() throws Exception {
        // sleep never waits for the shell's child that exits 3: it stays a zombie
        Process p = Spawn.start("/bin/sh", "-c", "sh -c 'exit 3' & exec sleep 30");
        try {
            int zombie = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (zombie < 0 && System.nanoTime() < deadline) {
                for (int pid : files.pids()) {
                    if (files.ppid(pid) == p.pid() && files.state(pid) == 'Z') {
                        zombie = pid;
                    }
                }
                Thread.sleep(20);
            }
            assertTrue(zombie > 0, "no zombie child of " + p.pid() + " within 30 s");
            assertEquals(3 << 8, files.zombieWaitStatus(zombie), "exit(3) as a wait status");
            assertEquals("", files.cmdline(zombie));
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
    }

    @Test
    void readsATreeWrittenByHand(@TempDir Path dir) throws Exception {
        new ProcTree(dir).process(42, 7, 123, "x y", "/bin/x", "x", "y").threads(42, 43);
        try (ProcFiles tree = ProcFiles.open(dir.toString())) {
            assertEquals("x y", tree.comm(42));
            assertEquals("x y", tree.cmdline(42));
            assertEquals("/bin/x", tree.exe(42));
            assertEquals(new ProcFiles.Stat("x y", 7), tree.stat(42));
            assertEquals(123, tree.startTime(42));
            assertEquals(List.of(42), tree.pids());
            assertEquals(java.util.Set.of(42, 43), java.util.Set.copyOf(tree.tasks(42)));
        }
    }

    @Test
    void aKernelThreadHasNoCommandLineAndNoExecutable() {
        int kthreadd = 2;
        KernelTests.require("kthreadd".equals(files.comm(kthreadd)), "pid 2 is not kthreadd (a pid namespace?)");
        assertEquals("", files.cmdline(kthreadd));
        assertNull(files.exe(kthreadd));
        assertEquals(0, files.ppid(kthreadd));
    }

    @Test
    void aGoneProcessReadsAsNothing() throws Exception {
        Process p = Spawn.sh("exit 0");
        Spawn.waitFor(p); // reaped: its pid is free (and very unlikely to be taken again this soon)
        int pid = (int) p.pid();
        assertNull(files.comm(pid));
        assertNull(files.cmdline(pid));
        assertNull(files.exe(pid));
        assertEquals(-1, files.ppid(pid));
        assertNull(files.stat(pid));
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertNull(files.comm(bad));
            assertEquals(-1, files.ppid(bad));
        }
    }

    @Test
    void aProcThatCannotBeOpenedReadsAsNothing() throws Exception {
        assertThrows(NativeException.class, () -> ProcFiles.open("/nonexistent-proc"));
        ProcFiles nothing = ProcFiles.openOrNothing("/nonexistent-proc");
        assertNull(nothing.comm(SELF));
        assertNull(nothing.cmdline(SELF));
        assertNull(nothing.exe(SELF));
        assertEquals(-1, nothing.ppid(SELF));
        nothing.close(); // harmless: it holds no descriptor
    }

    @Test
    void keepsNoDescriptorOpenButItsOwnAndNoneAfterClose() throws Exception {
        ProcFs.SYSTEM.close(); // its reader, opened by earlier tests in this JVM, holds /proc open too
        int descriptors = OpenFiles.count();
        assertEquals(1, OpenFiles.named("/proc"), "the reader holds /proc open");
        for (int i = 0; i < 100; i++) {
            files.comm(SELF);
            files.cmdline(SELF);
            files.exe(SELF);
            files.ppid(SELF);
        }
        assertEquals(descriptors, OpenFiles.count(), "every file read was closed");
        files.close();
        files.close(); // twice is harmless
        assertNull(files.comm(SELF), "a closed reader reads nothing");
        assertEquals(0, OpenFiles.named("/proc"), "close released the descriptor of /proc");
        files = null;
    }
}
