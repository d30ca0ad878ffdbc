package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.OpenFiles;
import org.taskwatch.testing.ProcTree;

/**
 * {@link ProcFs} (and the {@link ProcFiles} reads under it) over a tree written by hand: what
 * each read answers is what the test wrote, and a process that is gone reads as nothing. Then
 * the pool under it: bounded, safe for many threads, closing its descriptors when idle or closed.
 */
class ProcFsTest {
    @TempDir
    Path dir;
    private ProcTree tree;
    private ProcFs proc;

    @BeforeEach
    void setUp() {
        tree = new ProcTree(dir);
        proc = ProcFs.at(dir);
    }

    @AfterEach
    void tearDown() {
        proc.close();
    }

    @Test
    void readsWhatTheTreeSays() {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30").threads(100, 101, 102);
        tree.write(200, 200, 100, 'R', 7000, 0, 0, "a) b (c", "/opt/a) b (c", "./a) b (c", "x");
        assertEquals("sleep", proc.comm(100));
        assertEquals("sleep 30", proc.cmdline(100), "NULs become spaces, the last one goes");
        assertEquals("/usr/bin/sleep", proc.exe(100), "the link's target");
        assertEquals(1, proc.ppid(100));
        assertEquals(1000, proc.uid(100));
        assertEquals(100, proc.tgid(100));
        assertEquals(5000, proc.startTime(100));
        assertEquals('S', proc.state(100));
        assertEquals(ExitStatus.UNKNOWN_WAIT_STATUS, proc.zombieWaitStatus(100), "not a zombie");
        assertTrue(proc.exists(100));
        assertEquals(Set.of(100, 101, 102), Set.copyOf(proc.tasks(100)));
        assertEquals(Set.of(100, 200), Set.copyOf(proc.pids()));

        // the fields after a comm that holds spaces and parentheses
        assertEquals("a) b (c", proc.comm(200));
        assertEquals(100, proc.ppid(200));
        assertEquals(0, proc.uid(200));
        assertEquals(7000, proc.startTime(200));
        assertEquals('R', proc.state(200));
    }

    @Test
    void aZombieTellsItsWaitStatus() {
        tree.zombie(300, 1, 9000, 3 << 8, "sh");
        assertEquals('Z', proc.state(300));
        assertEquals(3 << 8, proc.zombieWaitStatus(300));
        assertEquals(9000, proc.startTime(300));
        assertEquals("", proc.cmdline(300));
        assertNull(proc.exe(300), "no exe link");
    }

    @Test
    void aGoneProcessReadsAsNothing() {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30");
        assertEquals("sleep", proc.comm(100));
        tree.gone(100);
        for (int pid : new int[] {100, 0, -1, Integer.MIN_VALUE}) {
            assertNull(proc.comm(pid));
            assertNull(proc.cmdline(pid));
            assertNull(proc.exe(pid));
            assertEquals(-1, proc.ppid(pid));
            assertEquals(-1, proc.uid(pid));
            assertEquals(-1, proc.tgid(pid));
            assertEquals(-1, proc.startTime(pid));
            assertEquals(0, proc.state(pid));
            assertEquals(ExitStatus.UNKNOWN_WAIT_STATUS, proc.zombieWaitStatus(pid));
            assertFalse(proc.exists(pid));
            assertEquals(List.of(), proc.tasks(pid));
        }
        assertEquals(List.of(), proc.pids());
    }

    @Test
    void aTreeThatIsNotThereReadsAsNothing() {
        try (ProcFs none = ProcFs.at(dir.resolve("absent"))) {
            assertNull(none.comm(1));
            assertEquals(-1, none.startTime(1));
            assertEquals(List.of(), none.pids());
            assertEquals(0, none.readersKept(), "nothing to keep");
        }
    }

    @Test
    void aLineThatDoesNotParseReadsAsNothing() throws Exception {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30");
        java.nio.file.Files.writeString(dir.resolve("100/stat"), "100 (sleep) S 1 2 3\n"); // cut short
        java.nio.file.Files.writeString(dir.resolve("100/status"), "Name:\tsleep\nUid:\tx\n");
        assertEquals(1, proc.ppid(100));
        assertEquals(-1, proc.startTime(100));
        assertEquals(-1, proc.uid(100));
        assertEquals(-1, proc.tgid(100));
        java.nio.file.Files.writeString(dir.resolve("100/stat"), "no comm here\n");
        assertEquals(0, proc.state(100));
        assertEquals(-1, proc.ppid(100));
    }

    @Test
    void manyThreadsReadAtOnceThroughABoundedNumberOfReaders() throws Exception {
        int processes = 50;
        for (int pid = 1; pid <= processes; pid++) {
            tree.process(pid, 1, 1000 + pid, "p" + pid, "/bin/p" + pid, "p" + pid, "--n=" + pid);
        }
        int threads = ProcFs.MAX_READERS * 2;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int round = 0; round < 20; round++) {
                        for (int pid = 1; pid <= processes; pid++) {
                            assertEquals("p" + pid, proc.comm(pid));
                            assertEquals("p" + pid + " --n=" + pid, proc.cmdline(pid));
                            assertEquals(1000 + pid, proc.startTime(pid));
                            assertTrue(proc.readersKept() <= ProcFs.MAX_READERS);
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(20 * processes, f.get());
            }
        } finally {
            pool.shutdown();
        }
        int open = OpenFiles.named(dir.toRealPath().toString());
        assertTrue(open >= 1 && open <= ProcFs.MAX_READERS, open + " descriptors of the tree kept");
    }

    @Test
    void closeReleasesEveryDescriptorAndReadsGoOn() throws Exception {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30");
        String root = dir.toRealPath().toString();
        assertEquals(0, OpenFiles.named(root), "nothing open before the first read");
        assertEquals("sleep", proc.comm(100));
        assertEquals(1, OpenFiles.named(root), "one reader kept, holding the tree open");
        proc.close();
        assertEquals(0, OpenFiles.named(root), "close released it");
        assertEquals(0, proc.readersKept());
        assertEquals("sleep", proc.comm(100), "usable after close");
        proc.close();
        assertEquals(0, OpenFiles.named(root));
    }

    @Test
    void anIdleReaderIsClosedOnItsOwn() throws Exception {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30");
        String root = dir.toRealPath().toString();
        try (ProcFs quick = new ProcFs(dir.toString(), Duration.ofMillis(200))) {
            assertEquals("sleep", quick.comm(100));
            assertEquals(1, OpenFiles.named(root));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (OpenFiles.named(root) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, OpenFiles.named(root), "evicted after 200 ms idle");
            assertEquals(0, quick.readersKept());
            assertEquals("sleep", quick.comm(100), "a later read opens one again");
        }
    }

    @Test
    void openFilesGivesTheCallerAReaderOfTheSameTree() {
        tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30");
        try (ProcFiles own = proc.openFiles()) {
            assertEquals("sleep", own.comm(100));
            assertEquals(new ProcFiles.Stat("sleep", 1), own.stat(100));
        }
        try (ProcFiles none = ProcFs.at(dir.resolve("absent")).openFiles()) {
            assertFalse(none.isOpen());
            assertNull(none.comm(100));
        }
    }
}
