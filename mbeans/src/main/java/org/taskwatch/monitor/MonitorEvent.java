package org.taskwatch.monitor;

import org.taskwatch.kernel.ProcEvent;

/**
 * An event some watch wanted, as delivered to {@link MonitorListener}s: the kernel's event, the
 * ids of the watches that matched, and what /proc said about the process when it was delivered
 * (best effort: null for a process that was already gone).
 *
 * @param ppid the parent's pid: from the event where the kernel gives it, else from /proc (0 if unknown)
 */
public record MonitorEvent(ProcEvent event, long[] watchIds, int ppid, String comm, String cmdline, String exe) {}
