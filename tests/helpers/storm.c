/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * storm: starts many short-lived processes as fast as the machine goes, from
 * P parallel spawner processes, to test that a recording holds every one.
 *
 *   storm [-n TOTAL] [-p SPAWNERS] [-m exec|fork|vfork|spawn] [PROG [ARG...]]
 *
 * Each spawner forks TOTAL/P children one after the other and waits for each;
 * with -m exec (default) or vfork/spawn the child runs PROG (default
 * /bin/true), with -m fork it just exits. Prints the number of children
 * started and the number that exited with status 0; exits 0 only if every
 * child did.
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum mode { MODE_EXEC, MODE_FORK, MODE_VFORK, MODE_SPAWN };

/* vfork() in a function of its own: nothing of the caller's frame can be clobbered. */
static __attribute__((noinline)) pid_t vfork_exec(char **prog)
{
        pid_t pid = vfork();

        if (pid == 0) {
                execv(prog[0], prog);
                _exit(127);
        }
        return pid;
}

static long run_spawner(long n, enum mode mode, char **prog)
{
        long ok = 0;

        for (long i = 0; i < n; i++) {
                pid_t pid;
                int status;

                switch (mode) {
                case MODE_SPAWN:
                        if (posix_spawn(&pid, prog[0], NULL, NULL, prog, environ) != 0)
                                pid = -1;
                        break;
                case MODE_VFORK: pid = vfork_exec(prog); break;
                default:
                        pid = fork();
                        if (pid == 0) {
                                if (mode == MODE_EXEC)
                                        execv(prog[0], prog);
                                _exit(mode == MODE_EXEC ? 127 : 0);
                        }
                        break;
                }
                if (pid < 0) {
                        perror("storm: fork");
                        continue;
                }
                while (waitpid(pid, &status, 0) < 0)
                        if (errno != EINTR) {
                                perror("storm: waitpid");
                                return ok;
                        }
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        ok++;
        }
        return ok;
}

int main(int argc, char *argv[])
{
        static char *default_prog[] = { "/bin/true", NULL };
        long total = 1000, spawners = 2, ok = 0;
        enum mode mode = MODE_EXEC;
        char **prog = default_prog;
        long *results;
        int c;

        while ((c = getopt(argc, argv, "+n:p:m:h")) >= 0) {
                switch (c) {
                case 'n': total = strtol(optarg, NULL, 10); break;
                case 'p': spawners = strtol(optarg, NULL, 10); break;
                case 'm':
                        if (!strcmp(optarg, "exec"))
                                mode = MODE_EXEC;
                        else if (!strcmp(optarg, "fork"))
                                mode = MODE_FORK;
                        else if (!strcmp(optarg, "vfork"))
                                mode = MODE_VFORK;
                        else if (!strcmp(optarg, "spawn"))
                                mode = MODE_SPAWN;
                        else {
                                fprintf(stderr, "storm: unknown mode '%s'\n", optarg);
                                return 2;
                        }
                        break;
                default:
                        fprintf(stderr, "usage: storm [-n TOTAL] [-p SPAWNERS] [-m exec|fork|vfork|spawn] "
                                        "[PROG [ARG...]]\n");
                        return c == 'h' ? 0 : 2;
                }
        }
        if (total < 1 || spawners < 1 || spawners > 64) {
                fprintf(stderr, "storm: invalid -n or -p\n");
                return 2;
        }
        if (optind < argc)
                prog = argv + optind;

        /* Shared counters: one slot per spawner. */
        results =
            mmap(NULL, sizeof(long) * spawners, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (results == MAP_FAILED) {
                perror("storm: mmap");
                return 1;
        }
        for (long s = 0; s < spawners; s++) {
                long n = total / spawners + (s < total % spawners ? 1 : 0);
                pid_t pid = fork();

                if (pid < 0) {
                        perror("storm: fork");
                        return 1;
                }
                if (pid == 0) {
                        results[s] = run_spawner(n, mode, prog);
                        _exit(0);
                }
        }
        while (wait(NULL) > 0 || errno == EINTR)
                ;
        for (long s = 0; s < spawners; s++)
                ok += results[s];
        printf("storm: %ld children, %ld ok\n", total, ok);
        return ok == total ? 0 : 1;
}
