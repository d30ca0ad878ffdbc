/* lat_tap: reads JSON lines (taskwatch events --json) on stdin and, for each line with a
 * "timestampNanos" (the kernel's CLOCK_MONOTONIC stamp), records now minus that stamp: the
 * latency from the kernel to the line being readable by a consumer of taskwatch's output.
 * On SIGUSR1 it appends "lines p50_us p99_us max_us" for the lines since the last report to
 * the file named by argv[1], and starts over. Ends at EOF.
 *
 *   gcc -O2 -o lat_tap lat_tap.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t report;
static void on_usr1(int s) { (void)s; report = 1; }

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static long long *lat;
static size_t n, cap;

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void write_report(const char *file) {
    FILE *f = fopen(file, "a");
    if (!f) return;
    if (n == 0) {
        fprintf(f, "0 - - -\n");
    } else {
        qsort(lat, n, sizeof *lat, cmp);
        fprintf(f, "%zu %lld %lld %lld\n", n, lat[n / 2] / 1000, lat[(n * 99) / 100] / 1000, lat[n - 1] / 1000);
    }
    fclose(f);
    n = 0;
}

static void line(const char *s, size_t len, long long now) {
    static const char key[] = "\"timestampNanos\":";
    const char *p = memmem(s, len, key, sizeof key - 1);
    if (!p) return;
    long long ts = strtoll(p + sizeof key - 1, 0, 10);
    if (n == cap) {
        cap = cap ? cap * 2 : 65536;
        lat = realloc(lat, cap * sizeof *lat);
    }
    lat[n++] = now - ts;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: lat_tap REPORT_FILE\n"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    static char buf[1 << 16];
    size_t have = 0;
    for (;;) {
        if (report) { report = 0; write_report(argv[1]); }
        struct pollfd pf = { 0, POLLIN, 0 };
        int r = poll(&pf, 1, 100);
        if (r <= 0) continue;
        ssize_t got = read(0, buf + have, sizeof buf - have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        long long now = now_ns();
        have += got;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] == '\n') { line(buf + start, i - start, now); start = i + 1; }
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (have == sizeof buf) have = 0; /* a line longer than the buffer: dropped */
    }
    write_report(argv[1]);
    return 0;
}
