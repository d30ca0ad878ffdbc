package org.taskwatch.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time of processes and threads as the kernel accounts it: utime + stime from
 * {@code /proc/PID/stat} (the whole process, its exited threads included) or
 * {@code /proc/PID/task/TID/stat} (one thread), in clock ticks (10 ms at USER_HZ 100).
 */
final class CpuClock {
    private static final long TICKS_PER_SECOND = Libc.clockTicksPerSecond();

    private CpuClock() {}

    static double seconds(long ticks) {
        return (double) ticks / TICKS_PER_SECOND;
    }

    /** utime + stime of a whole process, or -1 when it is gone. */
    static long process(long pid) {
        return ticks(Paths.get("/proc", Long.toString(pid), "stat"));
    }

    /** utime + stime of one thread, or -1 when it is gone. */
    static long thread(long pid, long tid) {
        return ticks(Paths.get("/proc", Long.toString(pid), "task", Long.toString(tid), "stat"));
    }

    /** The sum over threads; a thread that is gone counts 0. */
    static long threads(long pid, List<Long> tids) {
        long sum = 0;
        for (long tid : tids) {
            sum += Math.max(0, thread(pid, tid));
        }
        return sum;
    }

    /**
     * The threads of {@code pid} whose name ({@code /proc/PID/task/TID/comm}, the first 15
     * characters of a Java thread's name) is {@code name}, truncated like the kernel does.
     */
    static List<Long> threadsNamed(long pid, String name) {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String c = new String(Files.readAllBytes(task.resolve("comm")), StandardCharsets.UTF_8).trim();
                    if (c.equals(comm)) {
                        out.add(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the threads of process " + pid, e);
        }
        return out;
    }

    /**
     * One thread of {@code pid} for each name, waiting up to 5 s for threads just started (a
     * Java thread takes its name in /proc only once it runs).
     *
     * @throws IllegalStateException when some name has no thread, or more than one
     */
    static List<Long> awaitThreads(long pid, String... names) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<Long> out = new ArrayList<>();
            String problem = null;
            for (String name : names) {
                List<Long> found = threadsNamed(pid, name);
                if (found.size() == 1) {
                    out.add(found.get(0));
                } else {
                    problem = found.size() + " threads named " + name + " in process " + pid + ", expected one";
                }
            }
            if (problem == null) {
                return out;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(problem);
            }
            Thread.sleep(50);
        }
    }

    private static long ticks(Path stat) {
        String s;
        try {
            s = new String(Files.readAllBytes(stat), StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return -1;
        }
        // "pid (comm) state ..." where comm may hold spaces: fields 14 and 15 counted from after ')'
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
