/* The leader calls pthread_exit early; a worker ends the process later with exit(STATUS).
 * Usage: leader_exit STATUS DELAY_MS */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static int status, delay_ms;

static void *worker(void *arg) {
    (void)arg;
    usleep(delay_ms * 1000);
    exit(status);
}

int main(int argc, char **argv) {
    status = argc > 1 ? atoi(argv[1]) : 0;
    delay_ms = argc > 2 ? atoi(argv[2]) : 200;
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0)) return 100;
    pthread_exit(0);
}
