/* proc_read_cost: what one /proc file costs to read at a process's exec, file by file.
 *
 * Listens on the proc connector and, at each exec event, reads ONE file of the new process
 * (stat, comm, cmdline, the exe link, cgroup, status, or nothing: in turn, so each kind sees
 * the same mix of processes), with openat/read/close through a kept descriptor of /proc as
 * taskwatch does. Prints, per kind, the reader's own CPU time per read (CLOCK_THREAD_CPUTIME_ID:
 * what the read costs the reader, waits excluded), the wall time, and how often the read put
 * the reader to sleep. With --warm, the process's comm is read first, unmeasured: the cost of a
 * file once /proc has built the process's directory (the first file read of a new process
 * pays for that too).
 *
 *   gcc -O2 -o proc_read_cost proc_read_cost.c
 *   sudo ./proc_read_cost SECONDS [--warm] &   then an exec load, e.g. 2 x ./storm 3000 exec 100
 */
#define _GNU_SOURCE
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <linux/netlink.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_alarm(int s) { (void)s; stop = 1; }

static long long now_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int send_op(int s, enum proc_cn_mcast_op op) {
    char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof op)];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nh = (void *)buf;
    nh->nlmsg_len = sizeof buf;
    nh->nlmsg_type = NLMSG_DONE;
    struct cn_msg *cn = NLMSG_DATA(nh);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof op;
    memcpy(cn->data, &op, sizeof op);
    return send(s, buf, sizeof buf, 0) < 0 ? -1 : 0;
}

static const char *kinds[] = {"stat", "comm", "cmdline", "exe", "cgroup", "status", "nothing"};
#define KINDS 7
#define EXE 3
#define NOTHING 6
static long long cpu[KINDS], wall[KINDS], count[KINDS], switches[KINDS];
static char scratch[4096];
static int proc_fd;

static void read_file(int pid, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "%d/%s", pid, name);
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, scratch, sizeof scratch) < 0) { /* gone meanwhile: counted as read */ }
        close(fd);
    }
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    int warm = argc > 2 && !strcmp(argv[2], "--warm");
    signal(SIGALRM, on_alarm);
    signal(SIGINT, on_alarm);
    signal(SIGTERM, on_alarm);
    alarm(seconds);
    proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int s = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = getpid()};
    if (proc_fd < 0 || s < 0 || bind(s, (void *)&a, sizeof a) < 0 || send_op(s, PROC_CN_MCAST_LISTEN) < 0) {
        perror("proc_read_cost: /proc or the proc connector (root?)");
        return 1;
    }
    char buf[4096];
    unsigned long execs = 0;
    while (!stop) {
        ssize_t r = recv(s, buf, sizeof buf, 0);
        if (r <= 0) continue; /* EINTR at the alarm, or ENOBUFS: a lost exec changes no average */
        struct cn_msg *cn = NLMSG_DATA((struct nlmsghdr *)buf);
        struct proc_event *ev = (void *)cn->data;
        if (ev->what != PROC_EVENT_EXEC) continue;
        int pid = ev->event_data.exec.process_tgid;
        int k = execs++ % KINDS;
        if (warm) read_file(pid, "comm");
        struct rusage r0, r1;
        getrusage(RUSAGE_THREAD, &r0);
        long long c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
        if (k == EXE) {
            char path[64];
            snprintf(path, sizeof path, "%d/exe", pid);
            if (readlinkat(proc_fd, path, scratch, sizeof scratch) < 0) { /* gone */ }
        } else if (k != NOTHING) {
            read_file(pid, kinds[k]);
        }
        long long c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
        getrusage(RUSAGE_THREAD, &r1);
        cpu[k] += c1 - c0;
        wall[k] += w1 - w0;
        count[k]++;
        switches[k] += (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw);
    }
    send_op(s, PROC_CN_MCAST_IGNORE); /* always unsubscribe before closing */
    close(s);
    printf("%s: per exec, one file of the new process (%s)\n", argv[0],
           warm ? "its comm read first, unmeasured" : "the first file read of the process");
    for (int k = 0; k < KINDS; k++) {
        double n = count[k] ? count[k] : 1;
        printf("%-8s reads %6lld  cpu %6.1f us  wall %6.1f us  sleeps per read %.3f\n", kinds[k], count[k],
               cpu[k] / 1e3 / n, wall[k] / 1e3 / n, switches[k] / n);
    }
    return 0;
}
