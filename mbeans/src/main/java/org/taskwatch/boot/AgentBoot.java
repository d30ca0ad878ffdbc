package org.taskwatch.boot;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Set;

/**
 * {@code -javaagent:taskwatch-mbeans.jar[=OPTIONS]} (and a dynamic attach): starts
 * {@code org.taskwatch.agent.JavaAgent} inside the {@link IsolatedLoader}. Nothing here may stop
 * the host JVM: whatever goes wrong is printed to stderr, and the host runs on without taskwatch.
 */
public final class AgentBoot {
    private AgentBoot() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static void start(String args, Instrumentation inst) {
        Thread thread = Thread.currentThread();
        ClassLoader host = thread.getContextClassLoader();
        try {
            ClassLoader loader = IsolatedLoader.get();
            exportRmiInternals(inst, loader);
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

    /**
     * Lets taskwatch's classes export remote JMX connections as the JDK's own agent does, so that
     * they never keep the application's JVM from exiting (org.taskwatch.agent.RmiExports says
     * why). Without it (an agent may be refused) they are exported as any RMI object.
     */
    private static void exportRmiInternals(Instrumentation inst, ClassLoader loader) {
        Module rmi = java.rmi.Remote.class.getModule();
        try {
            inst.redefineModule(rmi, Set.of(), Map.of("sun.rmi.server", Set.of(loader.getUnnamedModule())), Map.of(),
                    Set.of(), Map.of());
        } catch (RuntimeException e) {
            System.err.println("taskwatch: a JMX client connected to this JVM will keep it running until it disconnects ("
                    + e + ")");
        }
    }
}
