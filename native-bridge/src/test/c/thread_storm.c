/* A burst of thread events: creates and joins N threads one after another (N thread-create and
 * N thread-exit events, about 10,000 a second even on a slow VM, where a fork takes 750 us), then
 * exits with 0. Tests that need more events than a socket buffer holds use it while the reader
 * is held, so the overrun does not depend on the machine's speed.
 * Usage: thread_storm N */
#include <pthread.h>
#include <stdlib.h>

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, nothing, 0)) return 100;
        pthread_join(t, 0);
    }
    return 0;
}
