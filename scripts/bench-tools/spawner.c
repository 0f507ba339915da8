/*
 * The command handler's ceiling for scripts/bench: what this machine gives for starting
 * processes, with no project code. <threads> threads each run `/bin/sh -c <command>` with
 * posix_spawn and wait for it, over and over, until <count> processes have run; the body of
 * an event goes to each one's stdin through a pipe, as the worker does.
 *
 *   spawner <count> <threads> <command> <body bytes>
 *
 * Prints the processes per second, from the first spawn to the last exit.
 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static int remaining;
static const char *command;
static char *body;
static size_t body_size;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int take_one(void) {
    pthread_mutex_lock(&lock);
    int left = remaining > 0 ? remaining-- : 0;
    pthread_mutex_unlock(&lock);
    return left > 0;
}

static void *run(void *unused) {
    (void)unused;
    char *argv[] = {"/bin/sh", "-c", (char *)command, NULL};
    while (take_one()) {
        int fds[2];
        if (pipe(fds) != 0) { perror("pipe"); exit(1); }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        pid_t pid;
        if (posix_spawn(&pid, "/bin/sh", &actions, NULL, argv, environ) != 0) { perror("posix_spawn"); exit(1); }
        posix_spawn_file_actions_destroy(&actions);
        close(fds[0]);
        ssize_t ignored = write(fds[1], body, body_size);  /* a command that reads nothing may close first */
        (void)ignored;
        close(fds[1]);
        int status;
        waitpid(pid, &status, 0);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: spawner <count> <threads> <command> <body bytes>\n");
        return 2;
    }
    int count = atoi(argv[1]), threads = atoi(argv[2]);
    command = argv[3];
    body_size = (size_t)atol(argv[4]);
    body = malloc(body_size + 1);
    memset(body, 'x', body_size);
    if (count <= 0 || threads <= 0 || threads > 1024) { fprintf(stderr, "spawner: bad count or threads\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    remaining = count;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, run, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.0f\n", count / seconds);
    return 0;
}
