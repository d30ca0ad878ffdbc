package org.taskwatch.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
    /**
     * The host's class loader loads this package: a reference to anything but the JDK would be
     * resolved against the host's class path (its Jolokia, its JNA), which is what it exists to avoid.
     */
    @Test
    void theBootstrapUsesTheJdkOnly() throws Exception {
        Path classes = Path.of(AgentBoot.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/taskwatch/boot");
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        int rc = ToolProvider.findFirst("jdeps").orElseThrow()
                .run(w, w, "-verbose:class", "-filter:none", classes.toString());
        w.flush();
        assertEquals(0, rc, out.toString());
        List<String> uses = out.toString().lines().filter(l -> l.startsWith("   org.taskwatch.boot."))
                .map(l -> l.split("\\s+")[3]).toList();
        assertTrue(uses.contains("java.net.URLClassLoader"), "jdeps read the classes: " + out);
        for (String used : uses) {
            assertTrue(used.startsWith("java.") || used.startsWith("org.taskwatch.boot."), used + " in " + out);
        }
    }

    @Test
    void theClassPathIsTheJarThenTheDependenciesItsManifestNames(@TempDir Path dir) throws IOException {
        Path jar = jar(dir.resolve("tw.jar"), "lib/a.jar,lib/b-1.0.jar");
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("lib/a.jar"), "");
        Files.writeString(dir.resolve("lib/b-1.0.jar"), "");
        Files.writeString(dir.resolve("lib/stale-0.9.jar"), ""); // in lib/, but not named: not loaded
        URL[] urls = IsolatedLoader.classPath(jar);
        assertEquals(List.of(jar.toUri().toURL(), dir.resolve("lib/a.jar").toUri().toURL(),
                dir.resolve("lib/b-1.0.jar").toUri().toURL()), List.of(urls));
    }

    @Test
    void aSymlinkedJarFindsLibBesideTheFileItPointsTo(@TempDir Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("share"));
        Path jar = jar(home.resolve("tw.jar"), "lib/a.jar");
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/a.jar"), "");
        Path link = Files.createSymbolicLink(dir.resolve("agent.jar"), jar);
        assertEquals(home.resolve("lib/a.jar").toUri().toURL(), IsolatedLoader.classPath(link)[1]);
    }

    @Test
    void aMissingDependencyIsNamed(@TempDir Path dir) throws IOException {
        Path jar = jar(dir.resolve("tw.jar"), "lib/a.jar");
        IOException e = assertThrows(IOException.class, () -> IsolatedLoader.classPath(jar));
        assertEquals("missing " + dir.resolve("lib/a.jar") + ": the jars tw.jar needs belong in lib/ beside it", e.getMessage());
    }

    @Test
    void aJarWithoutTheAttributeIsRefused(@TempDir Path dir) throws IOException {
        Path jar = jar(dir.resolve("other.jar"), null);
        IOException e = assertThrows(IOException.class, () -> IsolatedLoader.classPath(jar));
        assertEquals(jar + " has no Taskwatch-Class-Path in its manifest: not a taskwatch jar as built", e.getMessage());
        IOException classes = assertThrows(IOException.class, () -> IsolatedLoader.classPath(dir));
        assertEquals("taskwatch must be started from its jar, not from " + dir, classes.getMessage());
    }

    private static Path jar(Path path, String classPath) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            m.getMainAttributes().putValue(IsolatedLoader.CLASS_PATH_ATTRIBUTE, classPath);
        }
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return path;
    }
}
