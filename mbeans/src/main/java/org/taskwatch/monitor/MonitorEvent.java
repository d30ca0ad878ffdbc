package org.taskwatch.monitor;

import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.ProcEvent;

/**
 * An event some watch wanted, as delivered to {@link MonitorListener}s: the kernel's event, the
 * ids of the watches that matched, and what /proc said about the process when it was delivered
 * (best effort: null for a process that was already gone).
 *
 * @param ppid the parent's pid: from the event where the kernel gives it, else from /proc (0 if unknown)
 * @param recovered an exit found after events were lost: the process was gone, its event never
 *     came; its timestamp is when that was found, its status known only where /proc or a pidfd
 *     still told it
 * @param watchNames the names of the declared watches among them (empty: none)
 * @param cgroup the process's cgroup, with its systemd unit and container ({@link CgroupPath#NONE}
 *     when unknown), read at its exec and inherited at fork (see {@code ProcessDetails})
 * @param cgroupFromParent the process was gone before its cgroup could be read at its exec: this
 *     is its parent's, which the kernel gave it at the fork
 */
public record MonitorEvent(ProcEvent event, long[] watchIds, int ppid, String comm, String cmdline, String exe,
        boolean recovered, String[] watchNames, CgroupPath cgroup, boolean cgroupFromParent) {}
