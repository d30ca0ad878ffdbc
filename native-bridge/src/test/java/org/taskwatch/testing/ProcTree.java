package org.taskwatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory laid out as /proc, written by hand, for reading through {@code ProcFs.at(root)}
 * or {@code ProcFiles.open(root)} without a kernel: per process {@code PID/stat} (all 52 fields,
 * zeros but pid, comm, state, ppid, start time and exit code), {@code PID/status} (Name, State,
 * Tgid, Pid, PPid, Uid), {@code PID/comm}, {@code PID/cmdline} (NUL-separated), {@code PID/exe}
 * (a symbolic link to a path that need not exist) and {@code PID/task/PID}.
 *
 * <pre>
 * ProcTree tree = new ProcTree(tempDir);
 * tree.process(100, 1, 5000, "sleep", "/usr/bin/sleep", "sleep", "30").threads(100, 101);
 * tree.zombie(102, 100, 5100, 3 &lt;&lt; 8, "sh");
 * tree.gone(100); // exits and is reaped: the directory goes
 * </pre>
 */
public final class ProcTree {
    private final Path root;

    public ProcTree(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** A running process ('S') of uid 1000; {@code exe} may be null (a kernel thread: no link). */
    public ProcTree process(int pid, int ppid, long startTime, String comm, String exe, String... argv) {
        return write(pid, pid, ppid, 'S', startTime, 0, 1000, comm, exe, argv);
    }

    /** A process that has exited and not been reaped: state 'Z', its wait status, no command line or exe. */
    public ProcTree zombie(int pid, int ppid, long startTime, int waitStatus, String comm) {
        return write(pid, pid, ppid, 'Z', startTime, waitStatus, 1000, comm, null);
    }

    /**
     * Every file of one process, as the kernel would show it. {@code tgid} is the process a task
     * belongs to (itself for a process).
     */
    public ProcTree write(int pid, int tgid, int ppid, char state, long startTime, int exitCode, int uid,
            String comm, String exe, String... argv) {
        try {
            Path dir = Files.createDirectories(root.resolve(Integer.toString(pid)));
            Files.createDirectories(dir.resolve("task").resolve(Integer.toString(pid)));
            StringBuilder stat = new StringBuilder().append(pid).append(" (").append(comm).append(") ")
                    .append(state).append(' ').append(ppid);
            for (int field = 5; field <= 52; field++) {
                stat.append(' ').append(field == 22 ? startTime : field == 52 ? exitCode : 0);
            }
            Files.writeString(dir.resolve("stat"), stat.append('\n'));
            Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nUmask:\t0022\nState:\t" + state
                    + "\nTgid:\t" + tgid + "\nNgid:\t0\nPid:\t" + pid + "\nPPid:\t" + ppid + "\nTracerPid:\t0\nUid:\t"
                    + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\nGid:\t0\t0\t0\t0\n");
            Files.writeString(dir.resolve("comm"), comm + "\n");
            StringBuilder cmdline = new StringBuilder();
            for (String a : argv) {
                cmdline.append(a).append('\0');
            }
            Files.write(dir.resolve("cmdline"), cmdline.toString().getBytes(StandardCharsets.UTF_8));
            Path link = dir.resolve("exe");
            Files.deleteIfExists(link);
            if (exe != null) {
                Files.createSymbolicLink(link, Path.of(exe));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** More threads of process {@code tgid}: entries in its {@code task} directory. */
    public ProcTree threads(int tgid, int... tids) {
        try {
            for (int tid : tids) {
                Files.createDirectories(root.resolve(tgid + "/task/" + tid));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process is reaped: its directory goes. */
    public ProcTree gone(int pid) {
        Path dir = root.resolve(Integer.toString(pid));
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return this;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
