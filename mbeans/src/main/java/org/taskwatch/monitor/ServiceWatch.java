package org.taskwatch.monitor;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.concurrent.TimeUnit;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.ProcEvent;

/**
 * One declared watch at run time: its spec, the table watch that follows its processes now
 * (none while a pid file names no live process), and its state. Counters start at 0 with the
 * agent (a restarted agent knows nothing of what happened while it was down, and says so).
 *
 * <p>Threading: events are counted on the delivery thread, the pid file is re-read there and on
 * the services' timer, the state is read by any thread: every field is guarded by {@code this}.
 */
public final class ServiceWatch {
    /** ok, warning or critical, as monitoring systems grade. */
    public enum State { OK, WARNING, CRITICAL }

    /** How a watched process ended: status decoded as notifications decode it. */
    public record LastExit(int pid, ExitStatus status, long millis, String command) {
        /** "pid 123 exit 3 at 2026-...Z (/bin/sh crasher.sh)", the command when there is one. */
        public String describe() {
            return "pid " + pid + " " + status.describe() + " at " + Instant.ofEpochMilli(millis)
                    + (command.isEmpty() ? "" : " (" + command + ")");
        }
    }

    /** A point-in-time copy of everything a client reads. */
    public record Snapshot(String name, ServiceSpec spec, int running, int pid, long starts, long exits,
            long nonZeroExits, long signalExits, long restarts, boolean crashLoop, State state, String reason,
            long sinceMillis, LastExit lastExit, LastExit lastNonZeroExit, long startedMillis, long unknownExits) {
        public String sinceIso() {
            return Instant.ofEpochMilli(sinceMillis).toString();
        }
    }

    private final ServiceSpec spec;
    private final long startedMillis = System.currentTimeMillis();
    private Watch watch; // null: nothing to follow now
    private int pid; // pid file: the pid followed (0: none)
    private long starts;
    private long exits;
    private long nonZeroExits;
    private long signalExits;
    private long unknownExits; // exits whose status nobody could tell (events lost and no pidfd)
    private long restarts;
    private LastExit lastExit;
    private LastExit lastFailure;
    private long lastExitNanos = Long.MIN_VALUE; // kernel clock (System.nanoTime)
    private long lastNonZeroNanos = Long.MIN_VALUE;
    private final ArrayDeque<Long> restartNanos = new ArrayDeque<>();
    // Pids counted as a start and not yet seen exiting: a start is a process joining, not an
    // exec. One process can be matched at two execs (a wrapper exec'ing the program, or a
    // launcher whose exec is read from /proc after it exec'd the program already).
    private final Set<Integer> startedPids = new HashSet<>();
    private State state;
    private String reason = "";
    private long sinceMillis = startedMillis;

    ServiceWatch(ServiceSpec spec) {
        this.spec = spec;
    }

    public ServiceSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    synchronized Watch watch() {
        return watch;
    }

    synchronized int pid() {
        return pid;
    }

    /** Follows {@code w} (the pid file's process {@code pidNow}) from now; {@code start}: it is a new start, not the one found at agent start. */
    synchronized void follow(Watch w, int pidNow, boolean start, long nowNanos) {
        watch = w;
        pid = pidNow;
        if (start && startedPids.add(pidNow)) {
            started(nowNanos);
        }
    }

    synchronized void unfollow() {
        watch = null;
        pid = 0;
    }

    /** A delivered event this watch matched (delivery thread). */
    synchronized void onEvent(ProcEvent e, String command) {
        if (e instanceof ProcEvent.Exec x) {
            if (startedPids.add(x.tgid())) {
                started(e.timestampNanos());
            }
        } else if (e instanceof ProcEvent.Exit x) {
            exited(x.tgid(), x.status(), x.timestampNanos(), command);
        }
    }

