/* A non-leader thread calls execve: the process goes on as "sh -c 'exit STATUS'".
 * Usage: thread_exec STATUS */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char cmd[64];

static void *worker(void *arg) {
    (void)arg;
    usleep(100 * 1000);
    execl("/bin/sh", "sh", "-c", cmd, (char *)0);
    return 0;
}

int main(int argc, char **argv) {
    snprintf(cmd, sizeof cmd, "sleep 0.1; exit %s", argc > 1 ? argv[1] : "0");
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0)) return 100;
    for (;;) pause();
}
