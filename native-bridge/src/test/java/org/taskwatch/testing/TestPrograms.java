package org.taskwatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * The small C programs under {@code native-bridge/src/test/c}, compiled once per build with gcc
 * into {@code native-bridge/target/test-bin}: processes with exactly the thread behaviour a test
 * needs (an early leader exit, an exec from a thread), which no shell can produce.
 */
public final class TestPrograms {
    private TestPrograms() {}

    /** The compiled program's path, compiling it first if needed. */
    public static synchronized String path(String name) {
        Path module = Paths.get(System.getenv().getOrDefault("TASKWATCH_ROOT", "..")).resolve("native-bridge");
        Path source = module.resolve("src/test/c/" + name + ".c");
        Path binary = module.resolve("target/test-bin/" + name);
        try {
            if (!Files.exists(binary) || Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) < 0) {
                Files.createDirectories(binary.getParent());
                Process p = new ProcessBuilder("gcc", "-O2", "-pthread", "-o", binary.toString(), source.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("gcc failed for " + source + ": " + out);
                }
            }
            return binary.toAbsolutePath().toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot compile " + source + " (is gcc installed?): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