    private void started(long nanos) {
        starts++;
        if (lastExitNanos != Long.MIN_VALUE && nanos - lastExitNanos <= TimeUnit.SECONDS.toNanos(spec.restartWithinSeconds())) {
            restarts++;
            restartNanos.addLast(nanos);
            while (restartNanos.size() > spec.crashLoopRestarts()) {
                restartNanos.removeFirst();
            }
        }
    }

    /**
     * Forgets started pids that are gone without an exit seen (events lost), so a later
     * process with the same pid counts as a start. Only when there are more than running.
     */
    synchronized void forgetGone(int running, IntPredicate alive) {
        if (startedPids.size() > running) {
            startedPids.removeIf(p -> !alive.test(p));
        }
    }

    private void exited(int tgid, ExitStatus s, long nanos, String command) {
        startedPids.remove(tgid);
        exits++;
        boolean failed = s.known() && (s.exitCode() != 0 || s.signal() != 0);
        if (failed) {
            nonZeroExits++;
            lastNonZeroNanos = nanos;
        }
        if (s.known() && s.signal() != 0) {
            signalExits++;
        }
        if (!s.known()) {
            unknownExits++;
        }
        lastExitNanos = nanos;
        lastExit = new LastExit(tgid, s, System.currentTimeMillis(), command == null ? "" : command);
        if (failed) {
            lastFailure = lastExit;
        }
    }

    /** Restarts within the crash-loop window reach the threshold. */
    private boolean crashLoop(long nowNanos) {
        if (restartNanos.size() < spec.crashLoopRestarts()) {
            return false;
        }
        return nowNanos - restartNanos.peekFirst() <= TimeUnit.SECONDS.toNanos(spec.crashLoopWindowSeconds());
    }

    /**
     * The state now, given {@code running}: critical when the count is outside the expectation
     * or the watch crash-loops (the reason says both when both), warning after a non-zero exit
     * (for exitWarningSeconds), else ok.
     * "Since" moves only when the state does.
     */
    synchronized Snapshot evaluate(int running, long nowNanos) {
        boolean loop = crashLoop(nowNanos);
        State s = State.OK;
        StringBuilder why = new StringBuilder();
        if (spec.expect().alerts(running)) {
            s = State.CRITICAL;
            why.append(running).append(" running, expected ").append(spec.expect());
            if (running == 0 && exits == 0) {
                why.append(": not running since before the agent started");
            }
        }
        if (loop) { // said beside a count that is off too: a crash loop is what an operator acts on
            s = State.CRITICAL;
            why.append(why.length() == 0 ? "" : "; ").append("crash loop: ").append(restartNanos.size())
                    .append(" restarts within ").append(TimeUnit.NANOSECONDS.toSeconds(nowNanos - restartNanos.peekFirst()))
                    .append(" s");
        }
        if (s == State.OK && lastNonZeroNanos != Long.MIN_VALUE
                && nowNanos - lastNonZeroNanos <= TimeUnit.SECONDS.toNanos(spec.exitWarningSeconds())) {
            s = State.WARNING;
            why.append("non-zero exit ").append(TimeUnit.NANOSECONDS.toSeconds(nowNanos - lastNonZeroNanos))
                    .append(" s ago").append(lastNonZero());
        }
        if (s == State.OK) {
            why.append(running).append(" running");
        }
        if (s != state) {
            state = s;
            sinceMillis = System.currentTimeMillis();
        }
        reason = why.toString();
        return new Snapshot(spec.name(), spec, running, pid, starts, exits, nonZeroExits, signalExits, restarts, loop,
                state, reason, sinceMillis, lastExit, lastFailure, startedMillis, unknownExits);
    }

    private String lastNonZero() {
        LastExit l = lastFailure;
        if (l == null) {
            return "";
        }
        return ": pid " + l.pid() + " " + l.status().describe() + (l.command().isEmpty() ? "" : " (" + l.command() + ")");
    }

    @Override
    public String toString() {
        return "declared watch " + spec.name() + " (" + spec.match() + ")";
    }
}
