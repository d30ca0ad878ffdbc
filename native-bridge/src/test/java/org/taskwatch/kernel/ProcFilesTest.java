package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.OpenFiles;
import org.taskwatch.testing.Spawn;

/**
 * {@link ProcFiles} against the real /proc, checked with what the test itself set up (the
 * program, its arguments, its parent) and with {@link ProcFs} (Java's file API, a separate reader).
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
            assertEquals(ProcFs.SYSTEM.comm(pid), files.comm(pid));
            assertEquals(ProcFs.SYSTEM.cmdline(pid), files.cmdline(pid));
            assertEquals(ProcFs.SYSTEM.exe(pid), files.exe(pid));
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
