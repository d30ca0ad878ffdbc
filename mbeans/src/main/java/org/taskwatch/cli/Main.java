package org.taskwatch.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

/** {@code taskwatch}: one class per subcommand, each returning its exit code. */
public final class Main {
    static final int USAGE = 2;
    private static final Set<String> COMMANDS = Set.of("agent", "events", "wait");

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(usage());
            return USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (COMMANDS.contains(args[0]) && asksForHelp(rest)) { // "taskwatch events --help", as "taskwatch --help"
            out.print(usage());
            return 0;
        }
        try {
            switch (args[0]) {
                case "agent":
                    return new AgentCommand(out, err).run(new Options(rest));
                case "events":
                    return new EventsCommand(out, err).run(new Options(rest));
                case "wait":
                    return new WaitCommand(out, err).run(new Options(rest));
                case "-h":
                case "--help":
                case "help":
                    out.print(usage());
                    return 0;
                case "-V":
                case "--version":
                    out.println("taskwatch " + version());
                    return 0;
                default:
                    err.println("taskwatch: unknown command '" + args[0] + "'");
                    err.print(usage());
                    return USAGE;
            }
        } catch (Options.UsageException e) {
            err.println("taskwatch " + args[0] + ": " + e.getMessage());
            err.println("Run 'taskwatch --help' for usage.");
            return USAGE;
        }
    }

    /** A subcommand's own {@code --help} or {@code -h}, anywhere among its words. */
    private static boolean asksForHelp(String[] rest) {
        for (String a : rest) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    static String usage() {
        return "Usage: taskwatch COMMAND [OPTIONS]\n"
                + "\n"
                + "Watch Linux processes fork, exec and exit, from the kernel's proc connector.\n"
                + "\n"
                + "Commands:\n"
                + "  agent [--config FILE] [--jmx-port N] [--jolokia-port N] [--no-jmx] [--no-jolokia]\n"
                + "        [--set KEY=VALUE]...\n"
                + "        run the monitor with its MBeans over JMX remote (default 127.0.0.1:9875)\n"
                + "        and Jolokia (default http://127.0.0.1:8778/jolokia/); keys: see README\n"
                + "  events [--pid N [--tree]] [--command REGEX] [--unit NAME] [--cgroup PATH] [--types LIST] [--json]\n"
                + "        print events as they happen, one line each (default: every process)\n"
                + "  wait PID [--timeout SECONDS]\n"
                + "        block until PID exits; exit with its status (128+N if killed by signal N),\n"
                + "        3 on timeout, 4 when no such process exists\n"
                + "  --help, --version\n"
                + "\n"
                + "LIST: comma-separated " + org.taskwatch.kernel.EventType.NAMES + "\n"
                + "      (thread = thread create and exit; default for events: fork,exec,exit)\n";
    }
}
