/* Starts N threads that each sleep DELAY_MS, joins them, exits with STATUS.
 * Usage: threads N STATUS DELAY_MS */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static int delay_ms;

static void *worker(void *arg) {
    usleep(delay_ms * 1000);
    return arg;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4;
    int status = argc > 2 ? atoi(argv[2]) : 0;
    delay_ms = argc > 3 ? atoi(argv[3]) : 100;
    pthread_t t[256];
    if (n > 256) n = 256;
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], 0, worker, 0)) return 100;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], 0);
    return status;
}
