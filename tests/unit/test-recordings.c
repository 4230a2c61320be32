/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recordings directory (recordings.h): which files of a directory count
 * as recordings, what a scan says of each, and the one order bootlogd prunes
 * by and bootlog lists by. Each test gets a fresh temporary directory, filled
 * with recordings made by the writer and with files that are not recordings.
 */
#include <endian.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cmocka.h>

#include "crc32c.h"
#include "format-def.h"
#include "format.h"
#include "macro.h"
#include "recorder.h"
#include "recordings.h"
#include "writer.h"

struct fixture {
        char path[64];
        int dfd;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->path, sizeof(f->path), "/tmp/test-recordings-XXXXXX");
        assert_non_null(mkdtemp(f->path));
        f->dfd = open(f->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->dfd >= 0);
        *state = f;
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        safe_close(f->dfd);
        assert_int_equal(nftw(f->path, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(f);
        return 0;
}

static struct bl_file_info info_at(uint64_t realtime_s, uint32_t pid)
{
        struct bl_file_info info = {
                .boot_id = { 0x5e, 0xed, 0xb0, 0x07, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0xa1 },
                .ref_monotonic_ns = 5 * NSEC_PER_SEC,
                .ref_realtime_ns = realtime_s * NSEC_PER_SEC,
                .ref_boottime_ns = 5 * NSEC_PER_SEC,
                .clk_tck = 100,
                .recorder_pid = pid,
        };

        snprintf(info.kernel_release, sizeof(info.kernel_release), "6.1.0-test");
        snprintf(info.hostname, sizeof(info.hostname), "test");
        return info;
}

/* Creates name in the directory; returns the open writer (a recording in progress, locked). */
static struct bl_writer *start_recording(int dfd, const char *name, uint64_t realtime_s)
{
        struct bl_file_info info = info_at(realtime_s, 4242);
        struct bl_writer *w;
        int fd;

        fd = bl_output_create_at(dfd, name, false);
        assert_true(fd >= 0);
        assert_int_equal(bl_writer_new(fd, &info, NULL, &w), 0);
        return w;
}

/* A complete recording named name whose header says it started at realtime_s. */
static void make_recording(int dfd, const char *name, uint64_t realtime_s)
{
        assert_int_equal(bl_writer_close(start_recording(dfd, name, realtime_s)), 0);
}

static void make_file(int dfd, const char *name, const char *content)
{
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
}

static void set_mtime(int dfd, const char *name, time_t t)
{
        struct timespec ts[2] = { { .tv_sec = t }, { .tv_sec = t } };

        assert_int_equal(utimensat(dfd, name, ts, 0), 0);
}

static const struct bl_recording *find(const struct bl_recordings *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->entries[i].name, name))
                        return &l->entries[i];
        return NULL;
}

