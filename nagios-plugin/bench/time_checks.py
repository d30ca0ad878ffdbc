#!/usr/bin/env python3
"""Median wall time per check, measured the same way for every command.

Each command is executed directly (no shell, as Icinga 2 runs plugins), N times, round-robin
across the commands so that changes in machine load hit all of them alike, after 5 warm-up
runs each. Wall time is from fork+exec to exit as the parent sees it; output goes to /dev/null.

  nagios-plugin/bench/time_checks.py 50 \\
      'check_taskwatch, live agent' './check_taskwatch --health' \\
      'check_taskwatch, dead port'  './check_taskwatch --health -U http://127.0.0.1:1/jolokia/' \\
      'check_procs'                 '/usr/lib/nagios/plugins/check_procs -C sshd -c 1:'

Prints a Markdown table: median, 10th and 90th percentile in milliseconds, the median CPU time
(user + system, from the child's rusage: what a check costs the machine, and far steadier than
wall time when the machine is busy), the exit codes seen.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def once(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, p.returncode


def main():
    if len(sys.argv) < 4 or len(sys.argv) % 2:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    commands = [(label, shlex.split(cmd)) for label, cmd in zip(sys.argv[2::2], sys.argv[3::2])]
    times = {label: [] for label, _ in commands}
    cpu = {label: [] for label, _ in commands}
    codes = {label: set() for label, _ in commands}
    for _ in range(5):
        for _, argv in commands:
            once(argv)
    for _ in range(n):
        for label, argv in commands:
            ms, cpu_ms, rc = once(argv)
            times[label].append(ms)
            cpu[label].append(cpu_ms)
            codes[label].add(rc)
    print("| command | median ms | p10 ms | p90 ms | median CPU ms | exit codes |")
    print("|---|---|---|---|---|---|")
    for label, _ in commands:
        t = sorted(times[label])
        print(f"| {label} | {statistics.median(t):.1f} | {t[len(t) // 10]:.1f} | {t[9 * len(t) // 10]:.1f} "
              f"| {statistics.median(cpu[label]):.1f} | {', '.join(map(str, sorted(codes[label])))} |")


if __name__ == "__main__":
    main()
