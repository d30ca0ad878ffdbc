package org.taskwatch.kernel;

import java.io.IOException;

/** Starts the event source that {@link EventSourceSettings} ask for. */
public final class EventSources {
    private EventSources() {}

    /**
     * Starts a source whose thread, named {@code threadName}, calls {@code handler}:
     * <ul>
     *   <li>{@code netlink}: the proc connector, or a {@link ConnectorUnavailableException} saying
     *       why not and what to do;
     *   <li>{@code procfs}: the /proc poller, its {@link EventSource#degradedReason()} naming the
     *       setting;
     *   <li>{@code auto}: the proc connector, else the /proc poller with the connector's error as
     *       its reason.
     * </ul>
     *
     * @throws IOException when no source it may use can start: the connector's error (netlink),
     *     or the poller's, which for {@code auto} carries the connector's as suppressed
     */
    public static EventSource open(EventSourceSettings settings, EventHandler handler, String threadName)
            throws IOException {
        return open(settings, handler, threadName, null);
    }

    /**
     * As {@link #open(EventSourceSettings, EventHandler, String)}; the proc connector's events are
     * also counted in the kernel by {@code counts} (null: not), the /proc poller's are not.
     */
    public static EventSource open(EventSourceSettings settings, EventHandler handler, String threadName,
            KernelCounts counts) throws IOException {
        switch (settings.mode()) {
            case NETLINK:
                return netlink(settings, handler, threadName, counts);
            case PROCFS:
                return ProcPollSource.start(settings.pollInterval(), "the configuration asks for it (source=procfs)",
                        handler, threadName);
            case AUTO:
            default:
                try {
                    return netlink(settings, handler, threadName, counts);
                } catch (ConnectorUnavailableException unavailable) {
                    try {
                        return ProcPollSource.start(settings.pollInterval(), unavailable.getMessage(), handler,
                                threadName);
                    } catch (NativeException | RuntimeException e) {
                        e.addSuppressed(unavailable);
                        throw e;
                    }
                }
        }
    }

    private static EventSource netlink(EventSourceSettings settings, EventHandler handler, String threadName,
            KernelCounts counts) throws ConnectorUnavailableException {
        ProcConnector c = ProcConnector.open(settings.receiveBufferBytes(), counts);
        c.setCoalescing(settings.coalesceMicros());
        return ProcEventReader.start(c, handler, threadName);
    }
}
