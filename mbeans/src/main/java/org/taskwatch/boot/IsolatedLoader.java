package org.taskwatch.boot;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * The class loader taskwatch runs in: the jar itself and the dependency jars its manifest names
 * ({@value #CLASS_PATH_ATTRIBUTE}, relative to the jar's directory as {@code Class-Path} is; for
 * a symbolic link, the directory of the file it points to), with the platform class loader as
 * parent. So it sees the JDK and its own jars, never the application class path: a host's
 * Jolokia or JNA, in whatever version, is neither used by taskwatch nor shadowed by it.
 *
 * <p>Why a class loader rather than relocated (shaded) packages: JNA's native library exports
 * its JNI functions under JNA's class names ({@code Java_com_sun_jna_Native_...}) and looks up
 * {@code com/sun/jna/Pointer} and others by name, so JNA cannot be renamed; and Jolokia finds
 * its services and detectors by class names written in resource files. Each JNA copy unpacks
 * its native library to a temporary file of its own, and the JVM and the dynamic linker load
 * two files as two libraries, so two copies in two class loaders both work.
 *
 * <p>The manifest deliberately has no {@code Class-Path}: under {@code -javaagent} the JVM puts
 * the agent jar on the application class path, and a {@code Class-Path} there would bring the
 * dependencies with it.
 */
final class IsolatedLoader {
    /** The manifest attribute listing the dependency jars (comma-separated, relative to the jar). */
    static final String CLASS_PATH_ATTRIBUTE = "Taskwatch-Class-Path";

    private static URLClassLoader loader; // guarded by IsolatedLoader.class

    private IsolatedLoader() {}

    /** The one loader of this JVM (premain and a later agentmain share it, and so one agent). */
    static synchronized ClassLoader get() throws IOException {
        if (loader == null) {
            loader = new URLClassLoader("taskwatch", classPath(jar()), ClassLoader.getPlatformClassLoader());
        }
        return loader;
    }

    /** The jar this class was loaded from. */
    private static Path jar() throws IOException {
        try {
            return Path.of(IsolatedLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot tell which jar taskwatch was started from: " + e, e);
        }
    }

    /** The jar, then each dependency its manifest names; a missing one is an error naming it. */
    static URL[] classPath(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("taskwatch must be started from its jar, not from " + jar);
        }
        String names;
        try (JarFile file = new JarFile(jar.toFile())) {
            names = file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue(CLASS_PATH_ATTRIBUTE);
        }
        if (names == null) {
            throw new IOException(jar + " has no " + CLASS_PATH_ATTRIBUTE + " in its manifest: not a taskwatch jar as built");
        }
        List<URL> urls = new ArrayList<>();
        urls.add(url(jar));
        Path dir = jar.toRealPath().getParent(); // a symlinked jar: lib/ is beside the file it names
        for (String name : names.split(",")) {
            Path dependency = dir.resolve(name);
            if (!Files.isRegularFile(dependency)) {
                throw new IOException("missing " + dependency + ": the jars " + jar.getFileName()
                        + " needs belong in lib/ beside it");
            }
            urls.add(url(dependency));
        }
        return urls.toArray(new URL[0]);
    }

    private static URL url(Path p) throws MalformedURLException {
        return p.toAbsolutePath().toUri().toURL();
    }
}
