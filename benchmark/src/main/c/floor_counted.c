/* floor_counted: floor.c's reader behind an eBPF socket filter that counts every event in the
 * kernel and lets through only the events of a few processes: what an agent that watches a few
 * pids could cost while its system-wide counters stay true (kernelFilter, issue 15).
 *
 * The filter (BPF_PROG_TYPE_SOCKET_FILTER, attached with SO_ATTACH_BPF) runs on every message
 * the connector sends to this socket, in the sending task's context. It adds one to a slot of an
 * array map by event type (fork, exec, exit, other; a thread's fork and exit count as fork and
 * exit, as in floor.c), then accepts the message only when it is an ack or its tgid (offset 56;
 * a fork's parent) is one of the given pids. The reader wakes for those only; the counts are read
 * from the map at the end. Needs CAP_BPF or CAP_SYS_ADMIN (root) besides the connector's
 * CAP_NET_ADMIN.
 *
 *   gcc -O2 -o floor_counted floor_counted.c && sudo ./floor_counted SECONDS [PID...]
 *
 * Prints one line: passed (messages the reader received), then the kernel's counts in floor.c's
 * terms: msgs fork exec exit other, then enobufs.
 */
#include <linux/bpf.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif
#define SLOTS 4 /* fork, exec, exit, other */
#define MAX_PIDS 64

static volatile sig_atomic_t stop;
static void on_alarm(int s) { (void)s; stop = 1; }

static long bpf(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
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

/* ---- a tiny eBPF assembler ---- */
static struct bpf_insn prog[256];
static int pc;
static void emit(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm) {
    prog[pc++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}
/* BPF_ABS loads read big-endian; the kernel writes the message in host order (x86, arm64: little) */
static __s32 wire(__u32 host) { return (__s32)__builtin_bswap32(host); }

int main(int argc, char **argv) {
    int secs = argc > 1 ? atoi(argv[1]) : 5;
    int npids = argc > 2 ? argc - 2 : 0;
    if (npids > MAX_PIDS) { fprintf(stderr, "at most %d pids\n", MAX_PIDS); return 2; }

    union bpf_attr ma = { 0 };
    ma.map_type = BPF_MAP_TYPE_ARRAY;
    ma.key_size = 4;
    ma.value_size = 8;
    ma.max_entries = SLOTS;
    int map = bpf(BPF_MAP_CREATE, &ma);
    if (map < 0) { perror("bpf(BPF_MAP_CREATE)"); return 1; }

    enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };
    emit(BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0);            /* r6 = skb, for BPF_ABS */
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 36);                  /* r0 = what */
    int to_pass_ack = pc;
    emit(BPF_JMP32 | BPF_JEQ | BPF_K, R0, 0, 0, 0);              /* ack: accept (offset set below) */
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 3);              /* slot = other */
    emit(BPF_JMP32 | BPF_JNE | BPF_K, R0, 0, 1, wire(PROC_EVENT_FORK));
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 0);
    emit(BPF_JMP32 | BPF_JNE | BPF_K, R0, 0, 1, wire(PROC_EVENT_EXEC));
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 1);
    emit(BPF_JMP32 | BPF_JNE | BPF_K, R0, 0, 1, wire(PROC_EVENT_EXIT));
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 2);
    emit(BPF_STX | BPF_MEM | BPF_W, R10, R7, -4, 0);             /* key on the stack */
    emit(BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, map); /* r1 = map (two slots) */
    emit(0, 0, 0, 0, 0);
    emit(BPF_ALU64 | BPF_MOV | BPF_X, R2, R10, 0, 0);
    emit(BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, -4);
    emit(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
    emit(BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 2, 0);                /* no slot: skip the add */
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R1, 0, 0, 1);
    emit(BPF_STX | BPF_ATOMIC | BPF_DW, R0, R1, 0, BPF_ADD);      /* lock *(u64 *)slot += 1 */
    emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0, 56);                  /* r0 = tgid (a fork's parent) */
    int first_cmp = pc;
    for (int i = 0; i < npids; i++)
        emit(BPF_JMP32 | BPF_JEQ | BPF_K, R0, 0, 0, wire((__u32)atoi(argv[2 + i])));
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);              /* drop */
    emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    int pass = pc;
    emit(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, -1);             /* accept the whole message */
    emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    prog[to_pass_ack].off = pass - to_pass_ack - 1;
    for (int i = 0; i < npids; i++)
        prog[first_cmp + i].off = pass - (first_cmp + i) - 1;

    static char log[1 << 16];
    union bpf_attr pa = { 0 };
    pa.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    pa.insns = (__u64)(unsigned long)prog;
    pa.insn_cnt = pc;
    pa.license = (__u64)(unsigned long)"GPL";
    pa.log_buf = (__u64)(unsigned long)log;
    pa.log_size = sizeof log;
    pa.log_level = 1;
    int fd = bpf(BPF_PROG_LOAD, &pa);
    if (fd < 0) { perror("bpf(BPF_PROG_LOAD)"); fprintf(stderr, "%s\n", log); return 1; }

    int s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
    if (s < 0) { perror("socket"); return 1; }
    int big = 8 << 20;
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &fd, sizeof fd)) { perror("SO_ATTACH_BPF"); return 1; }
    struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
    if (bind(s, (void *)&a, sizeof a)) { perror("bind"); return 1; }
    if (send_op(s, PROC_CN_MCAST_LISTEN)) { perror("send"); return 1; }

    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    alarm(secs);

    unsigned long passed = 0, enobufs = 0;
    static char rb[1 << 16];
    while (!stop) {
        ssize_t n = recv(s, rb, sizeof rb, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) { enobufs++; continue; }
            perror("recv");
            break;
        }
        for (struct nlmsghdr *h = (void *)rb; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
            passed++;
    }
    send_op(s, PROC_CN_MCAST_IGNORE); /* the kernel's listener count only drops on IGNORE */
    close(s);

    unsigned long long c[SLOTS] = { 0 };
    for (__u32 k = 0; k < SLOTS; k++) {
        union bpf_attr la = { 0 };
        la.map_fd = map;
        la.key = (__u64)(unsigned long)&k;
        la.value = (__u64)(unsigned long)&c[k];
        if (bpf(BPF_MAP_LOOKUP_ELEM, &la)) { perror("bpf(BPF_MAP_LOOKUP_ELEM)"); return 1; }
    }
    printf("passed=%lu msgs=%llu fork=%llu exec=%llu exit=%llu other=%llu enobufs=%lu\n", passed,
           c[0] + c[1] + c[2] + c[3], c[0], c[1], c[2], c[3], enobufs);
    return 0;
}
