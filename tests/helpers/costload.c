/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * costload: a workload whose cost is known, to compare with the COST records
 * of a recording. Each mode runs in a forked child, whose pid is printed, and
 * measures what it can of itself just before it exits.
 *
 *   costload burn MS           the child burns MS ms of CPU time in user space;
 *                              it prints "burn pid=P utime_us=U stime_us=S
 *                              cputime_ns=C minflt=F nvcsw=V nivcsw=I"
 *                              (getrusage(RUSAGE_SELF), CLOCK_PROCESS_CPUTIME_ID)
 *   costload write BYTES FILE  the child creates FILE (it must not exist),
 *                              writes BYTES to it in chunks of 1 MiB, fsyncs
 *                              it and exits without printing anything (a
 *                              line printed would count in its write(2)
 *                              bytes); then the parent prints "write pid=P
 *                              bytes=N"
 *   costload threads N MS      the child starts N threads that burn MS ms of
 *                              CPU time each, read their clock
 *                              (CLOCK_THREAD_CPUTIME_ID) and exit; once all
 *                              are joined, the child prints "thread pid=P
 *                              tid=T cputime_ns=C" for each, then "threads
 *                              pid=P n=N main_cputime_ns=M cputime_ns=C"
 *                              (its main thread's and the whole process's)
 *   costload touch MIB         the child maps MIB MiB of anonymous memory and
 *                              writes to each page; it prints "touch pid=P
 *                              kib=K maxrss_kb=R minflt=F"
 *
 * Exits 0 if the child did.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1024 * 1024)

static uint64_t clock_ns(clockid_t clock)
{
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0) {
                perror("costload: clock_gettime");
                _exit(1);
        }
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_us(const struct timeval *tv)
{
        return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

/* Burns CPU in user space until the calling thread has used ms ms of CPU time. The clock is read every
 * few hundred thousand iterations only: reading it is a system call. */
static void burn(long ms)
{
        uint64_t until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + (uint64_t)ms * 1000000u;
        volatile uint64_t x = 1;

        do
                for (int i = 0; i < 200000; i++)
                        x = x * 6364136223846793005u + 1442695040888963407u;
        while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until);
}

static int child_burn(long ms)
{
        struct rusage ru;
        uint64_t cpu;

        burn(ms);
        cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        if (getrusage(RUSAGE_SELF, &ru) < 0) {
                perror("costload: getrusage");
                return 1;
        }
        printf("burn pid=%d utime_us=%" PRIu64 " stime_us=%" PRIu64 " cputime_ns=%" PRIu64
               " minflt=%ld nvcsw=%ld nivcsw=%ld\n",
               (int)getpid(), tv_us(&ru.ru_utime), tv_us(&ru.ru_stime), cpu, ru.ru_minflt, ru.ru_nvcsw,
               ru.ru_nivcsw);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* Nothing printed on success: every byte this process passes to write(2) is the file's. */
static int child_write(long long bytes, const char *path)
{
        static char buf[CHUNK];
        int fd;

        memset(buf, 'c', sizeof(buf));
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                perror("costload: open");
                return 1;
        }
        while (bytes > 0) {
                size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;
                ssize_t k = write(fd, buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        perror("costload: write");
                        return 1;
                }
                bytes -= k;
        }
        if (fsync(fd) < 0 || close(fd) < 0) {
                perror("costload: fsync");
                return 1;
        }
        return 0;
}

struct burner {
        pthread_t thread;
        long ms;
        pid_t tid;
        uint64_t cpu_ns;
};

static void *burner_run(void *userdata)
{
        struct burner *b = userdata;

        b->tid = gettid();
        burn(b->ms);
        b->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        return NULL;
}

static int child_threads(long n, long ms)
{
        struct burner *b = calloc(n, sizeof(*b));
        uint64_t main_cpu, cpu;

        if (!b) {
                perror("costload: calloc");
                return 1;
        }
        for (long i = 0; i < n; i++) {
                int r;

                b[i].ms = ms;
                r = pthread_create(&b[i].thread, NULL, burner_run, &b[i]);
                if (r != 0) {
                        fprintf(stderr, "costload: pthread_create: %s\n", strerror(r));
                        return 1;
                }
        }
        for (long i = 0; i < n; i++)
                pthread_join(b[i].thread, NULL);
        /* The threads have exited: the process clock holds what each of them used, exactly. */
        main_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < n; i++)
                printf("thread pid=%d tid=%d cputime_ns=%" PRIu64 "\n", (int)getpid(), (int)b[i].tid,
                       b[i].cpu_ns);
        printf("threads pid=%d n=%ld main_cputime_ns=%" PRIu64 " cputime_ns=%" PRIu64 "\n", (int)getpid(), n,
               main_cpu, cpu);
        free(b);
        return fflush(stdout) == 0 ? 0 : 1;
}

static int child_touch(long mib)
{
        size_t size = (size_t)mib * 1024 * 1024;
        long page = sysconf(_SC_PAGESIZE);
        struct rusage ru;
        char *p;

        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("costload: mmap");
                return 1;
        }
        for (size_t i = 0; i < size; i += page)
                ((volatile char *)p)[i] = 1;
        if (getrusage(RUSAGE_SELF, &ru) < 0) {
                perror("costload: getrusage");
                return 1;
        }
        printf("touch pid=%d kib=%zu maxrss_kb=%ld minflt=%ld\n", (int)getpid(), size / 1024, ru.ru_maxrss,
               ru.ru_minflt);
        return fflush(stdout) == 0 ? 0 : 1;
}

static long number(const char *s)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || v < 0) {
                fprintf(stderr, "costload: not a number: '%s'\n", s);
                exit(2);
        }
        return v;
}

int main(int argc, char *argv[])
{
        const char *mode = argc > 1 ? argv[1] : "";
        long long bytes = 0;
        int status;
        pid_t pid;

        if (!((!strcmp(mode, "burn") && argc == 3) || (!strcmp(mode, "write") && argc == 4) ||
              (!strcmp(mode, "threads") && argc == 4) || (!strcmp(mode, "touch") && argc == 3))) {
                fprintf(stderr, "usage: costload burn MS | write BYTES FILE | threads N MS | touch MIB\n");
                return 2;
        }
        if (!strcmp(mode, "write"))
                bytes = number(argv[2]);
        else
                (void)number(argv[2]);
        if (argc > 3 && strcmp(mode, "write"))
                (void)number(argv[3]);

        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                perror("costload: fork");
                return 1;
        }
        if (pid == 0) {
                int r;

                if (!strcmp(mode, "burn"))
                        r = child_burn(number(argv[2]));
                else if (!strcmp(mode, "write"))
                        r = child_write(bytes, argv[3]);
                else if (!strcmp(mode, "threads"))
                        r = child_threads(number(argv[2]), number(argv[3]));
                else
                        r = child_touch(number(argv[2]));
                _exit(r);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        perror("costload: waitpid");
                        return 1;
                }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "costload: the child %d failed (status 0x%x)\n", (int)pid, status);
                return 1;
        }
        if (!strcmp(mode, "write"))
                printf("write pid=%d bytes=%lld\n", (int)pid, bytes);
        return 0;
}
