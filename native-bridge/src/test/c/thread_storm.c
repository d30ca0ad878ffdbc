/* A storm of thread events: creates and joins threads one after another (a thread-create and a
 * thread-exit event each, about 10,000 events a second even on a slow VM, where a fork takes
 * 750 us), then exits with 0. Tests that need more events than a socket buffer holds use it, so
 * that the overrun does not depend on the machine's speed.
 * Usage: thread_storm N     N threads
 *        thread_storm -     until stdin ends (a line or EOF): a storm that lasts as long as the test needs */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int stop;

static void *nothing(void *arg) { return arg; }

static void *until_stdin_ends(void *arg) {
    char line[16];
    (void)fgets(line, sizeof line, stdin);
    stop = 1;
    return arg;
}

int main(int argc, char **argv) {
    int endless = argc > 1 && !strcmp(argv[1], "-");
    long n = endless ? -1 : argc > 1 ? atol(argv[1]) : 1000;
    pthread_t watcher;
    if (endless && pthread_create(&watcher, 0, until_stdin_ends, 0)) return 100;
    for (long i = 0; endless ? !stop : i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, nothing, 0)) return 100;
        pthread_join(t, 0);
    }
    return 0;
}
