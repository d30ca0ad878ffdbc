package org.taskwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.management.JMException;
import org.taskwatch.agent.JmxRemote;
import org.taskwatch.jmx.JmxExporter;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.TaskMonitor;

/**
 * {@code taskwatch agent}: the monitor's MBeans in the platform MBeanServer, served over JMX
 * remote; runs until SIGINT/SIGTERM, then unsubscribes (IGNORE) and exits 0.
 */
final class AgentCommand {
    static final int DEFAULT_JMX_PORT = 9875;
    static final String DEFAULT_HOST = "127.0.0.1";

    private final PrintStream out;
    private final PrintStream err;

    AgentCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(Options o) {
        o.parse(Set.of("--config", "--jmx-port", "--jolokia-port"), Set.of("--no-jmx", "--no-jolokia"));
        if (!o.positional().isEmpty()) {
            throw new Options.UsageException("unexpected argument '" + o.positional().get(0) + "'");
        }
        int jmxPort = o.intValue("--jmx-port", DEFAULT_JMX_PORT, 0, 65535);
        System.setProperty("java.rmi.server.hostname", DEFAULT_HOST);
        TaskMonitor monitor;
        try {
            monitor = TaskMonitor.start(MonitorSettings.defaults());
        } catch (IOException e) {
            err.println("taskwatch agent: " + e.getMessage());
            return 1;
        }
        JmxRemote remote = null;
        JmxExporter exporter;
        try {
            exporter = JmxExporter.export(ManagementFactory.getPlatformMBeanServer(), monitor);
            if (!o.flag("--no-jmx")) {
                remote = JmxRemote.start(ManagementFactory.getPlatformMBeanServer(), DEFAULT_HOST, jmxPort);
            }
        } catch (IOException | JMException e) {
            err.println("taskwatch agent: " + e.getMessage());
            monitor.close();
            return 1;
        }
        out.println("taskwatch agent: event source " + monitor.eventSource() + " (kernel "
                + monitor.connector().kernel().release() + ", receive buffer "
                + monitor.connector().receiveBufferBytes() / 1024 + " KiB"
                + (monitor.connector().receiveBufferForced() ? "" : ", capped by net.core.rmem_max: no CAP_NET_ADMIN")
                + ")");
        if (remote != null) {
            out.println("taskwatch agent: JMX " + remote.url());
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        JmxRemote r = remote;
        Termination.onSignal(() -> {
            if (r != null) {
                r.close();
            }
            exporter.close();
            monitor.close(); // sends IGNORE
            stopped.countDown();
        });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
