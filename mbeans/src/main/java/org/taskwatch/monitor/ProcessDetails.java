package org.taskwatch.monitor;

import java.util.LinkedHashMap;
import java.util.Map;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;

/**
 * What delivered events say of their process beyond the kernel's message: its command (comm,
 * command line, executable), its parent, and its cgroup (with the unit and container it shows). Kept per process (by tgid, the most recent 16,384),
 * so that /proc is read about once per program a process runs, not per event:
 *
 * <ul>
 *   <li>a fork gives the child its parent's command and cgroup (the kernel copies both; {@code
 *       /proc/CHILD} shows the parent's command until the child execs) and the fork's parent as
 *       its parent, without a read; a child started with {@code CLONE_PARENT} (rare) would show
 *       its creator's command under another parent, one started with {@code CLONE_INTO_CGROUP}
 *       (systemd's way of starting a unit's process) its creator's cgroup until it execs;
 *   <li>an exec reads the new command, the parent and the cgroup (four small files: the parent
 *       may have changed since the fork, as when a daemon's first parent exits before it execs,
 *       and the process may have moved to another cgroup); a process gone before that read keeps
 *       the parent its fork named and its parent's cgroup ({@code cgroupFromParent}: the kernel
 *       copied it at the fork, but it may have moved since), and has no command;
 *   <li>a comm event carries the new name;
 *   <li>a process a watch of exits takes in from /proc (alive when the watch began: a tree's
 *       descendants, every process for a watch of all, a cgroup's processes) is read as it joins
 *       ({@link #found}), once, with what the scan that found it already read;
 *   <li>an exit uses what is kept and forgets it; for a process never seen before, only its
 *       comm and cgroup are read (it is gone, or a zombie whose comm alone is left). The cgroups
 *       of the last {@value #EXITED} exits are kept for {@code processStatus}.
 * </ul>
 *
 * <p>What it keeps is masked by the monitor's {@link Redaction} as it is kept, once per program a
 * process runs: a fork's child, and every event of the process after, share the masked text
 * (masking per delivered event ran the rule three times per event, most of them on the same
 * strings).
 *
 * <p>Threads: {@link #of} by whoever delivers, one at a time (TaskMonitor's delivery lock: it owns the {@link ProcFiles}); {@link
 * #remember} and {@link #found} from threads registering watches ({@link #found} also from the reader, after a loss).
 */
final class ProcessDetails implements AutoCloseable {
    private static final int CAPACITY = 16384;
    /** Exited processes whose cgroup is kept for {@code processStatus}. */
    static final int EXITED = 4096;

    /**
     * What /proc said of a process: null where it could not be read; ppid -1 when unknown;
     * cgroup {@link CgroupPath#NONE} when unknown, {@code cgroupFromParent} when it is its parent's.
     */
    record Info(String comm, String cmdline, String exe, int ppid, CgroupPath cgroup, boolean cgroupFromParent) {
        Info(String comm, String cmdline, String exe, int ppid) {
            this(comm, cmdline, exe, ppid, CgroupPath.NONE, false);
        }

        /**
         * What /proc says of {@code pid} now: {@code stat} (name and parent), command line,
         * executable, cgroup; all null (comm null, ppid -1) when its stat cannot be read: it is gone.
         */
        static Info read(ProcFiles files, int pid, CgroupLayout layout) {
            ProcFiles.Stat st = files.stat(pid);
            if (st == null) {
                return new Info(null, null, null, -1);
            }
            return new Info(st.comm(), files.cmdline(pid), files.exe(pid), st.ppid(),
                    CgroupPath.of(files.cgroup(pid, layout)), false);
        }

        Info withCgroup(CgroupPath c, boolean fromParent) {
            return new Info(comm, cmdline, exe, ppid, c, fromParent);
        }

        /** This with its texts masked by {@code r}; this itself when nothing is masked. */
        Info masked(Redaction r) {
            String c = r.apply(comm);
            String line = r.apply(cmdline);
            String x = r.apply(exe);
            return c == comm && line == cmdline && x == exe ? this
                    : new Info(c, line, x, ppid, cgroup, cgroupFromParent);
        }
    }

