package org.taskwatch.kernel;

/**
 * The reader thread's {@link ThreadTracker}, for benchmarks that replay its path from another
 * package. It lives in the benchmark module, in the tracker's package, so that the production
 * API stays as small as it is. Not thread-safe, like the tracker.
 */
public final class BenchmarkThreadTracker {
    private final ThreadTracker tracker = new ThreadTracker();

    /**
     * Classifies the frame as {@link ProcEventReader} does before calling its handler.
     *
     * @return true when the handler must then see the frame a second time, rewritten by
     *     {@link #endProcess} into its process's exit
     */
    public boolean classify(EventFrame frame) {
        return tracker.classify(frame) == ThreadTracker.EMIT_THEN_PROCESS_EXIT;
    }

    public void endProcess(EventFrame frame) {
        tracker.endProcess(frame);
    }
}
