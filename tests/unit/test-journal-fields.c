/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal schema both programs write (journal-fields.h): PRIORITY,
 * MESSAGE and the BOOTLOG_* fields, as the entries of bootlogd's live
 * forwarding and of `bootlog export --format=journal` carry them.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "journal-fields.h"
#include "log.h"

static struct bl_event event(enum bl_event_type type, pid_t pid, pid_t tid)
{
        struct bl_event ev;

        bl_event_init(&ev, type);
        ev.ts_ns = 5000000000;
        ev.pid = pid;
        ev.tid = tid;
        return ev;
}

static struct bl_event exit_event(pid_t pid, uint32_t status)
{
        struct bl_event ev = event(BL_EVENT_EXIT, pid, pid);

        ev.exit.code = status;
        return ev;
}

static void test_priority(void **state)
{
        struct bl_event ev = event(BL_EVENT_EXEC, 10, 10);

        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_INFO);
        ev = exit_event(10, 0);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_INFO);
        ev = exit_event(10, 3 << 8);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_NOTICE);
        ev = exit_event(10, SIGKILL);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_WARNING);
        ev = event(BL_EVENT_COREDUMP, 10, 10);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_WARNING);
        ev = event(BL_EVENT_LOST, 0, 0);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_WARNING);
        ev = event(BL_EVENT_UNKNOWN, 0, 0);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_NOTICE);
        ev = event(BL_EVENT_END, 0, 0);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_INFO);
        ev.end.lost = 2;
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_WARNING);
        ev = event(BL_EVENT_COST, 10, 10);
        assert_int_equal(bl_journal_priority(&ev), LOG_LEVEL_INFO);
}

static void check_display(char *const *argv, bool mark_cut, const char *comm, const char *want)
{
        char *s = bl_journal_display(argv, mark_cut, comm);

        assert_non_null(s);
        assert_string_equal(s, want);
        free(s);
}

static void test_display(void **state)
{
        char *argv[] = { "sh", "-c", "echo a\nb", NULL };
        char *none[] = { NULL };

        check_display(argv, false, "sh", "sh -c 'echo a\\nb'");
        /* The live forwarding marks a cut argv; the export does not. */
        check_display(argv, true, "sh", "sh -c 'echo a\\nb'...");
        /* No argv (a kernel thread, or not read): the command name, as ps shows it. */
        check_display(none, true, "kthreadd", "[kthreadd]");
        check_display(NULL, false, "a\033b", "[a\\eb]");
        check_display(NULL, false, "", "?");
        check_display(NULL, false, NULL, "?");
}

static void check_message(const struct bl_event *ev, const char *display, const char *hostname,
                          const char *want)
{
        char *s = bl_journal_message(ev, display, hostname);

        assert_non_null(s);
        assert_string_equal(s, want);
        free(s);
}

static void test_message(void **state)
{
        struct bl_event ev = event(BL_EVENT_EXEC, 1419, 1419);

        check_message(&ev, "sudo /usr/local/sbin/foo-script", NULL,
                      "exec 1419 sudo /usr/local/sbin/foo-script");
        ev = exit_event(1426, 3 << 8);
        check_message(&ev, "sendmail -t", NULL, "exit 1426 sendmail -t: exit 3");
        ev = exit_event(1430, SIGKILL);
        check_message(&ev, "sleep 9", NULL, "exit 1430 sleep 9: killed by SIGKILL");
        ev = exit_event(1430, SIGSEGV | 0x80);
        check_message(&ev, "a", NULL, "exit 1430 a: killed by SIGSEGV (core dumped)");
        ev = exit_event(1430, 40);
        check_message(&ev, "a", NULL, "exit 1430 a: killed by signal 40");
        ev.tid = 1431;
        check_message(&ev, "a", NULL, "exit 1430 a: thread 1431 killed by signal 40");

        ev = event(BL_EVENT_FORK, 1420, 1420);
        ev.fork.parent_pid = ev.fork.parent_tid = 1419;
        check_message(&ev, "/bin/sh /etc/rc", NULL, "fork 1420 /bin/sh /etc/rc: forked by 1419");
        ev = event(BL_EVENT_FORK, 1419, 1432);
        check_message(&ev, "sudo x", NULL, "fork 1419 sudo x: new thread 1432");
        ev = event(BL_EVENT_SID, 1419, 1419);
        check_message(&ev, "?", NULL, "sid 1419 ?: new session");

        ev = event(BL_EVENT_COST, 1419, 1419);
        ev.cost.utime_us = 100000;
        ev.cost.stime_us = 20000;
        check_message(&ev, "x", NULL,
                      "cost 1419 x: used 120.0ms CPU (100.0ms user, 20.0ms system), read 0 B, wrote 0 B");
        ev.tid = 1430;
        check_message(
            &ev, "x", NULL,
            "cost 1419 x: thread 1430 used 120.0ms CPU (100.0ms user, 20.0ms system), read 0 B, wrote 0 B");

        ev = event(BL_EVENT_LOST, 0, 0);
        ev.lost.reason = BL_LOST_SEQ_GAP;
        ev.lost.count = 3;
        check_message(&ev, "unused", NULL, "lost 3 events (sequence-gap)");
        ev.lost.count = 0;
        ev.lost.reason = 200;
        check_message(&ev, "unused", NULL, "lost events (unknown)");

        ev = event(BL_EVENT_START, 0, 0);
        ev.start.recorder_pid = 99;
        check_message(&ev, "?", "host\nname", "recording started on host\\nname (recorder pid 99)");
        check_message(&ev, "?", NULL, "recording started on ? (recorder pid 99)");
        ev = event(BL_EVENT_END, 0, 0);
        ev.end.events = 10;
        ev.end.lost = 2;
        ev.end.reason = BL_STOP_SIGNAL;
        check_message(&ev, "?", NULL, "recording ended (signal): 10 events, 2 lost");
        ev = event(BL_EVENT_UNKNOWN, 0, 0);
        ev.unknown.what = 0x1234;
        ev.unknown.len = 3;
        check_message(&ev, "?", NULL, "kernel event 0x00001234 this version cannot decode (3 bytes)");
}

