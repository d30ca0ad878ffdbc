package org.taskwatch.boot;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * {@code java -jar taskwatch-mbeans.jar COMMAND ...} (the {@code taskwatch} launcher): runs
 * {@code org.taskwatch.cli.Main} in the same {@link IsolatedLoader} as the agent, since the jar's
 * manifest no longer names its dependencies in {@code Class-Path}.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Throwable {
        ClassLoader loader;
        try {
            loader = IsolatedLoader.get();
        } catch (java.io.IOException e) {
            System.err.println("taskwatch: " + e.getMessage());
            System.exit(1);
            return;
        }
        MethodHandle main = MethodHandles.publicLookup().findStatic(
                Class.forName("org.taskwatch.cli.Main", true, loader),
                "main", MethodType.methodType(void.class, String[].class));
        Thread.currentThread().setContextClassLoader(loader);
        main.invokeExact(args);
    }
}
