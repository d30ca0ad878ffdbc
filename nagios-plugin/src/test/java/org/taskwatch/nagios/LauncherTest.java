package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root launcher {@code check_taskwatch} in a checkout laid out like the real one (the script
 * at the root, the jar in nagios-plugin/target), built here from the compiled classes because
 * the module's own jar comes after the tests: the message when nothing is built, the AppCDS
 * archive made on first use and then used, a symlinked launcher, and a clean stdout throughout.
 */
class LauncherTest {
    private static Path script() {
        String root = System.getenv("TASKWATCH_ROOT");
        Path p = root != null ? Path.of(root, "check_taskwatch") : Path.of("..", "check_taskwatch");
        assertTrue(Files.isRegularFile(p), "no launcher at " + p.toAbsolutePath());
        return p;
    }

    static Path checkout(Path dir) throws IOException {
        Path s = dir.resolve("check_taskwatch");
        Files.copy(script(), s, StandardCopyOption.COPY_ATTRIBUTES);
        assertTrue(s.toFile().setExecutable(true));
        return s;
    }

    static Path jar(Path dir) throws IOException {
        Path target = Files.createDirectories(dir.resolve("nagios-plugin/target"));
        Path jar = target.resolve("taskwatch-nagios-plugin-9.9.9-test.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, CheckTaskwatch.class.getName());
        mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.9.9-test");
        Path classes = Path.of(Plugin.classesDir());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            Files.walkFileTree(classes, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        return jar;
    }

    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/jolokia/";
        }
    }

    private static Plugin.Run launch(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        return Plugin.exec(cmd, env);
    }

    private static List<Path> archives(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("nagios-plugin/target"))) {
            return s.filter(p -> p.getFileName().toString().matches("check_taskwatch-.*\\.jsa")).toList();
        }
    }

    static List<Path> awaitArchive(Path dir) throws Exception {
        for (int i = 0; i < 300; i++) {
            List<Path> a = archives(dir);
            if (!a.isEmpty()) {
                return a;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no AppCDS archive after 30 s in " + dir);
    }

    @Test
    void notBuiltSaysHowInThePluginsFormat(@TempDir Path dir) throws Exception {
        Path launcher = checkout(dir);
        Plugin.Run r = launch(launcher, Map.of(), "--health");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("TASKWATCH UNKNOWN - check_taskwatch is not built yet: run 'mvn -q -B -DskipTests install' in "
                + dir.toRealPath() + "\n", r.stdout());
    }

    @Test
    void firstUseRecordsTheArchiveLaterRunsUseIt(@TempDir Path dir) throws Exception {
        Path launcher = checkout(dir);
        jar(dir);
        String url = deadUrl();
        Plugin.Run first = Plugin.wellFormed(launch(launcher, Map.of(), "--health", "-U", url));
        assertEquals(3, first.exit(), first.toString());
        assertTrue(first.text().startsWith("cannot connect to the taskwatch agent at " + url), first.text());
        assertEquals("", first.stderr());

        List<Path> archive = awaitArchive(dir);
        assertEquals(1, archive.size(), archive.toString());
        Thread.sleep(500); // let the recording process finish renaming and unlocking
        Path log = dir.resolve("classes.log");
        Plugin.Run second = Plugin.wellFormed(launch(launcher,
                Map.of("CHECK_TASKWATCH_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), "--health", "-U", url));
        assertEquals(first.stdout(), second.stdout());
        String loaded = Files.readString(log);
        assertTrue(loaded.contains(CheckTaskwatch.class.getName() + " source: shared objects file (top)"),
                "the plugin's classes did not come from the archive:\n" + loaded.lines().filter(l -> l.contains("taskwatch"))
                        .toList());
        assertTrue(loaded.contains(Json.class.getName() + " source: shared objects file (top)"),
                "the training run covers the JSON reader too");
    }

    @Test
    void aRebuiltJarGetsAFreshArchiveAndStdoutStaysClean(@TempDir Path dir) throws Exception {
        Path launcher = checkout(dir);
        Path jar = jar(dir);
        String url = deadUrl();
        launch(launcher, Map.of(), "--health", "-U", url);
        Path old = awaitArchive(dir).get(0);
        Thread.sleep(500);
        // a rebuild: a new jar with another time; the old archive no longer fits it
        jar(dir);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Plugin.Run r = Plugin.wellFormed(launch(launcher, Map.of(), "--health", "-U", url));
        assertEquals(3, r.exit());
        for (int i = 0; i < 300 && (archives(dir).contains(old) || archives(dir).isEmpty()); i++) {
            Thread.sleep(100);
        }
        List<Path> now = archives(dir);
        assertEquals(1, now.size(), now.toString());
        assertFalse(now.contains(old), "the stale archive was replaced");
        Plugin.Run again = Plugin.wellFormed(launch(launcher, Map.of(), "--health", "-U", url));
        assertEquals(r.stdout(), again.stdout());
        assertEquals("", again.stderr(), "no JVM complaint about the archive");
    }

    @Test
    void anotherUserUsesTheArchiveOfTheUserWhoBuilt() throws Exception {
        // the monitoring daemon's user (nagios, zabbix) cannot write the checkout, but reads it
        org.junit.jupiter.api.Assumptions.assumeTrue(org.taskwatch.testing.KernelTests.isRoot() && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv to run the launcher as nobody");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "launcher-nobody");
        try {
            Path launcher = checkout(dir);
            jar(dir);
            String url = deadUrl();
            launch(launcher, Map.of(), "--health", "-U", url);
            awaitArchive(dir);
            Thread.sleep(500);
            Path log = dir.resolve("classes.log");
            Files.createFile(log);
            makeReadable(dir);
            Plugin.Run r = Plugin.wellFormed(Plugin.exec(List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                    "--clear-groups", launcher.toString(), "--health", "-U", url), Map.of("HOME", "/nonexistent",
                    "CHECK_TASKWATCH_JAVA_OPTS", "-Xlog:class+load=info:file=" + log)));
            assertEquals(3, r.exit(), r.toString());
            assertTrue(Files.readString(log).contains(CheckTaskwatch.class.getName() + " source: shared objects file (top)"),
                    "nobody did not use the archive");
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static void makeReadable(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                boolean d = Files.isDirectory(p);
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        p.getFileName().toString().equals("classes.log") ? "rw-rw-rw-" : d || Files.isExecutable(p)
                                ? "rwxr-xr-x" : "r--r--r--"));
            }
        }
    }

    @Test
    void aSymlinkedLauncherFindsItsCheckout(@TempDir Path dir) throws Exception {
        Path checkoutDir = Files.createDirectories(dir.resolve("taskwatch"));
        checkout(checkoutDir);
        jar(checkoutDir);
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path link = Files.createSymbolicLink(plugins.resolve("check_taskwatch"), checkoutDir.resolve("check_taskwatch"));
        Plugin.Run v = launch(link, Map.of(), "-V");
        assertEquals(3, v.exit());
        assertEquals("check_taskwatch 9.9.9-test (taskwatch)\n", v.stdout());
    }
}
