package org.taskwatch.monitor;

import java.util.function.Supplier;
import org.taskwatch.kernel.BpfProgram;
import org.taskwatch.kernel.EventSource;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.KernelFilter;
import org.taskwatch.kernel.NativeException;
import org.taskwatch.kernel.ProcEventCodec;

/**
 * What the kernel may drop for the watches now ({@code kernelFilter=auto}): while every watch
 * is a single-process watch, a BPF program on the connector's socket lets through only the
 * events of the watched processes; a tree, command or all-process watch needs every event (its
 * new members are known only after the kernel has judged their next events).
 *
 * <p>Order: the filter is widened before a watch is registered (its process's events must pass
 * from the moment it exists) and narrowed after watches went. {@link #registering} does both
 * around a registration, and narrows back when the registration fails, so a refused watch
 * leaves the filter as it was.
 *
 * <p>Threading: any thread; changes are serialized on this object, and a registration runs
 * under the same lock: a narrowing elsewhere (the delivery thread, after a watch ended) could
 * otherwise compute the needs between the widening and the new watch's first member, and drop
 * its events. The registry's write lock is taken inside this one, never the other way round.
 */
final class KernelFilterPolicy {
    private final KernelFilter filter; // null: the source has none, or kernelFilter=off
    private final boolean enabled;
    private final EventSource source;
    private final WatchRegistry registry;
    private final Supplier<String> counting;
    private volatile String note = "";

    /** @param counting how the counters count, for {@link #describe} */
    KernelFilterPolicy(EventSource source, boolean enabled, WatchRegistry registry, Supplier<String> counting) {
        this.filter = enabled ? source.kernelFilter().orElse(null) : null;
        this.enabled = enabled;
        this.source = source;
        this.registry = registry;
        this.counting = counting;
    }

    /**
     * Runs a registration with the kernel already letting through what it will need; narrows
     * back when it fails.
     *
     * @param pid > 0: a process watch on {@code pid} needing {@code mask} ({@link Watch#neededMask});
     *     -1: a watch that needs every event (tree, command, all)
     */
    <T> T registering(int pid, int mask, Supplier<T> registration) {
        if (filter == null) {
            return registration.get();
        }
        synchronized (this) {
            apply(pid, mask);
            try {
                return registration.get();
            } catch (RuntimeException | Error e) {
                apply(0, 0);
                throw e;
            }
        }
    }

    /** After watches went: the kernel may drop what nobody needs any more. */
    void narrow() {
        apply(0, 0);
    }

    private void apply(int extraPid, int extraMask) {
        if (filter == null) {
            return;
        }
        synchronized (this) {
            WatchRegistry.KernelNeeds n = extraPid < 0 ? WatchRegistry.KernelNeeds.EVERYTHING
                    : registry.kernelNeeds(extraPid, extraMask);
            try {
                if (n.everything()) {
                    filter.clearFilter();
                } else {
                    // exits always (a watch ends with its process), forks of the set (a thread's fork
                    // names the process's parent, and a fork of a watched pid means it was reused);
                    // the mask is what the watches need (Watch.neededMask)
                    filter.setFilter(BpfProgram.builder()
                            .acceptProcesses(EventType.kernelMask(n.mask()) | ProcEventCodec.WHAT_EXIT, n.tgids())
                            .acceptForksOf(n.tgids())
                            .build());
                }
                note = "";
            } catch (BpfProgram.TooLargeException e) {
                note = n.tgids().length + " watched processes need " + e.instructions()
                        + " BPF instructions, more than the kernel takes: filtered in user space";
                clearQuietly();
            } catch (NativeException e) {
                note = "the kernel refused the filter (" + e.getMessage() + "): filtered in user space";
                clearQuietly();
            }
        }
    }

    private void clearQuietly() {
        try {
            filter.clearFilter();
        } catch (NativeException ignored) {
            // no filter can be set on this socket: everything comes through anyway
        }
    }

    /** What the kernel filters, as the Monitor's {@code KernelFilter} attribute says it. */
    String describe() {
        KernelFilter f = source.kernelFilter().orElse(null);
        if (f == null) {
            return "none (no kernel events: " + source.name() + " polls /proc)";
        }
        return filtering(f) + "; " + counting.get();
    }

    private String filtering(KernelFilter f) {
        BpfProgram bpf = f.filter();
        if (bpf != null) {
            return bpf.description();
        }
        int mask = f.kernelEventMask();
        String base = mask == ProcEventCodec.WHAT_ALL ? "none (all events, filtered in user space)"
                : "event types 0x" + Integer.toHexString(mask);
        if (!enabled) {
            return base;
        }
        String why = note;
        return why.isEmpty() ? base + ": a tree, command or all-process watch needs every event" : base + ": " + why;
    }
}