/* Each field as a "NAME=value" line, a newline in the value as "\n". */
static void collect(const char *name, const char *value, size_t len, void *userdata)
{
        FILE *f = userdata;

        assert_int_equal(strlen(value), len);
        fprintf(f, "%s=", name);
        for (size_t i = 0; i < len; i++)
                if (value[i] == '\n')
                        fputs("\\n", f);
                else
                        fputc(value[i], f);
        fputc('\n', f);
}

static void check_fields(const struct bl_event *ev, const struct bl_journal_process *p, unsigned flags,
                         const char *want)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        bl_journal_fields(ev, p, flags, collect, f);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(buf, want);
        free(buf);
}

static void test_fields_process(void **state)
{
        struct bl_journal_process p = {
                .argv = "sh -c echo a\nb",
                .argv_len = strlen("sh -c echo a\nb"),
                .argv_truncated = true,
                .exe = "/bin/dash",
                .unit = "",
                .comm = "sh",
                .parent_pid = 1,
        };
        struct bl_event ev = event(BL_EVENT_EXEC, 1419, 1419);

        ev.info.status = BL_INFO_OK;
        check_fields(&ev, &p, 0,
                     "BOOTLOG_EVENT=exec\nBOOTLOG_PID=1419\nBOOTLOG_PARENT_PID=1\n"
                     "BOOTLOG_ARGV=sh -c echo a\\nb\nBOOTLOG_ARGV_TRUNCATED=yes\nBOOTLOG_EXE=/bin/dash\n"
                     "BOOTLOG_UNIT=\nBOOTLOG_COMM=sh\nBOOTLOG_TS_NS=5000000000\n");

        /* Why /proc said nothing: only where the caller asks (the live forwarding). */
        ev.info.status = BL_INFO_EXITED;
        p = (struct bl_journal_process){ .comm = "" };
        check_fields(&ev, &p, 0, "BOOTLOG_EVENT=exec\nBOOTLOG_PID=1419\nBOOTLOG_TS_NS=5000000000\n");
        check_fields(&ev, &p, BL_JOURNAL_INFO_STATUS,
                     "BOOTLOG_EVENT=exec\nBOOTLOG_PID=1419\nBOOTLOG_INFO_STATUS=exited-before-read\n"
                     "BOOTLOG_TS_NS=5000000000\n");

        /* A thread is named; nothing known of the process is nothing written. */
        ev = event(BL_EVENT_FORK, 1419, 1432);
        check_fields(&ev, NULL, 0,
                     "BOOTLOG_EVENT=fork\nBOOTLOG_PID=1419\nBOOTLOG_TID=1432\nBOOTLOG_TS_NS=5000000000\n");
}

