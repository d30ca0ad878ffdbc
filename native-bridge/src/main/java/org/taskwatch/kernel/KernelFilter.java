package org.taskwatch.kernel;

/**
 * A source's kernel-side filter: a classic BPF program on the proc connector's socket that drops
 * the events nobody needs before they are copied to user space. Offered by {@link
 * EventSource#kernelFilter()} where the source has one (the proc connector; the /proc poller has
 * no kernel events to filter). Every method may be called from any thread.
 */
public interface KernelFilter {
    /**
     * Attaches (or replaces) the program; see {@link ProcEventReader#setFilter} for the order a
     * caller must keep around registrations.
     */
    void setFilter(BpfProgram program) throws NativeException;

    /** Detaches the program: every event comes through. */
    void clearFilter() throws NativeException;

    /** The program in force, or null. */
    BpfProgram filter();

    /** The event types the kernel is asked to send ({@link ProcEventCodec}'s WHAT bits). */
    int kernelEventMask();
}
