package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.ProcEvent;

/** A declared watch's counters and state from hand-made events at chosen times: no kernel, no clock. */
class ServiceWatchTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static ServiceWatch watch(String expect) {
        return new ServiceWatch(new ServiceSpec("web", ServiceSpec.Kind.COMMAND, "^web", false,
                EventType.EXEC.bit() | EventType.EXIT.bit(), Expectation.parse(expect), 10, 3, 60, 30));
    }

    private static ProcEvent exec(int pid, long t) {
        return new ProcEvent.Exec(0, t, pid, pid, 1);
    }

    private static ProcEvent exit(int pid, long t, int waitStatus) {
        return new ProcEvent.Exit(0, t, pid, pid, 1, ExitStatus.fromWaitStatus(waitStatus));
    }

    @Test
    void atStartNothingIsGuessed() {
        ServiceWatch.Snapshot s = watch("1:").evaluate(0, 100 * S);
        assertEquals(ServiceWatch.State.CRITICAL, s.state());
        assertEquals("0 running, expected 1:: not running since before the agent started", s.reason());
        assertNull(s.lastExit());
        assertEquals(ServiceWatch.State.OK, watch("1:").evaluate(2, 100 * S).state());
    }

    @Test
    void restartsAreStartsSoonAfterAnExitAndEnoughOfThemAreACrashLoop() {
        ServiceWatch w = watch("0:");
        long t = 1000 * S;
        w.onEvent(exec(10, t), "web");
        w.onEvent(exit(10, t + S, 3 << 8), "web --serve");
        w.onEvent(exec(11, t + 20 * S), "web"); // 19 s after the exit: not within 10 s
        ServiceWatch.Snapshot s = w.evaluate(1, t + 20 * S);
        assertEquals(2, s.starts());
        assertEquals(0, s.restarts());
        assertEquals(ServiceWatch.State.WARNING, s.state(), "a non-zero exit 19 s ago, within 30 s");
        assertEquals("non-zero exit 19 s ago: pid 10 exit 3 (web --serve)", s.reason());
        assertEquals(3, s.lastExit().status().exitCode());

        w.onEvent(exit(11, t + 21 * S, 9), "web"); // SIGKILL
        w.onEvent(exec(12, t + 22 * S), "web");
        w.onEvent(exit(12, t + 23 * S, 0), "web");
        w.onEvent(exec(13, t + 24 * S), "web");
        s = w.evaluate(1, t + 24 * S);
        assertEquals(2, s.restarts());
        assertFalse(s.crashLoop(), "2 restarts, the threshold is 3");
        w.onEvent(exit(13, t + 25 * S, 1 << 8), "web");
        w.onEvent(exec(14, t + 26 * S), "web");
        s = w.evaluate(1, t + 26 * S);
        assertEquals(3, s.restarts());
        assertTrue(s.crashLoop());
        assertEquals(ServiceWatch.State.CRITICAL, s.state());
        assertEquals("crash loop: 3 restarts within 4 s", s.reason());
        assertEquals(4, s.exits());
        assertEquals(3, s.nonZeroExits(), "exit 3, SIGKILL, exit 1");
        assertEquals(1, s.signalExits());
        assertEquals(13, s.lastExit().pid());
        assertEquals(1, s.lastExit().status().exitCode());
        long since = s.sinceMillis();

        w.onEvent(exit(14, t + 27 * S, 0), "web");
        w.onEvent(exec(15, t + 60 * S), "web");
        s = w.evaluate(1, t + 60 * S);
        assertEquals(0, s.lastExit().status().exitCode(), "the last exit, clean");
        assertEquals(13, s.lastNonZeroExit().pid(), "the last non-zero one stays");

        s = w.evaluate(1, t + 90 * S); // the restarts left the 60 s window, the exit the 30 s one
        assertFalse(s.crashLoop());
        assertEquals(ServiceWatch.State.OK, s.state());
        assertTrue(s.sinceMillis() >= since);
    }

    @Test
    void expectationsAreNagiosRanges() {
        Expectation e = Expectation.parse("1:8");
        assertEquals(-1, e.compare(0));
        assertEquals(0, e.compare(8));
        assertEquals(1, e.compare(9));
        assertTrue(Expectation.parse("@0").alerts(0));
        assertFalse(Expectation.parse("@0").alerts(1));
        assertEquals(0, Expectation.parse("~:3").compare(-5));
        assertEquals(1, Expectation.parse("5").compare(6));
    }

    @Test
    void aProcessMatchedAtTwoExecsIsOneStart() {
        // a launcher read from /proc after it exec'd the program already, then the program's own exec
        ServiceWatch w = watch("0:");
        long t = 1000 * S;
        w.onEvent(exec(10, t), "web");
        w.onEvent(exec(10, t + 1), "web");
        assertEquals(1, w.evaluate(1, t + 2).starts());
        w.onEvent(exit(10, t + S, 0), "web");
        w.onEvent(exec(10, t + 2 * S), "web"); // the pid reused by a new process
        assertEquals(2, w.evaluate(1, t + 2 * S).starts());
    }

    @Test
    void aPidWhoseExitWasLostCountsAgainOnceItIsGone() {
        ServiceWatch w = watch("0:");
        long t = 1000 * S;
        w.onEvent(exec(10, t), "web");
        w.forgetGone(1, pid -> false);
        w.onEvent(exec(10, t + S), "web");
        assertEquals(1, w.evaluate(1, t + S).starts(), "as many started as running: nothing pruned");
        w.forgetGone(0, pid -> false); // the exit was lost: 0 running
        w.onEvent(exec(10, t + 2 * S), "web");
        assertEquals(2, w.evaluate(1, t + 2 * S).starts());
    }
}
