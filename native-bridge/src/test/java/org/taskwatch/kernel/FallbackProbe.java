package org.taskwatch.kernel;

import java.time.Duration;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.Spawn;

/**
 * Run by {@link EventSourcesFallbackTest} in a pid namespace of its own, where the proc connector
 * ignores LISTEN: prints what {@code source=netlink} and {@code source=auto} give there, and how
 * a tracked child ended as the fallback told it. One {@code key=value} line each.
 */
public final class FallbackProbe {
    private FallbackProbe() {}

    public static void main(String[] args) throws Exception {
        EventSourceSettings settings = EventSourceSettings.defaults();
        try (EventSource s = EventSources.open(settings.withMode(EventSourceSettings.Mode.NETLINK), f -> { }, "probe")) {
            System.out.println("netlink=" + s.name());
        } catch (ConnectorUnavailableException e) {
            System.out.println("netlink=unavailable: " + e.getMessage());
        }
        EventRecorder events = new EventRecorder();
        try (EventSource s = EventSources.open(settings, events, "probe")) {
            System.out.println("source=" + s.name());
            System.out.println("reason=" + s.degradedReason());
            Process p = Spawn.sh("sleep 0.3; exit 7");
            System.out.println("pid=" + p.pid());
            System.out.println("tracked=" + s.track((int) p.pid()));
            Spawn.waitFor(p);
            ProcEvent.Exit exit = (ProcEvent.Exit) events.await(
                    e -> e instanceof ProcEvent.Exit && e.tgid() == p.pid(), Duration.ofSeconds(10), "exit");
            System.out.println("exit=" + exit.status().describe());
        }
    }
}
