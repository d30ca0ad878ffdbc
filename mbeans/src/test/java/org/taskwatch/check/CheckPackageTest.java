package org.taskwatch.check;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * This package is copied into check_taskwatch's jar, which is started for every check: it must
 * not use javac's invokedynamic string concatenation (its first use costs the plugin ~25 ms of
 * method-handle bootstrap; the plugin's own classes are compiled with {@code -XDstringConcat=inline},
 * these with the agent), and it must refer to nothing of the agent (the plugin's jar has only this
 * package and the command rule).
 */
class CheckPackageTest {
    @Test
    void noIndyConcatenationAndNothingOfTheAgent() throws Exception {
        URI where = State.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        Path root = Path.of(where);
        FileSystem jar = Files.isDirectory(root) ? null : FileSystems.newFileSystem(root, Map.of());
        try {
            Path dir = (jar == null ? root : jar.getPath("/")).resolve("org/taskwatch/check");
            List<Path> classes;
            try (Stream<Path> s = Files.list(dir)) {
                classes = s.filter(p -> p.toString().endsWith(".class")).toList();
            }
            assertTrue(classes.size() >= 6, classes.toString());
            for (Path c : classes) {
                // constant pool strings are modified UTF-8: ASCII names read as they are
                String pool = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
                assertFalse(pool.contains("makeConcatWithConstants"), c + " concatenates strings with '+'");
                for (String other : new String[] {"org/taskwatch/monitor", "org/taskwatch/kernel", "org/taskwatch/jmx",
                    "org/taskwatch/agent", "org/taskwatch/push"}) {
                    assertFalse(pool.contains(other), c + " refers to " + other);
                }
            }
        } finally {
            if (jar != null) {
                jar.close();
            }
        }
    }
}