    private final ProcFiles files; // under TaskMonitor's delivery lock
    private final ProcFs proc;
    private final CgroupLayout layout;
    private final Redaction redaction;
    /** The cgroups of recently exited processes, by tgid (written by the delivery thread, read by any: guarded by itself). */
    private final Map<Integer, CgroupPath> exited = new LinkedHashMap<>(256, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, CgroupPath> eldest) {
            return size() > EXITED;
        }
    };
    private final Map<Integer, Info> byTgid = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Info> eldest) {
            return size() > CAPACITY;
        }
    };

    /**
     * @param proc for registering threads
     * @param files the delivery thread's reader (closed by {@link #close})
     */
    ProcessDetails(ProcFs proc, ProcFiles files) {
        this(proc, files, CgroupLayout.system(), Redaction.NONE);
    }

    /** @param redaction what is masked in every command, name and executable kept (and so told) */
    ProcessDetails(ProcFs proc, ProcFiles files, CgroupLayout layout, Redaction redaction) {
        this.layout = layout;
        this.redaction = redaction;
        this.proc = proc;
        this.files = files;
    }

    /**
     * Reads a process's command while it surely runs (a watch on it is being registered), so
     * that its exit can name it even when the process is gone before the exit is delivered: as
     * {@link #found} describes the processes a watch takes in, with a reader of its own.
     */
    void remember(int pid) {
        proc.withReader(r -> {
            found(r, pid, null, null);
            return null;
        });
    }

    /**
     * Describes a process a watch takes in from /proc, alive before the watch began (see {@link
     * WatchRegistry.Found}): no fork or exec of it will be delivered, and once it is reaped /proc
     * cannot tell its command at its exit. What its exit tells: name and parent (from {@code stat},
     * else read), command line, executable, cgroup (as given, else read). Nothing is kept of a
     * process gone meanwhile. On the registering thread (or the reader's, after a loss), with its
     * reader {@code r}.
     */
    void found(ProcFiles r, int pid, ProcFiles.Stat stat, String cgroup) {
        ProcFiles.Stat st = stat != null ? stat : r.stat(pid);
        if (st == null) {
            return;
        }
        String path = cgroup != null ? cgroup : r.cgroup(pid, layout);
        put(pid, new Info(st.comm(), r.cmdline(pid), r.exe(pid), st.ppid(), CgroupPath.of(path), false)
                .masked(redaction));
    }

    /**
     * What to tell of {@code e}'s process (the forking parent, for a fork), masked; under
     * TaskMonitor's delivery lock.
     *
     * @param read what the reader already read of the process: at an exec, for command watches;
     *     at an exit, its name then (taskstats), when its exec could not be read; or null
     */
    Info of(ProcEvent e, Info read) {
        int tgid = e.tgid();
        switch (e.type()) {
            case EXIT: {
                Info known = remove(tgid);
                Info out;
                if (read != null) {
                    // what is kept is its parent's command, from the fork; a name at exit has no cgroup
                    out = (read.cgroup() == CgroupPath.NONE && known != null
                            ? read.withCgroup(known.cgroup(), known.cgroupFromParent()) : read).masked(redaction);
                } else {
                    out = known != null ? known : new Info(files.comm(tgid), null, null, -1,
                            CgroupPath.of(files.cgroup(tgid, layout)), false).masked(redaction);
                }
                synchronized (exited) {
                    exited.put(tgid, out.cgroup());
                }
                return out;
            }
            case EXEC: {
                Info now = (read != null ? read : Info.read(files, tgid, layout)).masked(redaction);
                Info before = now.comm() == null || now.cgroup() == CgroupPath.NONE && layout.available()
                        ? get(tgid) : null;
                if (now.comm() == null) { // gone before it could be read: its fork still told its parent
                    now = new Info(null, null, null, before == null ? -1 : before.ppid());
                }
                if (now.cgroup() == CgroupPath.NONE && before != null && before.cgroup() != CgroupPath.NONE) {
                    now = now.withCgroup(before.cgroup(), true); // the kernel copied the parent's at the fork
                }
                put(tgid, now);
                return now;
            }
            case FORK: {
                Info parent = known(tgid);
                ProcEvent.Fork f = (ProcEvent.Fork) e;
                put(f.childTgid(), new Info(parent.comm(), parent.cmdline(), parent.exe(), tgid, parent.cgroup(),
                        parent.cgroupFromParent()));
                return parent;
            }
            case COMM: {
                Info before = known(tgid);
                Info now = new Info(redaction.apply(((ProcEvent.Comm) e).comm()), before.cmdline(), before.exe(),
                        before.ppid(), before.cgroup(), before.cgroupFromParent());
                put(tgid, now);
                return now;
            }
            default:
                return known(tgid);
        }
    }

    /** What is kept of {@code tgid}, or what /proc says now (then kept). */
    private Info known(int tgid) {
        Info i = get(tgid);
        if (i == null) {
            i = Info.read(files, tgid, layout).masked(redaction);
            put(tgid, i);
        }
        return i;
    }


    /** The cgroup of {@code tgid} at its exit, if it is among the last exits delivered; else null. Any thread. */
    CgroupPath exitedCgroup(int tgid) {
        synchronized (exited) {
            return exited.get(tgid);
        }
    }

    private Info get(int tgid) {
        synchronized (byTgid) {
            return byTgid.get(tgid);
        }
    }

    private Info remove(int tgid) {
        synchronized (byTgid) {
            return byTgid.remove(tgid);
        }
    }

    private void put(int tgid, Info info) {
        synchronized (byTgid) {
            byTgid.put(tgid, info);
        }
    }

    /** After the delivery thread has stopped. */
    @Override
    public void close() {
        files.close();
    }
}
