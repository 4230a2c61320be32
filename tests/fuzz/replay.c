/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay-TARGET FILE|DIR...: calls the target's LLVMFuzzerTestOneInput() on
 * each file (every regular file in a directory, in name order), as libFuzzer
 * does when given files. Works with any compiler, so every build replays the
 * checked-in seeds and crash regressions (test fuzz-regressions).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int replay_file(const char *path, unsigned *count)
{
        uint8_t *buf = NULL;
        size_t len = 0, alloc = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                ssize_t n;

                if (len == alloc) {
                        uint8_t *p;

                        alloc = alloc ? alloc * 2 : 64 * 1024;
                        p = realloc(buf, alloc);
                        if (!p) {
                                fprintf(stderr, "%s: out of memory\n", path);
                                free(buf);
                                close(fd);
                                return -1;
                        }
                        buf = p;
                }
                n = read(fd, buf + len, alloc - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "%s: %s\n", path, strerror(errno));
                        free(buf);
                        close(fd);
                        return -1;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        close(fd);

        fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
        /* A copy of exactly len bytes, so ASan sees reads past the input as libFuzzer would. */
        {
                uint8_t *exact = malloc(len ? len : 1);

                if (!exact) {
                        free(buf);
                        return -1;
                }
                if (len)
                        memcpy(exact, buf, len);
                free(buf);
                (void)LLVMFuzzerTestOneInput(exact, len);
                free(exact);
        }
        (*count)++;
        return 0;
}

static int filter_regular(const struct dirent *de)
{
        return de->d_name[0] != '.';
}

static int replay_path(const char *path, unsigned *count)
{
        struct dirent **names;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return replay_file(path, count);

        n = scandir(path, &names, filter_regular, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        for (int i = 0; i < n; i++) {
                char *p;

                if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                        r = -1;
                else {
                        if (replay_file(p, count) < 0)
                                r = -1;
                        free(p);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[])
{
        unsigned count = 0;
        int r = 0;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &count) < 0)
                        r = 1;
        printf("%u inputs replayed\n", count);
        return r;
}
