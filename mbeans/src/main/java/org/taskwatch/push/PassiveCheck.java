package org.taskwatch.push;

import java.util.Locale;
import org.taskwatch.check.WatchVerdict;
import org.taskwatch.monitor.ServiceWatch;

/**
 * A declared watch's state as a passive check result for Icinga 2 and Nagios: what
 * {@code check_taskwatch --watch NAME} prints (on its defaults: the watch's own expectation, a
 * 300 s window), judged by the same {@link WatchVerdict}, at the time the message was made. So a
 * pushed result and an active check read alike; the texts are the message's, already redacted.
 */
final class PassiveCheck {
    private PassiveCheck() {}

    static WatchVerdict verdict(PushMessage m) {
        ServiceWatch.Snapshot s = m.snapshot();
        ServiceWatch.LastExit failure = s.lastNonZeroExit();
        WatchVerdict.Figures f = new WatchVerdict.Figures(s.name(), s.running(), s.exits(), s.nonZeroExits(), s.restarts(),
                s.spec().expect().toString(), s.crashLoop(), s.reason(), failure == null ? 0 : failure.millis(),
                failure == null ? "" : failure.describe(), s.state().name().toLowerCase(Locale.ROOT), s.sinceIso());
        return WatchVerdict.of(f, m.timeMillis());
    }

    /** Whether {@code m} makes a check result (an exit or a state; a heartbeat does not). */
    static boolean isResult(PushMessage m) {
        return m.kind() != PushMessage.Kind.HEARTBEAT && m.snapshot() != null;
    }
}
