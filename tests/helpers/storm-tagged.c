/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * storm-tagged: the benchmarks' storm, each child with an argument of its
 * own, so that a recording can be checked for execs shown with another
 * process's command line.
 *
 *   storm-tagged [-n TOTAL] [-p SPAWNERS] PROG [ARG...]
 *
 * Like tests/helpers/storm -m exec: P spawner processes, forked one after the
 * other by this one (spawner S is the S-th, from 0), each fork TOTAL/P
 * children in turn and wait for each. Child K of spawner S (K from 0) runs
 *
 *   PROG ARG... S.K.PID
 *
 * PID being its own pid: the last argument names the process and its place
 * in the storm, and is different for every child even when pids are reused.
 * Prints "storm: TOTAL children, OK ok"; exits 0 only if every child exited
 * with status 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long run_spawner(long s, long n, int argc, char **prog)
{
        char tag[64];
        long ok = 0;

        for (long k = 0; k < n; k++) {
                pid_t pid;
                int status;

                pid = fork();
                if (pid == 0) {
                        /* The child's own copy of prog: its last slot (NULL until now) takes the tag. */
                        snprintf(tag, sizeof(tag), "%ld.%ld.%ld", s, k, (long)getpid());
                        prog[argc] = tag;
                        execv(prog[0], prog);
                        _exit(127);
                }
                if (pid < 0) {
                        perror("storm-tagged: fork");
                        continue;
                }
                while (waitpid(pid, &status, 0) < 0)
                        if (errno != EINTR) {
                                perror("storm-tagged: waitpid");
                                return ok;
                        }
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        ok++;
        }
        return ok;
}

int main(int argc, char *argv[])
{
        long total = 1000, spawners = 2, ok = 0;
        char **prog;
        int nprog, c;
        long *results;

        while ((c = getopt(argc, argv, "+n:p:h")) >= 0) {
                switch (c) {
                case 'n': total = strtol(optarg, NULL, 10); break;
                case 'p': spawners = strtol(optarg, NULL, 10); break;
                default:
                        fprintf(stderr, "usage: storm-tagged [-n TOTAL] [-p SPAWNERS] PROG [ARG...]\n");
                        return c == 'h' ? 0 : 2;
                }
        }
        if (total < 1 || spawners < 1 || spawners > 64 || optind >= argc) {
                fprintf(stderr, "storm-tagged: invalid -n or -p, or no PROG\n");
                return 2;
        }
        nprog = argc - optind;
        /* PROG ARG..., a slot for the tag, NULL */
        prog = calloc((size_t)nprog + 2, sizeof(char *));
        if (!prog) {
                perror("storm-tagged: calloc");
                return 1;
        }
        memcpy(prog, argv + optind, (size_t)nprog * sizeof(char *));

        /* Shared counters: one slot per spawner. */
        results =
            mmap(NULL, sizeof(long) * spawners, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (results == MAP_FAILED) {
                perror("storm-tagged: mmap");
                return 1;
        }
        for (long s = 0; s < spawners; s++) {
                long n = total / spawners + (s < total % spawners ? 1 : 0);
                pid_t pid = fork();

                if (pid < 0) {
                        perror("storm-tagged: fork");
                        return 1;
                }
                if (pid == 0) {
                        results[s] = run_spawner(s, n, nprog, prog);
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