static void assert_names(const struct bl_recordings *l, size_t n, ...)
{
        va_list ap;

        assert_int_equal(l->n, n);
        va_start(ap, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(l->entries[i].name, va_arg(ap, const char *));
        va_end(ap);
}

static void test_names(void **state)
{
        assert_true(bl_recording_name_is_candidate("0123456789abcdef0123456789abcdef.bootlog"));
        assert_true(bl_recording_name_is_candidate("x.bootlog"));
        assert_true(bl_recording_name_is_candidate("boot-2.bootlog"));
        /* Hidden: a copy in progress, say. */
        assert_false(bl_recording_name_is_candidate(".x.bootlog"));
        assert_false(bl_recording_name_is_candidate(".bootlog"));
        assert_false(bl_recording_name_is_candidate("bootlog"));
        assert_false(bl_recording_name_is_candidate("x.bootlog.old"));
        assert_false(bl_recording_name_is_candidate("x.BOOTLOG"));
        assert_false(bl_recording_name_is_candidate("notes.txt"));
        assert_false(bl_recording_name_is_candidate(""));
}

/* Hidden files, other names and whatever is not a regular file are not recordings; a scan never hangs. */
static void test_scan_skips(void **state)
{
        struct fixture *f = *state;
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int sock;

        make_recording(f->dfd, "a.bootlog", 1000);
        make_recording(f->dfd, ".copy-in-progress.bootlog", 900);
        make_recording(f->dfd, "a.bootlog.old", 800);
        make_file(f->dfd, "notes.txt", "not a recording\n");
        assert_int_equal(mkfifoat(f->dfd, "fifo.bootlog", 0644), 0);
        assert_int_equal(mkdirat(f->dfd, "dir.bootlog", 0755), 0);
        /* A link to a directory is not a regular file either; a link to a recording is one. */
        assert_int_equal(symlinkat("dir.bootlog", f->dfd, "dirlink.bootlog"), 0);
        assert_int_equal(symlinkat(".copy-in-progress.bootlog", f->dfd, "link.bootlog"), 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket.bootlog", f->path);
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(sock >= 0);
        assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);

        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        close(sock);
        assert_names(&l, 2, "link.bootlog", "a.bootlog"); /* 900 s before 1000 s */
        assert_int_equal(l.n_readable, 2);
        assert_int_equal(l.entries[0].info.ref_realtime_ns, 900 * NSEC_PER_SEC);
}

/* Files whose header cannot be read are listed, with the reader's error, after the readable ones. */
static void test_scan_unreadable(void **state)
{
        struct fixture *f = *state;
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};
        const struct bl_recording *e;
        struct bl_file_info info = info_at(1, 1);
        struct bl_writer *w;
        uint32_t hsize, version, crc;
        struct stat st;
        uint8_t buf[4096];
        ssize_t n;
        int fd;

        make_file(f->dfd, "junk.bootlog", "not a recording\n");
        make_file(f->dfd, "empty.bootlog", "");
        make_recording(f->dfd, "z.bootlog", 2000);
        assert_int_equal(symlinkat("nowhere", f->dfd, "dangling.bootlog"), 0);
        /* A header with a version this reader does not know. */
        fd = openat(f->dfd, "future.bootlog", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, NULL, &w), 0);
        assert_int_equal(bl_writer_close(w), 0);
        n = pread(fd, buf, sizeof(buf), 0);
        assert_true(n >= (ssize_t)sizeof(struct bl_file_header));
        memcpy(&hsize, buf + offsetof(struct bl_file_header, header_size), sizeof(hsize));
        hsize = le32toh(hsize);
        assert_true(hsize <= (size_t)n);
        version = htole32(BL_FORMAT_VERSION + 1);
        memcpy(buf + offsetof(struct bl_file_header, version), &version, sizeof(version));
        crc = htole32(bl_crc32c(0, buf, hsize - sizeof(crc)));
        memcpy(buf + hsize - sizeof(crc), &crc, sizeof(crc));
        assert_int_equal(pwrite(fd, buf, (size_t)n, 0), n);
        close(fd);

        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        assert_names(&l, 5, "z.bootlog", "dangling.bootlog", "empty.bootlog", "future.bootlog",
                     "junk.bootlog");
        assert_int_equal(l.n_readable, 1);
        assert_int_equal(find(&l, "z.bootlog")->error, 0);
        assert_int_equal(find(&l, "dangling.bootlog")->error, -ENOENT);
        assert_int_equal(find(&l, "empty.bootlog")->error, -EBADMSG);
        assert_int_equal(find(&l, "junk.bootlog")->error, -EBADMSG);
        assert_int_equal(find(&l, "future.bootlog")->error, -EPROTONOSUPPORT);

        e = find(&l, "junk.bootlog");
        assert_int_equal(e->size, strlen("not a recording\n"));
        assert_true(bl_id128_is_null(e->info.boot_id));
        assert_int_equal(e->info.ref_realtime_ns, 0);
        assert_int_equal(fstatat(f->dfd, "z.bootlog", &st, 0), 0);
        e = find(&l, "z.bootlog");
        assert_int_equal(e->size, (uint64_t)st.st_size);
        assert_int_equal(e->mtime.tv_sec, st.st_mtim.tv_sec);
        assert_int_equal(e->mtime.tv_nsec, st.st_mtim.tv_nsec);
        assert_false(e->locked);
}

