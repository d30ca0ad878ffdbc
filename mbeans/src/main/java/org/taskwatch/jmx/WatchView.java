package org.taskwatch.jmx;

import java.util.Locale;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.monitor.Watch;

/** The {@link WatchMXBean} of one watch: its exit in the exit notification's terms (exitCode, signal, coreDumped). */
final class WatchView implements WatchMXBean {
    private final Watch watch;

    WatchView(Watch watch) {
        this.watch = watch;
    }

    @Override public String getKind() { return watch.kind().name().toLowerCase(Locale.ROOT); }
    @Override public String getTarget() { return watch.target(); }
    @Override public String getEvents() { return watch.events(); }
    @Override public long getMatched() { return watch.matched(); }
    @Override public long getAbandonedMatches() { return watch.abandonedMatches(); }
    @Override public String getLastEvent() { return watch.lastEvent(); }

    @Override
    public String getOwner() {
        Object o = watch.owner();
        return o == null ? "" : o.toString();
    }

    @Override
    public Integer getExitCode() {
        ExitStatus s = watch.exitStatus();
        return s == null ? null : s.exitCode();
    }

    @Override
    public Integer getSignal() {
        ExitStatus s = watch.exitStatus();
        return s == null ? null : s.signal();
    }

    @Override
    public Boolean getCoreDumped() {
        ExitStatus s = watch.exitStatus();
        return s == null ? null : s.coreDumped();
    }
}
