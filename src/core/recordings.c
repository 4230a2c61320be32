/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recordings of a directory: which files count, their headers, their
 * order (see recordings.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "macro.h"
#include "reader.h"
#include "recordings.h"

bool bl_recording_name_is_candidate(const char *name)
{
        size_t n = strlen(name), s = strlen(RECORDING_SUFFIX);

        return name[0] != '.' && n > s && streq(name + n - s, RECORDING_SUFFIX);
}

int bl_recording_compare(const struct bl_recording *a, const struct bl_recording *b)
{
        if ((a->error < 0) != (b->error < 0))
                return a->error < 0 ? 1 : -1;
        if (a->error >= 0 && a->info.ref_realtime_ns != b->info.ref_realtime_ns)
                return a->info.ref_realtime_ns < b->info.ref_realtime_ns ? -1 : 1;
        return strcmp(a->name, b->name);
}

static int compare_qsort(const void *a, const void *b)
{
        return bl_recording_compare(a, b);
}

bool bl_recording_same(const struct bl_file_info *a, const struct bl_file_info *b)
{
        return memcmp(a->boot_id, b->boot_id, BL_ID128_SIZE) == 0 &&
               a->ref_realtime_ns == b->ref_realtime_ns && a->ref_monotonic_ns == b->ref_monotonic_ns &&
               a->recorder_pid == b->recorder_pid;
}

void bl_recording_done(struct bl_recording *r)
{
        if (!r)
                return;
        free(r->name);
        *r = (struct bl_recording){};
}

void bl_recordings_done(struct bl_recordings *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                bl_recording_done(&l->entries[i]);
        free(l->entries);
        *l = (struct bl_recordings){};
}

/*
 * Fills e (named already) from the file name in dir_fd. Returns 0, or 1 to
 * leave the file out: not a regular file, or gone meanwhile.
 */
static int recording_read(int dir_fd, const char *name, struct bl_recording *e)
{
        struct bl_reader *reader;
        struct stat st;
        int fd, r;

        /* Looked at before it is opened: a device node must not be opened, a FIFO not waited on. */
        if (fstatat(dir_fd, name, &st, 0) < 0) {
                r = negative_errno();
                /* Removed or renamed since it was listed: a dangling symbolic link is still listed. */
                if (r == -ENOENT && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return 1;
                e->error = r;
                return 0;
        }
        if (!S_ISREG(st.st_mode))
                return 1;
        e->size = (uint64_t)st.st_size;
        e->mtime = st.st_mtim;

        /* O_NONBLOCK: should it have been replaced by a FIFO since, opening it must not hang. */
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                e->error = negative_errno();
                return 0;
        }
        if (fstat(fd, &st) < 0) {
                e->error = negative_errno();
                safe_close(fd);
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                safe_close(fd);
                return 1;
        }
        e->size = (uint64_t)st.st_size;
        e->mtime = st.st_mtim;

        /* A running recorder holds LOCK_EX on its output (bl_output_create()). */
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                e->locked = errno == EWOULDBLOCK;
        else
                (void)flock(fd, LOCK_UN);

        r = bl_reader_open_fd(fd, &reader);
        if (r < 0) {
                e->error = r;
                return 0;
        }
        e->info = *bl_reader_get_info(reader);
        bl_reader_free(reader);
        return 0;
}

int bl_recordings_scan(int dir_fd, struct bl_recordings *ret)
{
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};
        _cleanup_closedir_ DIR *d = NULL;
        size_t alloc = 0;
        int fd;

        /* A DIR of its own; the duplicate shares the position, which rewinddir() resets. */
        fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        rewinddir(d);

        for (;;) {
                struct bl_recording e = {};
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (!bl_recording_name_is_candidate(de->d_name))
                        continue;
                if (recording_read(dirfd(d), de->d_name, &e) > 0)
                        continue;
                e.name = strdup(de->d_name);
                if (!e.name)
                        return -ENOMEM;
                if (l.n == alloc) {
                        size_t a = MAX(alloc * 2, (size_t)16);
                        struct bl_recording *p = reallocarray(l.entries, a, sizeof(*p));

                        if (!p) {
                                bl_recording_done(&e);
                                return -ENOMEM;
                        }
                        l.entries = p;
                        alloc = a;
                }
                l.entries[l.n++] = e;
        }

        if (l.n > 0)
                qsort(l.entries, l.n, sizeof(*l.entries), compare_qsort);
        while (l.n_readable < l.n && l.entries[l.n_readable].error >= 0)
                l.n_readable++;

        *ret = l;
        l = (struct bl_recordings){};
        return 0;
}