/* The order is the headers' start times, then names: neither the files' times nor their names alone. */
static void test_order(void **state)
{
        struct fixture *f = *state;
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};

        make_recording(f->dfd, "a.bootlog", 3000);
        make_recording(f->dfd, "b.bootlog", 1000);
        make_recording(f->dfd, "c.bootlog", 2000);
        make_recording(f->dfd, "e.bootlog", 2000);
        make_recording(f->dfd, "d.bootlog", 2000);
        make_file(f->dfd, "0-junk.bootlog", "junk");
        /* Modification times in the opposite order, and the junk newest of all. */
        set_mtime(f->dfd, "a.bootlog", 100);
        set_mtime(f->dfd, "b.bootlog", 500);
        set_mtime(f->dfd, "c.bootlog", 400);
        set_mtime(f->dfd, "d.bootlog", 300);
        set_mtime(f->dfd, "e.bootlog", 200);
        set_mtime(f->dfd, "0-junk.bootlog", 1000);

        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        assert_names(&l, 6, "b.bootlog", "c.bootlog", "d.bootlog", "e.bootlog", "a.bootlog",
                     "0-junk.bootlog");
        assert_int_equal(l.n_readable, 5);
        assert_int_equal(l.entries[1].mtime.tv_sec, 400);

        /* As a comparison function: readable before unreadable whatever the names, then time, then name. */
        assert_true(bl_recording_compare(&l.entries[0], &l.entries[1]) < 0);
        assert_true(bl_recording_compare(&l.entries[4], &l.entries[0]) > 0);
        assert_true(bl_recording_compare(&l.entries[2], &l.entries[3]) < 0);
        assert_true(bl_recording_compare(&l.entries[5], &l.entries[4]) > 0);
        assert_int_equal(bl_recording_compare(&l.entries[5], &l.entries[5]), 0);
}

/* A recording a running recorder writes is marked: its lock is held. */
static void test_locked(void **state)
{
        struct fixture *f = *state;
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};
        struct bl_writer *w;

        make_recording(f->dfd, "done.bootlog", 1000);
        w = start_recording(f->dfd, "live.bootlog", 2000);

        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        assert_names(&l, 2, "done.bootlog", "live.bootlog");
        assert_false(l.entries[0].locked);
        assert_true(l.entries[1].locked);
        assert_int_equal(l.entries[1].error, 0);
        assert_int_equal(bl_writer_close(w), 0);

        bl_recordings_done(&l);
        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        assert_false(l.entries[1].locked);
}

/* The caller's directory fd is left as it was: a second scan sees the same; an empty one is empty. */
static void test_rescan(void **state)
{
        struct fixture *f = *state;
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};

        assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
        assert_int_equal(l.n, 0);
        assert_int_equal(l.n_readable, 0);
        assert_null(l.entries);

        make_recording(f->dfd, "a.bootlog", 1000);
        make_recording(f->dfd, "b.bootlog", 2000);
        for (int i = 0; i < 2; i++) {
                bl_recordings_done(&l);
                assert_int_equal(bl_recordings_scan(f->dfd, &l), 0);
                assert_names(&l, 2, "a.bootlog", "b.bootlog");
        }
        bl_recordings_done(&l);
        assert_int_equal(bl_recordings_scan(-1, &l), -EBADF);
}

/* A copy keeps the header: the same recording. Another start or another recorder is another one. */
static void test_same(void **state)
{
        struct bl_file_info a = info_at(1000, 4242), b = a;

        assert_true(bl_recording_same(&a, &b));
        snprintf(b.hostname, sizeof(b.hostname), "renamed");
        assert_true(bl_recording_same(&a, &b)); /* not part of a recording's identity */
        b = info_at(1000, 4243);
        assert_false(bl_recording_same(&a, &b));
        b = info_at(1001, 4242);
        assert_false(bl_recording_same(&a, &b));
        b = a;
        b.ref_monotonic_ns++;
        assert_false(bl_recording_same(&a, &b));
        b = a;
        b.boot_id[0] ^= 1;
        assert_false(bl_recording_same(&a, &b));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test_setup_teardown(test_scan_skips, setup, teardown),
                cmocka_unit_test_setup_teardown(test_scan_unreadable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rescan, setup, teardown),
                cmocka_unit_test(test_same),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
