package org.taskwatch.kernel;

import java.time.Duration;
import java.util.Locale;

/**
 * Which event source to run and how: the agent's {@code source=auto|netlink|procfs}, the proc
 * connector's receive buffer and coalescing, and the /proc poller's interval.
 *
 * @param mode which source {@link EventSources#open} may start
 * @param receiveBufferBytes the socket receive buffer wanted for the proc connector
 * @param coalesceMicros how long the proc connector's reader lets events gather while they
 *     stream in ({@link ProcConnector#setCoalescing}); 0: never
 * @param pollInterval time between two scans of /proc, for the fallback
 */
public record EventSourceSettings(Mode mode, int receiveBufferBytes, int coalesceMicros, Duration pollInterval) {
    /** The value of the {@code source} setting. */
    public enum Mode {
        /** The proc connector, or the /proc poller when the connector is out of reach. */
        AUTO,
        /** The proc connector only: when it is out of reach, fail. */
        NETLINK,
        /** The /proc poller, even where the connector would work (for tests, and to rule the connector out). */
        PROCFS;

        /** The setting's word: {@code auto}, {@code netlink} or {@code procfs}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the setting and the words it takes */
        public static Mode parse(String word) {
            for (Mode m : values()) {
                if (m.word().equalsIgnoreCase(word == null ? "" : word.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("source: expected auto, netlink or procfs, got '" + word + "'");
        }
    }

    /** @throws IllegalArgumentException for a bad value, naming it */
    public EventSourceSettings {
        if (mode == null) {
            throw new IllegalArgumentException("source: missing; expected auto, netlink or procfs");
        }
        if (receiveBufferBytes <= 0) {
            throw new IllegalArgumentException("receive buffer: must be positive, got " + receiveBufferBytes);
        }
        ProcConnector.checkCoalescing(coalesceMicros);
        ProcPollSource.checkInterval(pollInterval);
    }

    /** {@code auto}, an 8 MiB receive buffer, 250 us of coalescing, a scan every 100 ms. */
    public static EventSourceSettings defaults() {
        return new EventSourceSettings(Mode.AUTO, ProcConnector.DEFAULT_RECEIVE_BUFFER,
                ProcConnector.DEFAULT_COALESCE_MICROS, ProcPollSource.DEFAULT_INTERVAL);
    }

    public EventSourceSettings withMode(Mode m) {
        return new EventSourceSettings(m, receiveBufferBytes, coalesceMicros, pollInterval);
    }

    public EventSourceSettings withPollInterval(Duration interval) {
        return new EventSourceSettings(mode, receiveBufferBytes, coalesceMicros, interval);
    }

    public EventSourceSettings withCoalescing(int micros) {
        return new EventSourceSettings(mode, receiveBufferBytes, micros, pollInterval);
    }
}
