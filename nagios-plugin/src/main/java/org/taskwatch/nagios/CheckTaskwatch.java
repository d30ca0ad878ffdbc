package org.taskwatch.nagios;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskwatch.check.State;
import org.taskwatch.check.StatusText;

/**
 * {@code check_taskwatch}: a monitoring plugin (Nagios, Icinga, Naemon, ...) that asks the
 * taskwatch agent over Jolokia, one request per check, and follows the monitoring-plugins
 * guidelines: exit 0/1/2/3, one status line {@code TASKWATCH <STATE> - text | perfdata},
 * threshold ranges, and a timeout of its own.
 *
 * <p>Threads: the main thread parses, asks and prints; a watchdog thread prints UNKNOWN and ends
 * the JVM when the timeout passes first. Exactly one of them prints: {@link #emit} lets only the
 * first caller through, and the loser never returns.
 */
public final class CheckTaskwatch {
    private final PrintStream out;
    private final boolean standalone; // true: the watchdog may halt the JVM
    private final Trace trace = new Trace();
    private boolean emitted; // guarded by this

    CheckTaskwatch(PrintStream out, boolean standalone) {
        this.out = out;
        this.standalone = standalone;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        int code = new CheckTaskwatch(out, true).execute(args);
        out.flush();
        Runtime.getRuntime().halt(code);
    }

    /** Runs the plugin: prints its output and returns its exit code. */
    int execute(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (Options.UsageException e) {
            emit(StatusText.line(State.UNKNOWN, e.getMessage()) + "\n" + usage()
                    + "Try 'check_taskwatch --help' for more information.\n");
            return State.UNKNOWN.code;
        }
        if (o.help) {
            emit(help());
            return State.UNKNOWN.code; // as the monitoring-plugins do for --help and --version
        }
        if (o.version) {
            emit("check_taskwatch " + version() + " (taskwatch)\n");
            return State.UNKNOWN.code;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds);
        Check check = check(o);
        if (standalone) {
            startWatchdog(o, check, deadline);
        }
        Result r;
        try {
            r = check.run(new Jolokia(o.url, o.user, o.password, deadline, trace));
        } catch (CheckException e) {
            r = e.unreachable() ? unreachable(o, check, e.getMessage())
                    : new Result(e.state(), e.getMessage(), null, List.of(), List.of(), null);
        } catch (RuntimeException e) {
            r = Result.unknown("internal error in check_taskwatch: " + e);
        }
        if (System.nanoTime() - deadline > 0) {
            r = timedOut(o, check); // finished, but too late: the timeout is the plugin's promise
        }
        emit(text(o, r));
        return r.state().code;
    }

    /** What is printed: the status line and more; with --raw the number; with --raw-state the exit status. */
    private String text(Options o, Result r) {
        if (o.rawState) {
            return r.state().code + "\n";
        }
        return o.raw && r.raw() != null ? r.raw() + "\n" : Output.render(r, o.verbosity, trace.upTo(o.verbosity));
    }

    /**
     * The agent did not answer: UNKNOWN with the reason; but with {@code --raw}, a mode that has a
     * number for this ({@code --health}: 2, failed) gives it, as CRITICAL, so Zabbix stores a value.
     */
    private static Result unreachable(Options o, Check check, String reason) {
        String raw = o.raw ? check.rawWhenUnreachable() : null;
        return raw == null ? Result.unknown(reason) : new Result(State.CRITICAL, reason, null, List.of(), List.of(), raw);
    }

    static Check check(Options o) {
        switch (o.mode) {
            case ALIVE: return new AliveCheck(o.pid, null);
            case PIDFILE: return new AliveCheck(0, o.pidfile);
            case COMMAND: return new CommandCheck(o.regex, o.window(), o.thresholds());
            case EXITS: return new ExitsCheck(o.regex, o.nonzero, o.window(), o.thresholds());
            case RATE: return new RateCheck(o.rateType, o.window(), o.thresholds());
            case WATCH: return new WatchCheck(o.watchName, o.window(), o.thresholds());
            case LIST_WATCHES: return new ListWatchesCheck();
            case PUSH: return new PushCheck(o.thresholds(), o.maxWait());
            default: return new HealthCheck(o.window(), o.thresholds());
        }
    }

    private Result timedOut(Options o, Check check) {
        return unreachable(o, check, "timed out after " + o.timeoutSeconds + " s waiting for the taskwatch agent at " + o.url
                + " (-t " + o.timeoutSeconds + ")");
    }

    private void startWatchdog(Options o, Check check, long deadline) {
        Thread t = new Watchdog(o, check, deadline); // a class, not a lambda: no invokedynamic bootstrap at startup
        t.setDaemon(true);
        t.start();
    }

    /**
     * Prints UNKNOWN and ends the JVM with 3 at the deadline, whatever the main thread is stuck in
     * ({@code --health --raw}: prints 2 and ends with 2, see {@link #unreachable}).
     */
    private final class Watchdog extends Thread {
        private final Options options;
        private final Check check;
        private final long deadline;

        Watchdog(Options options, Check check, long deadline) {
            super("check_taskwatch-watchdog");
            this.options = options;
            this.check = check;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Result r = timedOut(options, check);
            emit(text(options, r));
            Runtime.getRuntime().halt(r.state().code);
        }
    }

