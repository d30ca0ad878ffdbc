package org.taskwatch.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.taskwatch.kernel.EventType;
import org.taskwatch.monitor.KernelFilterMode;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.TaskMonitor;

/**
 * {@code taskwatch events [--pid N [--tree]] [--command REGEX] [--unit NAME] [--cgroup PATH]
 * [--types LIST] [--json]}: prints events as they happen until interrupted, then unsubscribes
 * (IGNORE) and exits 0. Each selector adds a watch (the events of any of them are printed);
 * none: every process.
 */
final class EventsCommand {
    static final String DEFAULT_TYPES = "fork,exec,exit";

    private final PrintStream out;
    private final PrintStream err;

    EventsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /**
     * Where events go: stdout through a 64 KiB buffer that the printer flushes after each run of
     * events (System.out's own flushes every line, and writes a line longer than 128 bytes in
     * pieces); any other stream (tests) as it is.
     */
    private PrintStream printerStream() {
        if (out != System.out) {
            return out;
        }
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
                Charset.defaultCharset());
    }

    int run(Options o) {
        o.parse(Set.of("--pid", "--command", "--unit", "--cgroup", "--types"), Set.of("--tree", "--json"));
        if (!o.positional().isEmpty()) {
            throw new Options.UsageException("unexpected argument '" + o.positional().get(0) + "'");
        }
        String types = o.value("--types") == null ? DEFAULT_TYPES : o.value("--types");
        try {
            EventType.parseList(types);
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--types: " + e.getMessage().replaceFirst("^events: ", ""));
        }
        int pid = o.intValue("--pid", 0, 1, Integer.MAX_VALUE);
        if (o.flag("--tree") && pid == 0) {
            throw new Options.UsageException("--tree needs --pid");
        }
        PrintStream printed = printerStream();
        TaskMonitor monitor;
        try {
            // it shows no counters: a filter without counting for one process or tree, none for everything
            monitor = TaskMonitor.start(MonitorSettings.defaults()
                    .withKernelFilter(pid != 0 ? KernelFilterMode.AUTO : KernelFilterMode.OFF));
        } catch (IOException e) {
            err.println("taskwatch events: " + e.getMessage());
            return 1;
        }
        Termination end = Termination.onSignal(monitor::close); // close sends IGNORE, then the JVM halts with 0
        try {
            monitor.addListener(new EventPrinter(printed, o.flag("--json")));
            if (pid != 0) {
                if (o.flag("--tree")) {
                    monitor.watchTree(pid, types);
                } else {
                    monitor.watch(pid, types);
                }
            }
            if (o.value("--command") != null) {
                monitor.watchCommand(o.value("--command"), types);
            }
            if (o.value("--unit") != null) {
                monitor.watchUnit(o.value("--unit"), types);
            }
            if (o.value("--cgroup") != null) {
                monitor.watchCgroup(o.value("--cgroup"), types);
            }
            if (pid == 0 && o.value("--command") == null && o.value("--unit") == null && o.value("--cgroup") == null) {
                monitor.watchTree(1, types);
            }
        } catch (IllegalArgumentException e) {
            err.println("taskwatch events: " + e.getMessage());
            monitor.close();
            return end.endWith(Main.USAGE);
        }
        // after the watches are in place: what follows this line is seen
        org.taskwatch.kernel.ProcConnector c = monitor.connector();
        if (c == null) {
            err.println("taskwatch events: note: no proc connector (" + monitor.source().degradedReason()
                    + "); polling /proc instead, which " + monitor.source().limitations());
        } else if (c.receiveBufferCapped()) {
            err.println("taskwatch events: note: " + c.receiveBufferText() + ": a burst beyond it loses events,"
                    + " which are counted and reported; run as root or grant CAP_NET_ADMIN for all that was asked");
        }
        if (o.value("--command") != null && !monitor.exitNames().startsWith("taskstats")) {
            err.println("taskwatch events: note: exit names " + monitor.exitNames());
        }
        if (!o.flag("--json")) {
            synchronized (printed) { // the reader may be printing already
                printed.println(EventPrinter.HEADER);
                printed.flush();
            }
        }
        try {
            new CountDownLatch(1).await(); // until SIGINT/SIGTERM: the shutdown hook ends the JVM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
