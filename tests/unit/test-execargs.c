/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pairing the kernel's exec records with the proc connector's exec events
 * (execargs.c), fed records as the ring buffer delivers them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "execargs-record.h"
#include "execargs.h"
#include "macro.h"

#define MS (UINT64_C(1000000))

/* Pushes a record for tgid written at ts, with the argument area args (args_len bytes) and path. */
static void push_full(struct bl_execargs *x, uint32_t tgid, uint64_t ts, const char *args, size_t args_len,
                      const char *path, uint32_t flags, uint64_t dropped)
{
        struct bl_execargs_record *rec = calloc(1, sizeof(*rec));
        size_t path_len = path ? strlen(path) + 1 : 0;

        assert_non_null(rec);
        rec->h.ts_ns = ts;
        rec->h.start_ns = ts - 5 * MS;
        rec->h.dropped = dropped;
        rec->h.tgid = rec->h.pid = tgid;
        rec->h.ppid = 1;
        rec->h.uid = 1000;
        rec->h.gid = 100;
        rec->h.args_len = (uint16_t)args_len;
        rec->h.path_len = (uint16_t)path_len;
        rec->h.flags = flags;
        snprintf(rec->h.comm, sizeof(rec->h.comm), "comm%u", tgid);
        memcpy(rec->data, args, args_len);
        if (path)
                memcpy(rec->data + args_len, path, path_len);
        assert_int_equal(bl_execargs_push(x, rec, sizeof(rec->h) + args_len + path_len), 0);
        free(rec);
}

static void push(struct bl_execargs *x, uint32_t tgid, uint64_t ts, const char *args, size_t args_len)
{
        push_full(x, tgid, ts, args, args_len, "/usr/bin/prog", 0, 0);
}

static struct bl_execargs *new_table(void)
{
        struct bl_execargs *x = NULL;

        assert_int_equal(bl_execargs_new_detached(&x), 0);
        assert_non_null(x);
        return x;
}

static size_t pending(const struct bl_execargs *x)
{
        struct bl_execargs_stats st;

        bl_execargs_get_stats(x, &st);
        return st.pending;
}

/* Takes the record of pid's exec at ts; returns its argv joined with '|' (or NULL if none). */
static char *take(struct bl_execargs *x, pid_t pid, uint64_t ts, struct bl_proc_info *ret)
{
        struct bl_proc_info info;
        char *joined = NULL;
        size_t n = 0;
        int r;

        bl_proc_info_init(&info);
        r = bl_execargs_take(x, pid, ts, &info, NULL);
        assert_true(r >= 0);
        if (r == 0) {
                /* Nothing found: nothing touched. */
                assert_null(info.argv);
                assert_false(info.argv_at_exec);
                if (ret)
                        *ret = info;
                return NULL;
        }
        assert_non_null(info.argv);
        STRV_FOREACH (a, info.argv)
                n += strlen(*a) + 1;
        joined = calloc(1, n + 1);
        assert_non_null(joined);
        STRV_FOREACH (a, info.argv) {
                if (a != info.argv)
                        strcat(joined, "|");
                strcat(joined, *a);
        }
        if (ret)
                *ret = info;
        else
                bl_proc_info_done(&info);
        return joined;
}

static void assert_took(struct bl_execargs *x, pid_t pid, uint64_t ts, const char *want)
{
        char *got = take(x, pid, ts, NULL);

        if (!want) {
                if (got)
                        fail_msg("pid %d at %llu: took '%s', wanted nothing", (int)pid,
                                 (unsigned long long)ts, got);
                return;
        }
        if (!got || strcmp(got, want) != 0)
                fail_msg("pid %d at %llu: took '%s', wanted '%s'", (int)pid, (unsigned long long)ts,
                         got ? got : "(nothing)", want);
        free(got);
}

