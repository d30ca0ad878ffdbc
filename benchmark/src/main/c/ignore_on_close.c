/* ignore_on_close: an LD_PRELOAD shim that sends IGNORE on a proc connector socket before it
 * is closed, for a program that does not: forkstat 0.03 (Debian's) LISTENs, and on SIGINT or at
 * its end only closes its socket, so each run would leave the kernel counting a listener until
 * reboot (the count drops on IGNORE only) and building every process event for nobody.
 * benchmark/compare runs forkstat with it. It wraps socket() (to know the connector sockets)
 * and close(), and sends IGNORE at exit for what is still open. One IGNORE per socket: from
 * Linux 6.6 the kernel counts it only for a socket that listens; before 6.6 any IGNORE drops
 * the count, so use it only with programs that LISTEN on every connector socket they open
 * (forkstat does).
 *
 *   gcc -O2 -shared -fPIC -o ignore_on_close.so ignore_on_close.c -ldl
 *   LD_PRELOAD=./ignore_on_close.so forkstat -e fork,exec,exit
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <string.h>

/* the connector sockets this program opened, noted by socket() so that close() costs no system
 * call for other descriptors (forkstat closes a /proc file per event: a check by getsockopt
 * there would add to the CPU the comparison measures) */
#define MAX_FD 4096
static unsigned char connector[MAX_FD];

int socket(int domain, int type, int protocol) {
    static int (*real_socket)(int, int, int);
    if (!real_socket) real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    int fd = real_socket(domain, type, protocol);
    if (fd >= 0 && fd < MAX_FD) connector[fd] = domain == AF_NETLINK && protocol == NETLINK_CONNECTOR;
    return fd;
}

static void send_ignore(int fd) {
    enum proc_cn_mcast_op op = PROC_CN_MCAST_IGNORE;
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
    send(fd, buf, sizeof buf, MSG_DONTWAIT);
}

int close(int fd) {
    static int (*real_close)(int);
    if (!real_close) real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < MAX_FD && connector[fd]) {
        send_ignore(fd);
        connector[fd] = 0;
    }
    return real_close(fd);
}

__attribute__((destructor)) static void ignore_what_is_still_open(void) {
    for (int fd = 0; fd < MAX_FD; fd++) {
        if (connector[fd]) send_ignore(fd); /* exit closes it without our close() */
    }
}
