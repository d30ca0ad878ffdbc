package org.taskwatch.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A thread's nice value as the kernel reports it: field 19 of {@code /proc/PID/task/TID/stat},
 * the thread found by its name ({@code comm}: a Java thread's name, cut to 15 characters). An
 * independent check of what a thread did to its own priority.
 */
public final class ThreadNice {
    private ThreadNice() {}

    /** The nice value of the thread of {@code pid} named {@code name}. @throws AssertionError when there is none */
    public static int of(long pid, String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).trim().equals(comm)) {
                        return niceOf(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
                    }
                } catch (IOException gone) {
                    // the thread ended while we looked
                }
            }
        }
        throw new AssertionError("process " + pid + " has no thread named " + comm);
    }

    /** The nice value of the calling thread. */
    public static int ofThisThread() throws IOException {
        return niceOf(Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.UTF_8));
    }

    private static int niceOf(String stat) {
        // after "pid (comm) ", fields start at 3 (state): nice, field 19, is the 17th
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[16]);
    }
}