static void test_fields(void **state)
{
        struct bl_execargs *x = new_table();
        struct bl_proc_info info;
        char *path = NULL;

        push_full(x, 42, 100 * MS, "ls\0-l\0/tmp\0", 11, "/bin/ls", 0, 0);
        bl_proc_info_init(&info);
        assert_int_equal(bl_execargs_take(x, 42, 100 * MS + 3000, &info, &path), 1);
        assert_string_equal(info.argv[0], "ls");
        assert_string_equal(info.argv[1], "-l");
        assert_string_equal(info.argv[2], "/tmp");
        assert_null(info.argv[3]);
        assert_true(info.argv_at_exec);
        assert_false(info.argv_truncated);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_string_equal(info.comm, "comm42");
        assert_int_equal(info.start_ns, 95 * MS);
        assert_int_equal(info.ppid, 1);
        assert_int_equal(info.uid, 1000);
        assert_int_equal(info.gid, 100);
        assert_string_equal(path, "/bin/ls");
        free(path);
        bl_proc_info_done(&info);
        /* Taken: a second exec event at the same time finds nothing. */
        assert_took(x, 42, 100 * MS + 3000, NULL);
        assert_int_equal(pending(x), 0);
        bl_execargs_free(x);
}

static void test_unmatched(void **state)
{
        struct bl_execargs *x = new_table();

        push(x, 7, 100 * MS, "a\0", 2);
        /* Another process, and this one's exec event before its record was written: not these. */
        assert_took(x, 8, 200 * MS, NULL);
        assert_took(x, 7, 100 * MS - 1, NULL);
        assert_took(x, 7, 100 * MS, "a");
        bl_execargs_free(x);
}

static void test_two_execs(void **state)
{
        struct bl_execargs *x = new_table();

        /* exec A (record 10, event 20) then exec B (record 30, event 40), both drained before either event.
         */
        push(x, 5, 10 * MS, "first\0", 6);
        push(x, 5, 30 * MS, "second\0", 7);
        assert_took(x, 5, 20 * MS, "first");
        assert_took(x, 5, 40 * MS, "second");
        assert_int_equal(pending(x), 0);
        bl_execargs_free(x);
}

static void test_lost_event(void **state)
{
        struct bl_execargs *x = new_table();

        /* The exec event of the first exec was lost: the second event takes its own record, and the
         * orphan goes with it. */
        push(x, 5, 10 * MS, "first\0", 6);
        push(x, 5, 30 * MS, "second\0", 7);
        assert_took(x, 5, 40 * MS, "second");
        assert_int_equal(pending(x), 0);
        bl_execargs_free(x);
}

static void test_exit_forgets(void **state)
{
        struct bl_execargs *x = new_table();

        /* pid 5's exec event was lost, then it exited; a new process got pid 5 and its record was
         * dropped by a full ring: its exec event must find nothing rather than the dead one's argv. */
        push(x, 5, 10 * MS, "dead\0", 5);
        bl_execargs_forget(x, 5, 15 * MS);
        assert_took(x, 5, 40 * MS, NULL);
        /* Forgetting only reaches back: a record written after the exit stays. */
        push(x, 6, 50 * MS, "alive\0", 6);
        bl_execargs_forget(x, 6, 45 * MS);
        assert_took(x, 6, 51 * MS, "alive");
        bl_execargs_free(x);
}

static void test_argument_areas(void **state)
{
        struct bl_execargs *x = new_table();
        struct bl_proc_info info;
        char *joined;

        /* Empty arguments kept; a tail without its NUL is one more argument. */
        push(x, 1, 1 * MS, "a\0\0b", 4);
        assert_took(x, 1, 2 * MS, "a||b");

        /* Cut at the limit: marked. */
        push_full(x, 2, 1 * MS, "long\0", 5, NULL, BL_EXECARGS_TRUNCATED, 0);
        joined = take(x, 2, 2 * MS, &info);
        assert_string_equal(joined, "long");
        free(joined);
        assert_true(info.argv_truncated);
        bl_proc_info_done(&info);

        /* Unreadable, or no area at all: argv unknown, but the record is this exec's (comm, ids). */
        push_full(x, 3, 1 * MS, "", 0, "/bin/x", BL_EXECARGS_ARGS_FAULT, 0);
        bl_proc_info_init(&info);
        assert_int_equal(bl_execargs_take(x, 3, 2 * MS, &info, NULL), 1);
        assert_null(info.argv);
        assert_false(info.argv_at_exec);
        assert_string_equal(info.comm, "comm3");
        bl_proc_info_done(&info);
        bl_execargs_free(x);
}

