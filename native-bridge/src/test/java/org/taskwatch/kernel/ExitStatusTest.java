package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link ExitStatus}: decoding of the kernel's wait status (the {@code exit_code} of an exit
 * event), the texts taskwatch shows, the shell's status and signal names.
 */
class ExitStatusTest {
    @Test
    void normalExits() {
        assertEquals(new ExitStatus(0, 0, false), ExitStatus.fromWaitStatus(0));
        assertEquals(new ExitStatus(3, 0, false), ExitStatus.fromWaitStatus(0x300));
        assertEquals(new ExitStatus(1, 0, false), ExitStatus.fromWaitStatus(0x100));
        assertEquals(new ExitStatus(255, 0, false), ExitStatus.fromWaitStatus(0xFF00));
    }

    @Test
    void killedBySignal() {
        assertEquals(new ExitStatus(0, 9, false), ExitStatus.fromWaitStatus(0x9));
        assertEquals(new ExitStatus(0, 15, false), ExitStatus.fromWaitStatus(0xF));
        assertEquals(new ExitStatus(0, 11, true), ExitStatus.fromWaitStatus(0x8B));
        assertEquals(new ExitStatus(0, 6, true), ExitStatus.fromWaitStatus(0x86));
        assertEquals(new ExitStatus(0, 35, false), ExitStatus.fromWaitStatus(0x23));
    }

    @Test
    void accessors() {
        ExitStatus s = ExitStatus.fromWaitStatus(0x8B);
        assertEquals(0, s.exitCode());
        assertEquals(11, s.signal());
        assertTrue(s.coreDumped());
        assertFalse(ExitStatus.fromWaitStatus(0x300).coreDumped());
    }

    @Test
    void describe() {
        assertEquals("exit 0", ExitStatus.fromWaitStatus(0).describe());
        assertEquals("exit 3", ExitStatus.fromWaitStatus(0x300).describe());
        assertEquals("exit 255", ExitStatus.fromWaitStatus(0xFF00).describe());
        assertEquals("killed by SIGKILL", ExitStatus.fromWaitStatus(0x9).describe());
        assertEquals("killed by SIGTERM", ExitStatus.fromWaitStatus(0xF).describe());
        assertEquals("killed by SIGSEGV (core dumped)", ExitStatus.fromWaitStatus(0x8B).describe());
        assertEquals("killed by SIGABRT (core dumped)", ExitStatus.fromWaitStatus(0x86).describe());
        assertEquals("killed by SIGRTMIN+1", ExitStatus.fromWaitStatus(0x23).describe());
        assertEquals("exit 3", ExitStatus.fromWaitStatus(0x300).toString());
        assertEquals("killed by SIGSEGV (core dumped)", new ExitStatus(0, 11, true).toString());
    }

    @Test
    void shellStatus() {
        assertEquals(0, ExitStatus.fromWaitStatus(0).shellStatus());
        assertEquals(3, ExitStatus.fromWaitStatus(0x300).shellStatus());
        assertEquals(255, ExitStatus.fromWaitStatus(0xFF00).shellStatus());
        assertEquals(137, ExitStatus.fromWaitStatus(0x9).shellStatus());
        assertEquals(143, ExitStatus.fromWaitStatus(0xF).shellStatus());
        assertEquals(139, ExitStatus.fromWaitStatus(0x8B).shellStatus());
    }

    @Test
    void unknownIsSaidAsSuchAndNeverLooksLikeAnExit0() {
        ExitStatus u = ExitStatus.fromWaitStatus(ExitStatus.UNKNOWN_WAIT_STATUS);
        assertSame(ExitStatus.UNKNOWN, u);
        assertFalse(u.known());
        assertEquals(-1, u.exitCode());
        assertEquals(-1, u.signal());
        assertEquals(-1, u.shellStatus());
        assertEquals("exit status unknown", u.describe());
        assertTrue(ExitStatus.fromWaitStatus(0).known());
        assertTrue(ExitStatus.fromWaitStatus(0x9).known());
        assertTrue(ExitStatus.fromWaitStatus(0xFF8B).known(), "the largest status the kernel can give");
    }

    @Test
    void signalNames() {
        assertEquals("SIGHUP", ExitStatus.signalName(1));
        assertEquals("SIGINT", ExitStatus.signalName(2));
        assertEquals("SIGABRT", ExitStatus.signalName(6));
        assertEquals("SIGKILL", ExitStatus.signalName(9));
        assertEquals("SIGSEGV", ExitStatus.signalName(11));
        assertEquals("SIGPIPE", ExitStatus.signalName(13));
        assertEquals("SIGTERM", ExitStatus.signalName(15));
        assertEquals("SIGCHLD", ExitStatus.signalName(17));
        assertEquals("SIGSTOP", ExitStatus.signalName(19));
        assertEquals("SIGSYS", ExitStatus.signalName(31));
    }

    @Test
    void realtimeSignalsAsGlibcNamesThem() {
        assertEquals("SIGRTMIN+0", ExitStatus.signalName(34));
        assertEquals("SIGRTMIN+1", ExitStatus.signalName(35));
        assertEquals("SIGRTMIN+30", ExitStatus.signalName(64));
    }

    @Test
    void unknownSignals() {
        assertEquals("signal 0", ExitStatus.signalName(0));
        assertEquals("signal 32", ExitStatus.signalName(32), "reserved by glibc");
        assertEquals("signal 33", ExitStatus.signalName(33));
        assertEquals("signal 65", ExitStatus.signalName(65));
        assertEquals("signal -1", ExitStatus.signalName(-1));
    }
}
