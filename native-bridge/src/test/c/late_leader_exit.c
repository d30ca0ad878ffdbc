/* A process whose leader exits early, at a moment the test chooses: the leader starts a worker,
 * then (default) waits for a line on stdin and calls pthread_exit, and the worker ends the
 * process DELAY_MS later with exit(STATUS); with "early", the leader calls pthread_exit at once
 * and the worker waits for the line. A test can so begin to watch the process between its
 * thread's creation and its leader's exit, or after both.
 * Usage: late_leader_exit STATUS DELAY_MS [early] */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int status, delay_ms, early;
static sem_t go;

static void *worker(void *arg) {
    (void)arg;
    char line[16];
    if (early) {
        if (!fgets(line, sizeof line, stdin)) exit(101);
    } else {
        sem_wait(&go);
    }
    usleep(delay_ms * 1000);
    exit(status);
}

int main(int argc, char **argv) {
    status = argc > 1 ? atoi(argv[1]) : 0;
    delay_ms = argc > 2 ? atoi(argv[2]) : 200;
    early = argc > 3 && !strcmp(argv[3], "early");
    sem_init(&go, 0, 0);
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0)) return 100;
    if (!early) {
        char line[16];
        if (!fgets(line, sizeof line, stdin)) return 101;
        sem_post(&go);
    }
    pthread_exit(0);
}