static void test_malformed(void **state)
{
        struct bl_execargs *x = new_table();
        struct bl_execargs_record rec = {};

        /* Shorter than a header, lengths beyond the record, tgid 0: ignored. */
        assert_int_equal(bl_execargs_push(x, &rec, sizeof(rec.h) - 1), 0);
        rec.h.tgid = 9;
        rec.h.args_len = 100;
        assert_int_equal(bl_execargs_push(x, &rec, sizeof(rec.h) + 50), 0);
        rec.h.tgid = 0;
        rec.h.args_len = 0;
        assert_int_equal(bl_execargs_push(x, &rec, sizeof(rec.h)), 0);
        assert_int_equal(pending(x), 0);
        bl_execargs_free(x);
}

static void test_drops(void **state)
{
        struct bl_execargs *x = new_table();

        /* Each record says how many the ring dropped before it: the difference is lost, once. */
        push_full(x, 1, 1 * MS, "a\0", 2, NULL, 0, 0);
        assert_int_equal(bl_execargs_take_lost(x, false), 0);
        push_full(x, 2, 2 * MS, "b\0", 2, NULL, 0, 3);
        push_full(x, 3, 3 * MS, "c\0", 2, NULL, 0, 3);
        assert_int_equal(bl_execargs_take_lost(x, false), 3);
        assert_int_equal(bl_execargs_take_lost(x, false), 0);
        push_full(x, 4, 4 * MS, "d\0", 2, NULL, 0, 5);
        assert_int_equal(bl_execargs_take_lost(x, true), 2);
        bl_execargs_free(x);
}

static void test_stale(void **state)
{
        struct bl_execargs *x = new_table();

        /* A record whose exec event never came is given up once far older than the newest. */
        push(x, 1, 1 * MS, "old\0", 4);
        push(x, 2, 5000 * MS, "new\0", 4);
        assert_int_equal(bl_execargs_drain(x), 0);
        assert_int_equal(pending(x), 2);
        push(x, 3, 12000 * MS, "newer\0", 6);
        assert_int_equal(bl_execargs_drain(x), 0);
        assert_int_equal(pending(x), 2);
        assert_took(x, 1, 13000 * MS, NULL);
        assert_took(x, 2, 13000 * MS, "new");
        bl_execargs_free(x);
}

static void test_many_pending(void **state)
{
        struct bl_execargs *x = new_table();
        char args[32];

        /* Thousands waiting (the ring runs ahead of the socket): each event still finds its own. */
        for (uint32_t pid = 1000; pid < 5000; pid++) {
                int n = snprintf(args, sizeof(args), "p%u", pid);

                push(x, pid, pid * MS / 100, args, (size_t)n + 1);
        }
        for (uint32_t pid = 4999; pid >= 1000; pid--) {
                snprintf(args, sizeof(args), "p%u", pid);
                assert_took(x, (pid_t)pid, pid * MS / 100 + 1, args);
        }
        assert_int_equal(pending(x), 0);
        bl_execargs_free(x);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),       cmocka_unit_test(test_unmatched),
                cmocka_unit_test(test_two_execs),    cmocka_unit_test(test_lost_event),
                cmocka_unit_test(test_exit_forgets), cmocka_unit_test(test_argument_areas),
                cmocka_unit_test(test_malformed),    cmocka_unit_test(test_drops),
                cmocka_unit_test(test_stale),        cmocka_unit_test(test_many_pending),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