static void test_fields_exit_lost(void **state)
{
        struct bl_event ev = exit_event(1426, 3 << 8);

        check_fields(
            &ev, NULL, 0,
            "BOOTLOG_EVENT=exit\nBOOTLOG_PID=1426\nBOOTLOG_EXIT_STATUS=3\nBOOTLOG_TS_NS=5000000000\n");
        ev = exit_event(1426, SIGSEGV | 0x80);
        check_fields(&ev, NULL, 0,
                     "BOOTLOG_EVENT=exit\nBOOTLOG_PID=1426\nBOOTLOG_EXIT_STATUS=SIGSEGV\n"
                     "BOOTLOG_CORE_DUMPED=yes\nBOOTLOG_TS_NS=5000000000\n");
        ev = exit_event(1426, 40);
        check_fields(&ev, NULL, 0,
                     "BOOTLOG_EVENT=exit\nBOOTLOG_PID=1426\nBOOTLOG_EXIT_STATUS=signal 40\n"
                     "BOOTLOG_TS_NS=5000000000\n");

        ev = event(BL_EVENT_LOST, 0, 0);
        ev.lost.reason = BL_LOST_ENOBUFS;
        ev.ts_ns = 0;
        check_fields(
            &ev, NULL, 0,
            "BOOTLOG_EVENT=lost\nBOOTLOG_LOST_REASON=receive-buffer-overflow\nBOOTLOG_LOST_COUNT=0\n");
        /* The live forwarding writes the time even when there is none. */
        check_fields(&ev, NULL, BL_JOURNAL_TS_NS_ZERO,
                     "BOOTLOG_EVENT=lost\nBOOTLOG_LOST_REASON=receive-buffer-overflow\nBOOTLOG_LOST_COUNT="
                     "0\nBOOTLOG_TS_NS=0\n");
}

static void test_fields_cost(void **state)
{
        struct bl_event ev = event(BL_EVENT_COST, 1419, 1419);
        static const char *const head = "BOOTLOG_EVENT=cost\nBOOTLOG_PID=1419\n"
                                        "BOOTLOG_CPU_USER_USEC=2\nBOOTLOG_CPU_SYSTEM_USEC=3\n";
        static const char *const rest =
            "BOOTLOG_ELAPSED_USEC=1\nBOOTLOG_READ_BYTES=4\nBOOTLOG_WRITE_BYTES=5\n"
            "BOOTLOG_CANCELLED_WRITE_BYTES=6\nBOOTLOG_READ_CHARS=7\n"
            "BOOTLOG_WRITE_CHARS=8\nBOOTLOG_VOLUNTARY_CSW=9\n"
            "BOOTLOG_INVOLUNTARY_CSW=10\nBOOTLOG_MINOR_FAULTS=11\n"
            "BOOTLOG_MAJOR_FAULTS=12\nBOOTLOG_PEAK_RSS_KB=13\n"
            "BOOTLOG_CPU_DELAY_NSEC=14\n";
        char want[2048];

        ev.cost = (struct bl_cost){
                .elapsed_us = 1,
                .utime_us = 2,
                .stime_us = 3,
                .read_bytes = 4,
                .write_bytes = 5,
                .cancelled_write_bytes = 6,
                .read_chars = 7,
                .write_chars = 8,
                .nvcsw = 9,
                .nivcsw = 10,
                .minflt = 11,
                .majflt = 12,
                .hiwater_rss_kb = 13,
                .cpu_delay_ns = 14,
                .blkio_delay_ns = 15,
                .swapin_delay_ns = 16,
        };
        /* cpu_ns 0: left out, unless the caller writes it anyway (the export). */
        snprintf(want, sizeof(want), "%s%sBOOTLOG_TS_NS=5000000000\n", head, rest);
        check_fields(&ev, NULL, 0, want);
        snprintf(want, sizeof(want), "%sBOOTLOG_CPU_NSEC=0\n%sBOOTLOG_TS_NS=5000000000\n", head, rest);
        check_fields(&ev, NULL, BL_JOURNAL_CPU_NSEC_ZERO, want);

        /* The delays only where they were measured. */
        ev.cost.cpu_ns = 7000;
        ev.cost.flags = BL_COST_IO_DELAYS;
        snprintf(want, sizeof(want),
                 "%sBOOTLOG_CPU_NSEC=7000\n%sBOOTLOG_BLKIO_DELAY_NSEC=15\nBOOTLOG_SWAPIN_DELAY_NSEC=16\n"
                 "BOOTLOG_TS_NS=5000000000\n",
                 head, rest);
        check_fields(&ev, NULL, 0, want);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_priority),         cmocka_unit_test(test_display),
                cmocka_unit_test(test_message),          cmocka_unit_test(test_fields_process),
                cmocka_unit_test(test_fields_exit_lost), cmocka_unit_test(test_fields_cost),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