    /** Prints {@code text} if nothing was printed yet; a second caller waits for the JVM to end. */
    private synchronized void emit(String text) {
        if (emitted) {
            while (true) {
                try {
                    wait(); // the first caller is ending the JVM
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        emitted = true;
        out.print(text);
        out.flush();
    }

    static String version() {
        String v = CheckTaskwatch.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    static String usage() {
        return "Usage: check_taskwatch (--alive PID | --pidfile FILE | --command REGEX | --exits REGEX [--nonzero]\n"
                + "         | --rate fork|exec|exit | --health | --watch NAME | --list-watches | --push)\n"
                + "         [--window SECONDS] [--max-wait SECONDS] [-w RANGE] [-c RANGE]\n"
                + "         [-U URL] [--user USER --password PASSWORD] [-t SECONDS] [--raw | --raw-state] [-v]...\n";
    }

    static String help() {
        return "check_taskwatch " + version() + " (taskwatch)\n"
                + "\n"
                + "Checks Linux processes through the taskwatch agent, which sees every fork, exec and\n"
                + "exit from the kernel's proc connector. Asks the agent's Jolokia endpoint once per check.\n"
                + "\n"
                + usage()
                + "\n"
                + "Modes (exactly one):\n"
                + " --alive PID            OK while PID runs; CRITICAL when it is gone, naming how it ended\n"
                + " --pidfile FILE         the same for the pid in FILE (read on this host); CRITICAL when\n"
                + "                        FILE does not exist\n"
                + " --command REGEX        thresholds on the number of running processes whose command\n"
                + "                        (comm, exe path or command line) matches REGEX; default -c 1:\n"
                + " --exits REGEX          thresholds on exits of matching processes in the window;\n"
                + "   --nonzero            count only exits with a non-zero status or by a signal;\n"
                + "                        default -w 0 (WARNING on any)\n"
                + " --rate fork|exec|exit  thresholds on events per second, machine-wide, over the window\n"
                + "                        (window at most " + Options.MAX_RATE_WINDOW + " s)\n"
                + " --health               CRITICAL when the agent failed, WARNING when degraded; thresholds\n"
                + "                        on events lost in the window, default -w 0\n"
                + " --watch NAME           a watch declared in the agent's configuration (watch.NAME.*):\n"
                + "                        CRITICAL when its running processes are outside its expectation\n"
                + "                        (or -w/-c, which replace it) or it crash-loops, WARNING after a\n"
                + "                        non-zero exit in the window; perfdata running, exits,\n"
                + "                        nonzero_exits, restarts\n"
                + " --list-watches         the names of the declared watches; with --raw as Zabbix\n"
                + "                        low-level discovery JSON [{\"{#WATCH}\":\"nginx\"},...]\n"
                + " --push                 whether the agent's pushes (Zabbix, Icinga 2, Nagios) arrive:\n"
                + "                        thresholds on messages dropped or refused since the agent\n"
                + "                        started, default -w 0; WARNING too when a message has waited\n"
                + "                        longer than --max-wait for its destination (default "
                + Options.DEFAULT_MAX_WAIT + " s);\n"
                + "                        UNKNOWN when it pushes nowhere\n"
                + "\n"
                + "Options:\n"
                + " -h, --help             print this help\n"
                + " -V, --version          print the version\n"
                + " -U, --url=URL          the agent's Jolokia URL (default " + Options.DEFAULT_URL + ")\n"
                + "     --user=USER, --password=PASSWORD\n"
                + "                        HTTP basic authentication for Jolokia\n"
                + " -w, --warning=RANGE    WARNING when the value is outside RANGE\n"
                + " -c, --critical=RANGE   CRITICAL when the value is outside RANGE\n"
                + "     --window=SECONDS   the window for --command, --exits, --rate, --health, --watch (default "
                + Options.DEFAULT_WINDOW + ")\n"
                + "     --max-wait=SECONDS for --push: WARNING once a message has waited longer than\n"
                + "                        this for its destination (default " + Options.DEFAULT_MAX_WAIT + ")\n"
                + " -t, --timeout=SECONDS  UNKNOWN after this long, whatever the agent does (default "
                + Options.DEFAULT_TIMEOUT + ")\n"
                + "     --raw              print only the number (for Zabbix UserParameters): --alive 1/0,\n"
                + "                        --command running, --exits the count, --rate the rate,\n"
                + "                        --health 0 ok / 1 degraded / 2 failed, --watch running,\n"
                + "                        --push dropped plus refused; when the\n"
                + "                        agent does not answer, --health prints 2 and the others the\n"
                + "                        UNKNOWN status line\n"
                + "     --raw-state        print only the exit status (0 OK, 1 WARNING, 2 CRITICAL,\n"
                + "                        3 UNKNOWN), for Zabbix triggers on a check's verdict\n"
                + " -v, --verbose          -v: more on the status line, and what is too long for it on\n"
                + "                        the lines after (the long output); -vv: the reply and the\n"
                + "                        request; -vvv: the HTTP exchange and its timing\n"
                + "\n"
                + "RANGE is [@]start:end: alert when the value is outside start..end (both included), or\n"
                + "inside it when it starts with @. start defaults to 0 and may be ~ (no lower bound); an\n"
                + "empty end has no upper bound. 10 = outside 0..10; 10: = below 10; ~:10 = above 10;\n"
                + "10:20 = outside 10..20; @10:20 = inside 10..20.\n"
                + "A '|' in the text (a pattern, a process name) is shown as '\u00a6': Nagios reads '|' as\n"
                + "the start of the performance data.\n"
                + "\n"
                + "Examples:\n"
                + " check_taskwatch --pidfile /run/nginx.pid\n"
                + " check_taskwatch --command '^nginx' -w 2: -c 1:\n"
                + " check_taskwatch --exits 'backup\\.sh' --nonzero --window 3600 -c 0\n"
                + " check_taskwatch --rate fork -w 500 -c 2000\n"
                + " check_taskwatch --health -U http://10.0.0.5:8778/jolokia/\n"
                + " check_taskwatch --watch nginx --window 600\n"
                + "\n"
                + "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for --help, --version and\n"
                + "bad options, as the monitoring-plugins do).\n";
    }
}
