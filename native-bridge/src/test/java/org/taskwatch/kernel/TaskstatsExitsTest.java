package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/** Process names at exit from taskstats: hand-built records for the decoder, real exits for the rest. */
class TaskstatsExitsTest {
    private static final int FAMILY = 31;

    /** A record datagram as Linux 6.18 sends it (596 bytes, taskstats version 16). */
    private static ByteBuffer record(int family, int pid, int tgid, String comm) {
        ByteBuffer b = ByteBuffer.allocate(596).order(ByteOrder.nativeOrder());
        b.putInt(0, 596);
        b.putShort(4, (short) family);
        b.put(16, (byte) TaskstatsExits.TASKSTATS_CMD_NEW);
        b.put(17, (byte) 1);
        b.putShort(20, (short) 576);
        b.putShort(22, (short) TaskstatsExits.TYPE_AGGR_PID);
        b.putShort(24, (short) 8);
        b.putShort(26, (short) TaskstatsExits.TYPE_PID);
        b.putInt(TaskstatsExits.PID_AT, pid);
        b.putShort(32, (short) 564);
        b.putShort(34, (short) TaskstatsExits.TYPE_STATS);
        b.putShort(TaskstatsExits.STATS_AT, (short) 16); // version
        byte[] c = comm.getBytes(StandardCharsets.UTF_8);
        b.put(TaskstatsExits.COMM_AT, c, 0, Math.min(c.length, TaskstatsExits.COMM_LEN));
        b.putInt(TaskstatsExits.TGID_AT, tgid);
        return b;
    }

    @Test
    void aLeadersRecordGivesItsPid() {
        ByteBuffer b = record(FAMILY, 4321, 4321, "backup.sh");
        assertEquals(4321, TaskstatsExits.leaderExit(b, 0, 596, FAMILY));
    }

    @Test
    void threadsOtherFamiliesAndShortOrOddDatagramsAreNotRecords() {
        assertEquals(-1, TaskstatsExits.leaderExit(record(FAMILY, 4322, 4321, "worker"), 0, 596, FAMILY), "a thread");
        assertEquals(-1, TaskstatsExits.leaderExit(record(FAMILY + 1, 4321, 4321, "x"), 0, 596, FAMILY), "family");
        assertEquals(-1, TaskstatsExits.leaderExit(record(FAMILY, 4321, 4321, "x"), 0, TaskstatsExits.TGID_AT + 3,
                FAMILY), "cut before ac_tgid");
        ByteBuffer shortHeader = record(FAMILY, 4321, 4321, "x");
        shortHeader.putInt(0, 100);
        assertEquals(-1, TaskstatsExits.leaderExit(shortHeader, 0, 596, FAMILY), "nlmsg_len too short");
        ByteBuffer tgidAggregate = record(FAMILY, 4321, 4321, "x");
        tgidAggregate.putShort(22, (short) 5); // AGGR_TGID
        assertEquals(-1, TaskstatsExits.leaderExit(tgidAggregate, 0, 596, FAMILY), "not AGGR_PID");
        ByteBuffer reply = record(FAMILY, 4321, 4321, "x");
        reply.put(16, (byte) TaskstatsExits.TASKSTATS_CMD_GET);
        assertEquals(-1, TaskstatsExits.leaderExit(reply, 0, 596, FAMILY), "not CMD_NEW");
        assertEquals(-1, TaskstatsExits.leaderExit(record(FAMILY, 0, 0, "x"), 0, 596, FAMILY), "pid 0");
        ByteBuffer zeros = ByteBuffer.allocate(596).order(ByteOrder.nativeOrder());
        assertEquals(-1, TaskstatsExits.leaderExit(zeros, 0, 596, FAMILY), "all zeros");
    }

    @Test
    void theRealExitOfAProcessGivesItsName(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelTests.isRoot(), "taskstats needs CAP_NET_ADMIN");
        String name = "twts" + ProcessHandle.current().pid() % 100000; // a comm no other process has
        Path shell = dir.resolve(name);
        Files.copy(Path.of("/bin/sh"), shell, StandardCopyOption.COPY_ATTRIBUTES);
        try (TaskstatsExits t = TaskstatsExits.open()) {
            Process p = Spawn.start(shell.toString(), "-c", "exit 3");
            int pid = (int) p.pid();
            assertEquals(3, Spawn.waitFor(p));
            String comm = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (comm == null && System.nanoTime() < deadline) {
                t.drain();
                comm = t.takeComm(pid);
                if (comm == null) {
                    Thread.sleep(10);
                }
            }
            assertEquals(name, comm, "the name the kernel had for " + pid);
            assertNull(t.takeComm(pid), "taken once");
            assertTrue(t.records() > 0);
        }
    }

    @Test
    void theProbeSaysRootMayListen() {
        KernelTests.require(KernelTests.isRoot(), "taskstats needs CAP_NET_ADMIN");
        assertNull(TaskstatsExits.probe(), "root in the initial namespaces may register");
    }
}
