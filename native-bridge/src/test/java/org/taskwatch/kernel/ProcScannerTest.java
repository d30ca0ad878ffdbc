package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * {@link ProcScanner} against the real /proc, checked with what Java (its process API, and its
 * file API as a separate reader of /proc) says; and its stat parser on lines built by hand.
 */
class ProcScannerTest {
    private static final int SELF = (int) ProcessHandle.current().pid();
    private ProcScanner scanner;

    @BeforeEach
    void open() throws Exception {
        KernelTests.require(Files.isReadable(Path.of("/proc/self/stat")), "no /proc");
        scanner = new ProcScanner("/proc");
    }

    @AfterEach
    void close() {
        if (scanner != null) {
            scanner.close();
        }
    }

    @Test
    void seesThisJvmAndAChildItStarted() throws Exception {
        Process p = Spawn.start("/bin/sleep", "5");
        try {
            int child = (int) p.pid();
            ProcSnapshot s = new ProcSnapshot(16);
            scanner.scan(null, s);
            int me = s.slotOf(SELF);
            assertTrue(me >= 0, "this JVM is in the scan");
            assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L).intValue(), s.ppid(me));
            assertEquals(javaStartTime(SELF), s.startTime(me));
            int c = s.slotOf(child);
            assertTrue(c >= 0, "the child is in the scan");
            assertEquals(SELF, s.ppid(c), "its parent is this JVM");
            assertEquals(javaStartTime(child), s.startTime(c));
            assertTrue(ProcSnapshot.newProgram(s, me, s, c), "sleep runs another program than java");
            assertFalse(ProcSnapshot.newProgram(s, c, s, c));
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
    }

    @Test
    void listsWhatJavaListsBarringProcessesThatCameOrWent() throws Exception {
        ProcSnapshot s = new ProcSnapshot(16);
        scanner.scan(null, s);
        long javaCount;
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            javaCount = entries.filter(e -> e.getFileName().toString().matches("[0-9]+")).count();
        }
        assertTrue(Math.abs(javaCount - s.size()) <= 20, "scan " + s.size() + " vs Files.list " + javaCount);
        assertTrue(s.slotOf(1) >= 0, "pid 1");
    }

    @Test
    void aGoneProcessIsGoneNotUnreadable() throws Exception {
        Process p = Spawn.sh("exit 0");
        Spawn.waitFor(p); // reaped: its pid is free (and very unlikely to be taken again this soon)
        ProcSnapshot s = new ProcSnapshot(16);
        assertEquals(ProcScanner.READ_GONE, scanner.readStat((int) p.pid(), s));
        assertEquals(0, s.size());
    }

    @Test
    void anUnreadableProcessIsCarriedOverNotDropped() throws Exception {
        ProcSnapshot before = new ProcSnapshot(16);
        before.add(SELF, 1, 77, 0x1000, 0x2000, 5);
        ProcSnapshot now = new ProcSnapshot(16);
        scanner.close(); // every read fails now, and so does the listing
        try {
            scanner.scan(before, now);
            throw new AssertionError("listing a closed /proc fd must fail");
        } catch (NativeException expected) {
            assertEquals(Errno.EBADF, expected.errno());
        }
        assertEquals(ProcScanner.READ_FAILED, scanner.readStat(SELF, now));
    }

    @Test
    void parsesACommWithSpacesAndParentheses() {
        ProcSnapshot s = new ProcSnapshot(4);
        String line = "4242 (a) (b c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 5000 300"
                + " 18446744073709551615 94013784195072 94013784271801 140737 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        assertTrue(parse(line, 4242, s));
        int slot = s.slotOf(4242);
        assertEquals(17, s.ppid(slot));
        assertEquals(123456, s.startTime(slot));
        ProcSnapshot other = new ProcSnapshot(4);
        assertTrue(parse(line.replace("(a) (b c)", "(a) (b d)"), 4242, other));
        assertFalse(ProcSnapshot.newProgram(s, slot, other, 0), "visible text, same place: a rename, not an exec");
    }

    @Test
    void hiddenTextMakesTheNameDecide() {
        String line = "9 (sh) S 1 9 9 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 777 5000 300 18446744073709551615 1 1 1\n";
        ProcSnapshot a = new ProcSnapshot(4);
        ProcSnapshot b = new ProcSnapshot(4);
        assertTrue(parse(line, 9, a));
        assertTrue(parse(line.replace("(sh)", "(sleep)"), 9, b));
        assertTrue(ProcSnapshot.newProgram(a, 0, b, 0));
    }

    @Test
    void rejectsWhatIsNotAStatLine() {
        ProcSnapshot s = new ProcSnapshot(4);
        assertFalse(parse("", 1, s));
        assertFalse(parse("1 (init S 0", 1, s));
        assertFalse(parse("1 (init) S 0 1 1", 1, s), "too few fields");
        assertFalse(parse("1 (init) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 0 1 2\n", 1, s), "ppid not a number");
        assertEquals(0, s.size());
    }

    @Test
    void scanningAnUnchangedListAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ProcSnapshot a = new ProcSnapshot(16);
        ProcSnapshot b = new ProcSnapshot(16);
        ProcChanges changes = new ProcChanges();
        ProcChanges.Listener ignore = new ProcChanges.Listener() {
            @Override public void fork(int parent, int grandparent, int child, long childStartTime) { }
            @Override public void exec(int pid, int ppid) { }
            @Override public void exit(int pid, int ppid, long startTime) { }
        };
        for (int i = 0; i < 200; i++) { // warm up; let the arrays reach their size
            scanner.scan(a, b);
            changes.compare(a, b, ignore);
            ProcSnapshot t = a;
            a = b;
            b = t;
        }
        int rounds = 500;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            scanner.scan(a, b);
            changes.compare(a, b, ignore);
            ProcSnapshot t = a;
            a = b;
            b = t;
        }
        long perScan = (threads.getCurrentThreadAllocatedBytes() - before) / rounds;
        // other processes come and go meanwhile (this machine is shared): a rare growth is allowed
        assertTrue(perScan < 64, "bytes allocated per scan of " + a.size() + " processes: " + perScan);
    }

    private static boolean parse(String line, int pid, ProcSnapshot into) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        b.put(bytes);
        return ProcScanner.parseStat(b, bytes.length, pid, into);
    }

    /** Field 22 of /proc/PID/stat, read and split with Java's file API (not the reader under test). */
    private static long javaStartTime(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ")[19]);
    }
}
