package org.taskwatch.boot;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * {@code -javaagent:taskwatch-mbeans.jar[=OPTIONS]} (and a dynamic attach): starts
 * {@code org.taskwatch.agent.JavaAgent} inside the {@link IsolatedLoader}. Nothing here may stop
 * the host JVM: whatever goes wrong is printed to stderr, and the host runs on without taskwatch.
 */
public final class AgentBoot {
    private AgentBoot() {}

    public static void premain(String args, Instrumentation inst) {
        start(args);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args);
    }

    private static void start(String args) {
        Thread thread = Thread.currentThread();
        ClassLoader host = thread.getContextClassLoader();
        try {
            ClassLoader loader = IsolatedLoader.get();
            MethodHandle start = MethodHandles.publicLookup().findStatic(
                    Class.forName("org.taskwatch.agent.JavaAgent", true, loader),
                    "start", MethodType.methodType(void.class, String.class));
            // libraries that look up classes or services through the context loader (Jolokia,
            // JMX connector providers) find taskwatch's, and so do the threads started here
            thread.setContextClassLoader(loader);
            start.invokeExact(args);
        } catch (Throwable e) { // a throwable out of premain would abort the host JVM's start
            System.err.println("taskwatch: not started: " + (e instanceof IOException ? e.getMessage() : e));
        } finally {
            thread.setContextClassLoader(host);
        }
    }
}
