package org.taskwatch.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;

/**
 * A hand-made /proc in a temporary directory: {@code PID/stat} (state, parent, start time, a
 * zombie's exit code in field 52), {@code PID/status}, {@code PID/comm}, {@code PID/cmdline},
 * {@code PID/exe} (a symbolic link) and {@code PID/task/PID}, laid out as the kernel shows them.
 * The registry and the naming read it through the real readers ({@link ProcFs#at}, {@link
 * ProcFiles#open}).
 */
final class FakeProc implements AutoCloseable {
    final Path root;
    private long nextStart = 1000;

    FakeProc() throws IOException {
        root = Files.createTempDirectory("taskwatch-fakeproc");
    }

    ProcFs procFs() {
        return ProcFs.at(root);
    }

    ProcFiles files() {
        try {
            return ProcFiles.open(root.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A running process; a new start time each call, as a new process with a reused pid would have. */
    FakeProc process(int pid, int ppid, String comm, String exe, String cmdline) {
        write(pid, 'S', ppid, comm, nextStart++, 0);
        put(pid + "/comm", comm + "\n");
        put(pid + "/cmdline", cmdline.replace(' ', '\0') + "\0");
        try {
            Path link = root.resolve(pid + "/exe");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Paths.get(exe));
            Files.createDirectories(root.resolve(pid + "/task/" + pid));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** {@code PID/cgroup} as a hybrid machine writes it: a v1 controller, name=systemd, and the v2 line. */
    FakeProc cgroup(int pid, String path) {
        put(pid + "/cgroup", "4:memory:/\n1:name=systemd:" + path + "\n0::" + path + "\n");
        return this;
    }

    /** The process has exited and waits to be reaped, with {@code waitStatus}. */
    void zombie(int pid, int waitStatus) {
        String stat = read(pid + "/stat");
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split(" ");
        write(pid, 'Z', Integer.parseInt(f[1]), stat.substring(stat.indexOf('(') + 1, close), Long.parseLong(f[19]),
                waitStatus);
    }

    /** The process is gone (reaped). */
    void remove(int pid) {
        Path dir = root.resolve(Integer.toString(pid));
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(int pid, char state, int ppid, String comm, long start, int exitCode) {
        StringBuilder sb = new StringBuilder();
        sb.append(pid).append(" (").append(comm).append(") ").append(state).append(' ').append(ppid);
        // fields 5..51: pgrp .. env_end; 22 is the start time
        for (int field = 5; field <= 51; field++) {
            sb.append(' ').append(field == 22 ? start : 0);
        }
        sb.append(' ').append(exitCode).append('\n');
        put(pid + "/stat", sb.toString());
        put(pid + "/status", "Name:\t" + comm + "\nState:\t" + state + "\nTgid:\t" + pid + "\nPid:\t" + pid + "\nPPid:\t"
                + ppid + "\nUid:\t0\t0\t0\t0\n");
    }

    private void put(String rel, String text) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String read(String rel) {
        try {
            return Files.readString(root.resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
