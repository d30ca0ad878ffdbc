package org.taskwatch.kernel;

import java.util.Optional;

/**
 * A running stream of process events for one {@link EventHandler}: the kernel's proc connector
 * ({@link ProcEventReader}, {@code "netlink"}) or, where that is out of reach, a poller of /proc
 * ({@link ProcPollSource}, {@code "procfs"}), which is degraded: it misses what happens between
 * two scans and, for processes nobody tracks, how they ended. {@link EventSources#open} starts the
 * one the settings ask for.
 *
 * <p>Threading: each source calls its handler on the one thread it started, never concurrently;
 * every method here may be called from any thread, the handler's included.
 */
public interface EventSource extends AutoCloseable {
    /** Which exits a source reports with their status ({@link ExitStatus#known()}). */
    enum ExitStatusCoverage {
        /** Every process exit. */
        ALL,
        /** Exits of processes that were {@link #track tracked} when they ended; others are unknown. */
        TRACKED,
        /** None: every exit status is unknown. */
        NONE
    }

    /** {@code "netlink"} or {@code "procfs"}: what the agent shows as its event source. */
    String name();

    /** Whether this source misses events the proc connector would give; {@link #limitations()} says which. */
    boolean degraded();

    /** Why a degraded source is in use (the connector's error, or the configuration); empty when not degraded. */
    String degradedReason();

    /**
     * What this source misses, as a clause that begins with "misses" and follows the source's name
     * or reason ("event source procfs (why): misses ..."); empty when it misses nothing.
     */
    String limitations();

    ExitStatusCoverage exitStatusCoverage();

    /**
     * A hint that someone watches process {@code tgid}: the poller holds a pidfd on it until it
     * ends or is {@link #untrack untracked}, so that its exit status can be read; the proc
     * connector gives every status and ignores this. Calls are counted: each track wants one
     * untrack, and after the process has ended its untracks do nothing.
     *
     * @return whether this process's exit status will be reported: always for the proc
     *     connector; for the poller, false when there is no such process, it cannot be held
     *     (no pidfds before Linux 5.3, out of file descriptors) or the kernel does not give exit
     *     statuses through pidfds (before 6.15)
     */
    boolean track(int tgid);

    /** Ends one {@link #track} of {@code tgid}. */
    void untrack(int tgid);

    /** Its kernel-side filter, where it has one (the proc connector); empty for the /proc poller. */
    default Optional<KernelFilter> kernelFilter() {
        return Optional.empty();
    }

    /**
     * The proc connector it reads (its kernel release, its receive buffer), where it reads one;
     * empty for the /proc poller.
     */
    default Optional<ProcConnector> procConnector() {
        return Optional.empty();
    }

    /** Whether the source's thread is alive. */
    boolean isRunning();

    /** Whether the source stopped on an error it could not get over (reported to {@link EventHandler#onError}). */
    boolean failed();

    /** Exceptions the handler threw (each also passed to {@link EventHandler#onError}). */
    long handlerErrors();

    /** Stops the thread and releases what the source holds (the netlink source unsubscribes first). Idempotent. */
    @Override
    void close();
}
