/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process tree: event sequences built by hand, in file order, and the
 * tree, exec histories and answers the views would show for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model.h"

/* Timestamps in ms after an arbitrary boot offset, so that none is 0 ("unknown"). */
#define MS(x) (NSEC_PER_SEC + NSEC_PER_MSEC * (uint64_t)(x))

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGV   ((const char *const[]){ NULL })

static char **argv_new(const char *const *argv)
{
        size_t n = 0;
        char **l;

        while (argv[n])
                n++;
        l = calloc(n + 1, sizeof(char *));
        assert_non_null(l);
        for (size_t i = 0; i < n; i++) {
                l[i] = strdup(argv[i]);
                assert_non_null(l[i]);
        }
        return l;
}

static void add(struct bl_model *m, struct bl_event *ev)
{
        assert_int_equal(bl_model_add(m, ev), 0);
        /* The model took the strings. */
        assert_null(ev->info.argv);
        assert_null(ev->info.exe);
        bl_event_done(ev);
}

static void add_fork(struct bl_model *m, uint64_t ts, pid_t parent, pid_t child)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_FORK);
        ev.ts_ns = ts;
        ev.pid = ev.tid = child;
        ev.fork.parent_pid = ev.fork.parent_tid = parent;
        add(m, &ev);
}

static void add_thread(struct bl_model *m, uint64_t ts, pid_t pid, pid_t tid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_FORK);
        ev.ts_ns = ts;
        ev.pid = pid;
        ev.tid = tid;
        ev.fork.parent_pid = ev.fork.parent_tid = pid;
        add(m, &ev);
}

static void add_exec(struct bl_model *m, uint64_t ts, pid_t pid, const char *comm, const char *const *argv)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = ts;
        ev.pid = ev.tid = pid;
        ev.info.status = BL_INFO_OK;
        ev.info.argv = argv_new(argv);
        if (argv[0]) {
                ev.info.exe = strdup(argv[0]);
                assert_non_null(ev.info.exe);
        }
        snprintf(ev.info.comm, sizeof(ev.info.comm), "%s", comm);
        add(m, &ev);
}

static void add_exit(struct bl_model *m, uint64_t ts, pid_t pid, pid_t tid, uint32_t code, pid_t ppid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_EXIT);
        ev.ts_ns = ts;
        ev.pid = pid;
        ev.tid = tid;
        ev.exit.code = code;
        ev.exit.exit_signal = pid == tid ? 17 : 0;
        ev.exit.parent_pid = ev.exit.parent_tid = ppid;
        add(m, &ev);
}

static void add_snapshot(struct bl_model *m, uint64_t ts, pid_t pid, pid_t ppid, uint64_t start,
                         const char *comm, const char *const *argv)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_SNAPSHOT);
        ev.ts_ns = ts;
        ev.pid = ev.tid = pid;
        ev.info.status = BL_INFO_OK;
        ev.info.start_ns = start;
        ev.info.ppid = ppid;
        ev.info.argv = argv_new(argv);
        snprintf(ev.info.comm, sizeof(ev.info.comm), "%s", comm);
        add(m, &ev);
}

static void add_simple(struct bl_model *m, enum bl_event_type type, uint64_t ts, pid_t pid, pid_t tid)
{
        struct bl_event ev;

        bl_event_init(&ev, type);
        ev.ts_ns = ts;
        ev.pid = pid;
        ev.tid = tid;
        add(m, &ev);
}

static void add_lost(struct bl_model *m, uint64_t ts, enum bl_lost_reason reason, uint64_t count)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_LOST);
        ev.ts_ns = ts;
        ev.lost.reason = reason;
        ev.lost.count = count;
        add(m, &ev);
}

/* A COST record for task tid of pid: the figures that matter here, the rest 0. */
static void add_cost(struct bl_model *m, uint64_t ts, pid_t pid, pid_t tid, const struct bl_cost *c)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_COST);
        ev.ts_ns = ts;
        ev.pid = pid;
        ev.tid = tid;
        ev.cost = *c;
        add(m, &ev);
}

/* The newest process with this pid. */
static struct bl_process *get(struct bl_model *m, pid_t pid)
{
        struct bl_process *p = bl_model_find(m, pid, UINT64_MAX);

        assert_non_null(p);
        assert_int_equal(p->pid, pid);
        return p;
}

static void assert_label(const struct bl_exec *e, const char *fallback_comm, const char *expected)
{
        char *s = bl_exec_label(e, fallback_comm);

        assert_non_null(s);
        assert_string_equal(s, expected);
        free(s);
}

static void assert_image_at(const struct bl_process *p, uint64_t ts, const char *label, bool inherited)
{
        bool inh = !inherited;
        const struct bl_exec *e = bl_process_image_at(p, ts, &inh);

        assert_non_null(e);
        assert_label(e, NULL, label);
        assert_int_equal(inh, inherited);
}

static void assert_children(const struct bl_process *p, size_t n, const pid_t *pids)
{
        assert_int_equal(p->n_children, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(p->children[i]->pid, pids[i]);
                assert_ptr_equal(p->children[i]->parent, p);
        }
}

#define CHILDREN(p, ...)                                                                                    \
        assert_children((p), ELEMENTSOF(((const pid_t[]){ __VA_ARGS__ })), (const pid_t[]){ __VA_ARGS__ })

static int setup(void **state)
{
        struct bl_model *m;

        if (bl_model_new(&m) < 0)
                return -1;
        *state = m;
        return 0;
}

static int teardown(void **state)
{
        bl_model_free(*state);
        return 0;
}

/* The seed story: an rc script's sh double-forks a daemon that is reparented to pid 1. */
static void test_daemon_under_real_forker(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *init, *rc, *sub, *daemon;
        int code = -1;

        add_snapshot(m, MS(0), 1, 0, MS(-900), "systemd", ARGV("/sbin/init"));
        add_fork(m, MS(100), 1, 500);
        add_exec(m, MS(101), 500, "rc.local", ARGV("/bin/sh", "/etc/rc.local"));
        add_fork(m, MS(110), 500, 501); /* ( food & ) */
        add_fork(m, MS(111), 501, 502);
        add_exit(m, MS(112), 501, 501, 0, 500);
        add_exec(m, MS(113), 502, "food", ARGV("/usr/sbin/food", "--daemon"));
        add_exit(m, MS(120), 500, 500, 0, 1);
        add_exit(m, MS(5000), 502, 502, 15 << 8, 1);

        assert_int_equal(bl_model_get_roots(m, &roots), 1);
        init = roots[0];
        assert_int_equal(init->pid, 1);
        assert_null(init->parent);
        CHILDREN(init, 500);
        rc = init->children[0];
        CHILDREN(rc, 501);
        sub = rc->children[0];
        CHILDREN(sub, 502);
        daemon = sub->children[0];

        /* Under its real forker, with the later ppid kept apart. */
        assert_ptr_equal(daemon->parent, sub);
        assert_int_equal(daemon->reported_ppid, 1);
        assert_true(daemon->fork_seen);
        assert_false(daemon->from_snapshot);
        assert_int_equal(daemon->start_ns, MS(111));
        assert_true(daemon->exited);
        assert_int_equal(daemon->exit_ns, MS(5000));
        assert_true(bl_exit_status_decode(daemon->exit_status, &code, NULL, NULL));
        assert_int_equal(code, 15);
        assert_string_equal(daemon->comm, "food");
        assert_label(bl_process_last_image(daemon, NULL), NULL, "/usr/sbin/food --daemon");

        /* The subshell never exec'd: it ran the rc script's image. */
        assert_int_equal(sub->n_execs, 0);
        assert_int_equal(sub->reported_ppid, 500);
        assert_image_at(sub, MS(111), "/bin/sh /etc/rc.local", true);
        assert_image_at(daemon, MS(112), "/bin/sh /etc/rc.local", true);
        assert_image_at(daemon, MS(113), "/usr/sbin/food --daemon", false);

        assert_true(init->from_snapshot);
        assert_false(init->fork_seen);
        assert_ptr_equal(bl_model_find(m, 502, MS(200)), daemon);
        assert_null(bl_model_find(m, 502, MS(110)));
}

/* ruby forks; the child execs sudo, which execs foo-script, which execs sendmail: one pid. */
static void test_exec_history(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *p;
        bool inherited = true;

        add_fork(m, MS(100), 1, 1418);
        add_exec(m, MS(101), 1418, "ruby", ARGV("ruby", "/usr/bin/foo", "-c", "/etc/foo.conf"));
        add_fork(m, MS(200), 1418, 1419);
        add_exec(m, MS(210), 1419, "sudo", ARGV("sudo", "/usr/local/sbin/foo-script"));
        add_exec(m, MS(220), 1419, "foo-script", ARGV("/bin/sh", "/usr/local/sbin/foo-script"));
        add_exec(m, MS(230), 1419, "sendmail", ARGV("sendmail", "-t"));
        add_exit(m, MS(240), 1419, 1419, 0, 1418);

        p = get(m, 1419);
        assert_int_equal(p->n_execs, 3);
        assert_label(&p->execs[0], NULL, "sudo /usr/local/sbin/foo-script");
        assert_label(&p->execs[1], NULL, "/bin/sh /usr/local/sbin/foo-script");
        assert_label(&p->execs[2], NULL, "sendmail -t");
        assert_int_equal(p->execs[0].ts_ns, MS(210));
        assert_int_equal(p->execs[2].ts_ns, MS(230));
        assert_false(p->execs[0].from_snapshot);
        assert_string_equal(p->comm, "sendmail");
        assert_int_equal(p->parent->pid, 1418);

        assert_image_at(p, MS(200), "ruby /usr/bin/foo -c /etc/foo.conf", true);
        assert_image_at(p, MS(209), "ruby /usr/bin/foo -c /etc/foo.conf", true);
        assert_image_at(p, MS(210), "sudo /usr/local/sbin/foo-script", false);
        assert_image_at(p, MS(219), "sudo /usr/local/sbin/foo-script", false);
        assert_image_at(p, MS(220), "/bin/sh /usr/local/sbin/foo-script", false);
        assert_image_at(p, MS(230), "sendmail -t", false);
        assert_image_at(p, MS(999), "sendmail -t", false);
        assert_ptr_equal(bl_process_last_image(p, &inherited), &p->execs[2]);
        assert_false(inherited);

        /* The forker's forker, pid 1, was never seen: a placeholder with no image. */
        assert_false(p->parent->parent->fork_seen);
        assert_null(bl_process_image_at(p->parent->parent, MS(150), &inherited));
        assert_false(inherited);
}

static void test_pid_reuse(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *procs;
        struct bl_process *a, *b, *c;

        add_fork(m, MS(10), 1, 300);
        add_exec(m, MS(11), 300, "a", ARGV("a"));
        add_exit(m, MS(20), 300, 300, 0, 1);
        add_fork(m, MS(30), 1, 300);
        add_exec(m, MS(31), 300, "b", ARGV("b"));
        /* Its exit is lost; the pid is reused again. */
        add_fork(m, MS(40), 1, 300);
        add_exec(m, MS(41), 300, "c", ARGV("c"));

        assert_int_equal(bl_model_get_processes(m, &procs), 4); /* pid 1 placeholder and three 300s */
        a = bl_model_find(m, 300, MS(15));
        b = bl_model_find(m, 300, MS(30));
        c = bl_model_find(m, 300, MS(40));
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(c);
        assert_true(a != b && b != c && a != c);
        assert_ptr_equal(bl_model_find(m, 300, MS(10)), a);
        assert_ptr_equal(bl_model_find(m, 300, MS(29)), a);
        assert_ptr_equal(bl_model_find(m, 300, MS(39)), b);
        assert_ptr_equal(bl_model_find(m, 300, UINT64_MAX), c);
        assert_null(bl_model_find(m, 300, MS(9)));
        assert_null(bl_model_find(m, 301, MS(50)));

        assert_true(a->exited);
        assert_false(b->exited);
        assert_false(c->exited);
        assert_int_equal(a->n_execs, 1);
        assert_int_equal(b->n_execs, 1);
        assert_int_equal(c->n_execs, 1);
        assert_string_equal(a->comm, "a");
        assert_string_equal(b->comm, "b");
        assert_string_equal(c->comm, "c");
        CHILDREN(a->parent, 300, 300, 300);
        assert_ptr_equal(a->parent->children[0], a);
        assert_ptr_equal(a->parent->children[2], c);
}

static void test_threads(void **state)
{
        struct bl_model *m = *state;
        struct bl_model_stats st;
        struct bl_process *p, *q;

        add_fork(m, MS(10), 1, 400);
        add_thread(m, MS(11), 400, 401);
        add_thread(m, MS(12), 400, 402);
        add_exit(m, MS(13), 400, 401, 0, 1);
        add_thread(m, MS(14), 900, 901); /* a thread of a process never seen */

        p = get(m, 400);
        assert_int_equal(p->n_threads, 2);
        assert_false(p->exited);
        assert_int_equal(p->n_children, 0);
        assert_null(bl_model_find(m, 401, UINT64_MAX));
        assert_null(bl_model_find(m, 402, UINT64_MAX));

        /* Still live after its thread exited: the exec lands on it. */
        add_exec(m, MS(15), 400, "x", ARGV("x"));
        assert_ptr_equal(get(m, 400), p);
        assert_int_equal(p->n_execs, 1);
        add_exit(m, MS(20), 400, 400, 0, 1);
        assert_true(p->exited);
        assert_int_equal(p->exit_ns, MS(20));

        q = get(m, 900);
        assert_false(q->fork_seen);
        assert_int_equal(q->n_threads, 1);

        bl_model_get_stats(m, &st);
        assert_int_equal(st.threads, 3);
        assert_int_equal(st.processes, 3); /* 1 (placeholder), 400, 900 (placeholder) */
        assert_int_equal(st.events[BL_EVENT_FORK], 4);
        assert_int_equal(st.events[BL_EVENT_EXIT], 2);
}

static void test_exit_status(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *p;
        int code = -1, sig = -1;
        bool core = false;

        add_fork(m, MS(10), 1, 600);
        add_exit(m, MS(11), 600, 600, 1 << 8, 1);
        p = get(m, 600);
        assert_true(p->exited);
        assert_int_equal(p->exit_status, 1 << 8);
        assert_true(bl_exit_status_decode(p->exit_status, &code, NULL, NULL));
        assert_int_equal(code, 1);
        assert_false(p->coredump);

        add_fork(m, MS(20), 1, 601);
        add_simple(m, BL_EVENT_COREDUMP, MS(21), 601, 601);
        add_exit(m, MS(22), 601, 601, 11 | 0x80, 0);
        p = get(m, 601);
        assert_true(p->coredump);
        assert_false(bl_exit_status_decode(p->exit_status, NULL, &sig, &core));
        assert_int_equal(sig, 11);
        assert_true(core);
        assert_int_equal(p->reported_ppid, 0); /* exit gave no ppid */

        /* An exit of a process never seen: what is known is kept. */
        add_exit(m, MS(30), 777, 777, 9, 1);
        p = get(m, 777);
        assert_true(p->exited);
        assert_false(p->fork_seen);
        assert_int_equal(p->exit_status, 9);
        assert_int_equal(p->reported_ppid, 1);
}

static void test_snapshot(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *init, *sshd, *session, *worker, *late, *old704, *new704;
        bool inherited = true;

        add_snapshot(m, MS(2000), 1, 0, MS(50), "systemd", ARGV("/sbin/init", "splash"));
        add_snapshot(m, MS(2000), 2, 0, MS(50), "kthreadd", NO_ARGV);
        add_snapshot(m, MS(2001), 700, 1, MS(500), "sshd", ARGV("/usr/sbin/sshd", "-D"));
        add_snapshot(m, MS(2001), 701, 700, MS(600), "sshd", ARGV("sshd: user"));
        add_snapshot(m, MS(2001), 800, 999, MS(700), "orphan", ARGV("orphan")); /* parent unknown */
        add_snapshot(m, MS(2002), 704, 1, MS(500), "old", ARGV("old"));
        /* Forked by 701 at 1995 ms, reparented to 1 before /proc was read; the fork event comes later. */
        add_snapshot(m, MS(2002), 702, 1, MS(1990), "worker", ARGV("worker"));

        assert_int_equal(bl_model_get_roots(m, &roots), 3);
        assert_int_equal(roots[0]->pid, 1);
        assert_int_equal(roots[1]->pid, 2);
        assert_int_equal(roots[2]->pid, 800);
        init = roots[0];
        CHILDREN(init, 700, 704, 702);
        sshd = init->children[0];
        CHILDREN(sshd, 701);
        session = sshd->children[0];
        assert_true(init->from_snapshot);
        assert_int_equal(init->n_execs, 1);
        assert_true(init->execs[0].from_snapshot);
        assert_int_equal(init->execs[0].ts_ns, MS(2000));
        assert_int_equal(init->start_ns, MS(50));
        assert_string_equal(init->comm, "systemd");
        assert_label(bl_process_last_image(roots[1], NULL), roots[1]->comm, "[kthreadd]");
        assert_int_equal(roots[2]->reported_ppid, 999);
        assert_null(roots[2]->parent);

        /* A snapshot image holds before it was read, too, and is the process's own. */
        assert_image_at(sshd, MS(600), "/usr/sbin/sshd -D", false);

        /* The queued fork event arrives: same process, moved under its forker. */
        add_fork(m, MS(1995), 701, 702);
        add_fork(m, MS(2010), 1, 703);
        /* Forked before /proc was read, its fork came first: the snapshot only adds the image. */
        add_snapshot(m, MS(2003), 703, 1, MS(2000), "late", ARGV("late"));
        /* The same pid much later: the snapshot's 704 died unseen, this is a new one. */
        add_fork(m, MS(3000), 1, 704);

        assert_int_equal(bl_model_get_roots(m, &roots), 3);
        CHILDREN(init, 700, 704, 703, 704);
        CHILDREN(session, 702);
        worker = session->children[0];
        assert_true(worker->fork_seen);
        assert_true(worker->from_snapshot);
        assert_int_equal(worker->start_ns, MS(1995));
        assert_int_equal(worker->reported_ppid, 1);
        assert_int_equal(worker->n_execs, 1);
        assert_ptr_equal(bl_model_find(m, 702, MS(1996)), worker);

        late = get(m, 703);
        assert_ptr_equal(late, init->children[2]);
        assert_true(late->fork_seen);
        assert_true(late->from_snapshot);
        assert_int_equal(late->start_ns, MS(2010));
        assert_int_equal(late->n_execs, 1);
        assert_ptr_equal(bl_process_last_image(late, &inherited), &late->execs[0]);
        assert_false(inherited);

        old704 = init->children[1];
        new704 = init->children[3];
        assert_ptr_equal(bl_model_find(m, 704, MS(2500)), old704);
        assert_ptr_equal(bl_model_find(m, 704, MS(3000)), new704);
        assert_true(old704->from_snapshot);
        assert_false(old704->fork_seen);
        assert_true(new704->fork_seen);
        assert_false(new704->from_snapshot);
        assert_int_equal(new704->n_execs, 0);
        assert_image_at(new704, MS(3001), "/sbin/init splash", true);
}

/* A snapshot process whose exec event was queued behind the snapshot. */
static void test_snapshot_then_queued_exec(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *p;

        add_snapshot(m, MS(2000), 1, 0, MS(50), "systemd", ARGV("/sbin/init"));
        add_snapshot(m, MS(2005), 710, 1, MS(1990), "tool", ARGV("tool"));
        add_fork(m, MS(1992), 1, 710);
        add_exec(m, MS(1993), 710, "tool", ARGV("tool"));

        p = get(m, 710);
        assert_int_equal(p->n_execs, 2);
        assert_true(p->execs[0].from_snapshot);
        assert_false(p->execs[1].from_snapshot);
        /* Before its exec it ran its parent's image, not the one read later. */
        assert_image_at(p, MS(1992), "/sbin/init", true);
        assert_image_at(p, MS(1993), "tool", false);
        assert_image_at(p, MS(2005), "tool", false);
}

static void test_placeholder_parent(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *parent, *child, *p;
        bool inherited = true;

        add_fork(m, MS(10), 1234, 1235);
        child = get(m, 1235);
        parent = child->parent;
        assert_non_null(parent);
        assert_int_equal(parent->pid, 1234);
        assert_false(parent->fork_seen);
        assert_false(parent->from_snapshot);
        assert_int_equal(parent->start_ns, 0);
        assert_null(parent->parent);
        CHILDREN(parent, 1235);
        assert_int_equal(bl_model_get_roots(m, &roots), 1);
        assert_ptr_equal(roots[0], parent);
        assert_null(bl_process_image_at(child, MS(20), &inherited));
        assert_false(inherited);
        assert_label(bl_process_last_image(child, NULL), child->comm, "?");

        /* A later fork by the same, still live, placeholder. */
        add_fork(m, MS(11), 1234, 1236);
        CHILDREN(parent, 1235, 1236);

        /* An exec and a fork of a pid never seen, before the snapshot reads it. */
        add_snapshot(m, MS(2000), 1, 0, MS(50), "systemd", ARGV("/sbin/init"));
        add_exec(m, MS(1999), 1300, "late", ARGV("/usr/bin/late"));
        add_fork(m, MS(1999), 1300, 1301);
        p = get(m, 1300);
        assert_null(p->parent);
        add_snapshot(m, MS(2001), 1300, 1, MS(1000), "late", ARGV("/usr/bin/late", "--read"));
        /* A live pid is one process: the snapshot tells who the placeholder is. */
        assert_ptr_equal(get(m, 1300), p);
        assert_true(p->from_snapshot);
        assert_int_equal(p->start_ns, MS(1000));
        assert_int_equal(p->parent->pid, 1);
        assert_int_equal(p->n_execs, 1);
        assert_false(p->execs[0].from_snapshot);
        CHILDREN(p, 1301);
        assert_int_equal(bl_model_get_roots(m, &roots), 2);
        assert_ptr_equal(roots[0], parent);
        assert_int_equal(roots[1]->pid, 1);
        CHILDREN(roots[1], 1300);
}

/*
 * Forked before the recording started and gone before the snapshot read /proc: only its exit is
 * recorded. It goes under the parent its exit names (when known), not to the roots.
 */
static void test_exit_only(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *p;

        add_snapshot(m, MS(100), 1, 0, MS(1), "systemd", ARGV("/sbin/init"));
        add_snapshot(m, MS(100), 128, 1, MS(50), "systemd-tmpfile", ARGV("systemd-tmpfiles", "--boot"));
        add_exit(m, MS(90), 131, 131, 0, 128);
        p = get(m, 131);
        assert_true(p->exited);
        assert_false(p->fork_seen);
        assert_non_null(p->parent);
        assert_int_equal(p->parent->pid, 128);
        /* Its parent is unknown too: then it is a root, as before. */
        add_exit(m, MS(91), 4000, 4000, 0, 3999);
        assert_null(get(m, 4000)->parent);
        assert_int_equal(bl_model_get_roots(m, &roots), 2);
        assert_int_equal(roots[0]->pid, 4000);
        assert_int_equal(roots[1]->pid, 1);
}

static void test_inherited_image(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *init, *a, *b;
        bool inherited = false;

        add_fork(m, MS(1), 0, 1);
        add_exec(m, MS(5), 1, "init", ARGV("/sbin/init"));
        add_fork(m, MS(10), 1, 50);
        add_fork(m, MS(20), 50, 51);
        add_exec(m, MS(100), 1, "init", ARGV("/sbin/init", "--reexec"));

        init = get(m, 1);
        a = get(m, 50);
        b = get(m, 51);
        assert_null(init->parent);
        assert_true(init->fork_seen);
        assert_image_at(a, MS(30), "/sbin/init", true);
        assert_image_at(b, MS(30), "/sbin/init", true);
        /* The image at the fork, not what the parent ran later. */
        assert_image_at(b, MS(200), "/sbin/init", true);
        assert_ptr_equal(bl_process_last_image(b, &inherited), &init->execs[0]);
        assert_true(inherited);
        assert_image_at(init, MS(200), "/sbin/init --reexec", false);
        assert_image_at(init, MS(99), "/sbin/init", false);
        /* pid 1 before its exec ran what the idle task ran: unknown. */
        assert_null(bl_process_image_at(init, MS(4), &inherited));
        assert_false(inherited);
}

static void test_lost_and_stats(void **state)
{
        struct bl_model *m = *state;
        struct bl_model_stats st;

        add_simple(m, BL_EVENT_START, MS(100), 0, 0);
        add_fork(m, MS(105), 1, 10);
        add_lost(m, MS(103), BL_LOST_ENOBUFS, 0); /* from another CPU: earlier */
        add_lost(m, MS(106), BL_LOST_SEQ_GAP, 5);
        add_lost(m, 0, BL_LOST_DISK_FULL, 7); /* no timestamp */
        add_simple(m, BL_EVENT_SID, MS(107), 10, 10);
        add_simple(m, BL_EVENT_GID, MS(108), 10, 10);
        add_simple(m, BL_EVENT_PTRACE, MS(109), 10, 10);
        add_simple(m, BL_EVENT_UNKNOWN, MS(110), 0, 0);
        add_simple(m, BL_EVENT_END, MS(111), 0, 0);

        bl_model_get_stats(m, &st);
        assert_int_equal(st.lost, 12);
        assert_int_equal(st.lost_records, 3);
        assert_int_equal(st.overflows, 1);
        assert_int_equal(st.events[BL_EVENT_LOST], 3);
        assert_int_equal(st.events[BL_EVENT_FORK], 1);
        assert_int_equal(st.events[BL_EVENT_SID], 1);
        assert_int_equal(st.events[BL_EVENT_GID], 1);
        assert_int_equal(st.events[BL_EVENT_PTRACE], 1);
        assert_int_equal(st.events[BL_EVENT_UNKNOWN], 1);
        assert_int_equal(st.events[BL_EVENT_START], 1);
        assert_int_equal(st.events[BL_EVENT_END], 1);
        assert_int_equal(st.events[BL_EVENT_EXEC], 0);
        assert_int_equal(st.first_ts_ns, MS(100));
        assert_int_equal(st.last_ts_ns, MS(111));
        assert_int_equal(st.processes, 2);
        assert_int_equal(st.threads, 0);
}

/*
 * Costs: a process's COST records (its threads' and its main thread's) are
 * summed, the peak memory is the largest; the process is complete once its
 * main thread's record is in. A subtree sums its processes' costs and counts
 * those without a complete one.
 */
static void test_costs(void **state)
{
        struct bl_model *m = *state;
        struct bl_model_stats st;
        struct bl_process_cost sub, acc = {};
        struct bl_process *p10, *p20, *p30;

        add_fork(m, MS(10), 1, 10);
        add_thread(m, MS(11), 10, 11);
        add_fork(m, MS(12), 10, 20);
        add_fork(m, MS(13), 20, 30);

        add_exit(m, MS(20), 10, 11, 0, 1);
        add_cost(m, MS(20), 10, 11,
                 &(struct bl_cost){ .flags = BL_COST_IO_DELAYS,
                                    .elapsed_us = 9000,
                                    .utime_us = 100,
                                    .stime_us = 10,
                                    .read_bytes = 1000,
                                    .hiwater_rss_kb = 500,
                                    .cpu_delay_ns = 7 });
        p10 = get(m, 10);
        assert_non_null(p10->cost);
        assert_int_equal(p10->cost->tasks, 1);
        assert_false(p10->cost->complete); /* only a thread so far */
        bl_model_get_stats(m, &st);
        assert_int_equal(st.cost_processes, 0);

        add_exit(m, MS(21), 30, 30, 0, 20);
        add_cost(m, MS(21), 30, 30,
                 &(struct bl_cost){ .flags = BL_COST_IO_DELAYS,
                                    .utime_us = 5,
                                    .read_bytes = 50,
                                    .hiwater_rss_kb = 100,
                                    .blkio_delay_ns = 3 });
        add_exit(m, MS(22), 20, 20, 0, 10);
        /* Delay accounting was off for this one. */
        add_cost(m, MS(22), 20, 20,
                 &(struct bl_cost){ .utime_us = 1, .write_bytes = 7, .hiwater_rss_kb = 2000 });
        add_exit(m, MS(30), 10, 10, 256, 1);
        add_cost(m, MS(30), 10, 10,
                 &(struct bl_cost){ .flags = BL_COST_IO_DELAYS,
                                    .exit_code = 256,
                                    .elapsed_us = 20000,
                                    .utime_us = 200,
                                    .stime_us = 20,
                                    .write_bytes = 300,
                                    .hiwater_rss_kb = 400,
                                    .cpu_delay_ns = 11 });
        add_fork(m, MS(31), 1, 60); /* still running at the end: no cost */
        add_cost(m, MS(32), 999, 999, &(struct bl_cost){ .utime_us = 1 }); /* no such process */
        add_lost(m, MS(33), BL_LOST_COST, 2);

        /* Its own: both tasks summed, the larger peak, the main thread's exit code and elapsed time. */
        assert_ptr_equal(get(m, 10), p10);
        assert_int_equal(p10->cost->tasks, 2);
        assert_true(p10->cost->complete);
        assert_int_equal(p10->cost->sum.utime_us, 300);
        assert_int_equal(p10->cost->sum.stime_us, 30);
        assert_int_equal(p10->cost->sum.read_bytes, 1000);
        assert_int_equal(p10->cost->sum.write_bytes, 300);
        assert_int_equal(p10->cost->sum.hiwater_rss_kb, 500);
        assert_int_equal(p10->cost->sum.cpu_delay_ns, 18);
        assert_int_equal(p10->cost->sum.exit_code, 256);
        assert_int_equal(p10->cost->sum.elapsed_us, 20000);
        assert_true(p10->cost->sum.flags & BL_COST_IO_DELAYS);

        p20 = get(m, 20);
        p30 = get(m, 30);
        assert_int_equal(p20->cost->tasks, 1);
        assert_true(p20->cost->complete);
        assert_false(p20->cost->sum.flags & BL_COST_IO_DELAYS);
        assert_true(p30->cost->sum.flags & BL_COST_IO_DELAYS);
        assert_null(get(m, 1)->cost);
        assert_null(get(m, 60)->cost);

        /* 10's subtree: itself, 20 and 30; every one complete; I/O delays not measured for all of them. */
        assert_int_equal(bl_process_subtree_cost(p10, &sub), 0);
        assert_int_equal(sub.tasks, 4);
        assert_true(sub.complete);
        assert_int_equal(sub.sum.utime_us, 306);
        assert_int_equal(sub.sum.stime_us, 30);
        assert_int_equal(sub.sum.read_bytes, 1050);
        assert_int_equal(sub.sum.write_bytes, 307);
        assert_int_equal(sub.sum.hiwater_rss_kb, 2000);
        assert_int_equal(sub.sum.blkio_delay_ns, 3);
        assert_false(sub.sum.flags & BL_COST_IO_DELAYS);

        /* A leaf's subtree is its own cost. */
        assert_int_equal(bl_process_subtree_cost(p30, &sub), 0);
        assert_int_equal(sub.tasks, 1);
        assert_int_equal(sub.sum.utime_us, 5);
        assert_true(sub.sum.flags & BL_COST_IO_DELAYS);

        /* From the placeholder for pid 1: it and 60 have no cost. */
        assert_int_equal(bl_process_subtree_cost(get(m, 1), &sub), 2);
        assert_int_equal(sub.tasks, 4);
        assert_int_equal(sub.sum.utime_us, 306);

        /* Adding into an empty sum takes the flags; one without them clears them. */
        bl_process_cost_add(&acc, p30->cost);
        assert_true(acc.sum.flags & BL_COST_IO_DELAYS);
        assert_true(acc.complete);
        bl_process_cost_add(&acc, p20->cost);
        assert_false(acc.sum.flags & BL_COST_IO_DELAYS);
        assert_int_equal(acc.tasks, 2);
        assert_int_equal(acc.sum.hiwater_rss_kb, 2000);

        bl_model_get_stats(m, &st);
        assert_int_equal(st.events[BL_EVENT_COST], 5);
        assert_int_equal(st.cost_processes, 3);
        assert_int_equal(st.cost_orphans, 1);
        assert_int_equal(st.cost_missing, 2);
}

static void test_comm_and_uid(void **state)
{
        struct bl_model *m = *state;
        struct bl_event ev;
        struct bl_process *p;

        add_fork(m, MS(1), 1, 20);
        p = get(m, 20);
        assert_int_equal(p->uid, UINT32_MAX);
        assert_string_equal(p->comm, "");

        bl_event_init(&ev, BL_EVENT_COMM);
        ev.ts_ns = MS(2);
        ev.pid = ev.tid = 20;
        strcpy(ev.info.comm, "worker");
        add(m, &ev);
        assert_string_equal(p->comm, "worker");

        /* A thread naming itself does not rename the process. */
        bl_event_init(&ev, BL_EVENT_COMM);
        ev.ts_ns = MS(3);
        ev.pid = 20;
        ev.tid = 21;
        strcpy(ev.info.comm, "gmain");
        add(m, &ev);
        assert_string_equal(p->comm, "worker");

        bl_event_init(&ev, BL_EVENT_UID);
        ev.ts_ns = MS(4);
        ev.pid = ev.tid = 20;
        ev.id.real = 1000;
        ev.id.effective = 0;
        add(m, &ev);
        assert_int_equal(p->uid, 0);

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = MS(5);
        ev.pid = ev.tid = 20;
        ev.info.uid = 33;
        add(m, &ev);
        assert_int_equal(p->uid, 33);
        assert_int_equal(p->n_execs, 1);
        assert_string_equal(p->comm, "worker"); /* exec info without comm leaves it */
        assert_label(&p->execs[0], p->comm, "[worker]");
}

static void test_children_order(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *p;

        /* Timestamps of different CPUs disagree a little... */
        add_fork(m, MS(105), 1, 10);
        add_fork(m, MS(100), 1, 11);
        add_fork(m, MS(103), 1, 12);
        /* ...and once, by a lot (more than a few slots back). */
        for (pid_t pid = 100; pid < 140; pid++)
                add_fork(m, MS(200 + pid), 1, pid);
        add_fork(m, MS(104), 1, 13);
        add_fork(m, MS(1000), 1, 14);
        add_fork(m, MS(1000), 1, 15); /* same start: file order */

        p = get(m, 1);
        assert_int_equal(bl_model_get_roots(m, &roots), 1);
        assert_ptr_equal(roots[0], p);
        assert_int_equal(p->n_children, 46);
        assert_int_equal(p->children[0]->pid, 11);
        assert_int_equal(p->children[1]->pid, 12);
        assert_int_equal(p->children[2]->pid, 13);
        assert_int_equal(p->children[3]->pid, 10);
        assert_int_equal(p->children[4]->pid, 100);
        assert_int_equal(p->children[43]->pid, 139);
        assert_int_equal(p->children[44]->pid, 14);
        assert_int_equal(p->children[45]->pid, 15);
        for (size_t i = 1; i < p->n_children; i++)
                assert_true(p->children[i - 1]->start_ns <= p->children[i]->start_ns);
}

static void test_labels(void **state)
{
        struct bl_exec e = { .ts_ns = 1 };
        char *argv_empty[] = { NULL };
        char *argv_blank[] = { (char *)"", NULL };
        char *argv[] = { (char *)"ls", (char *)"-l", (char *)"a b", NULL };

        bl_proc_info_init(&e.info);
        assert_label(&e, NULL, "?");
        assert_label(&e, "", "?");
        assert_label(&e, "bash", "[bash]");
        assert_label(NULL, "bash", "[bash]");
        assert_label(NULL, NULL, "?");
        strcpy(e.info.comm, "kworker/0:1");
        assert_label(&e, "bash", "[kworker/0:1]");
        e.info.argv = argv_empty; /* a kernel thread */
        assert_label(&e, NULL, "[kworker/0:1]");
        e.info.exe = (char *)"/bin/ls";
        assert_label(&e, NULL, "/bin/ls");
        e.info.argv = argv_blank;
        assert_label(&e, NULL, "/bin/ls");
        e.info.argv = argv;
        /* Not escaped here: the views do that. */
        assert_label(&e, NULL, "ls -l a b");
}

/* No recursion over the tree's depth: building, walking, settling and freeing a 200,000-deep chain. */
static void test_deep_chain(void **state)
{
        struct bl_model *m = *state;
        struct bl_process *const *roots;
        struct bl_process *p, *deepest;
        const pid_t depth = 200000;
        size_t n = 0;

        add_snapshot(m, MS(0), 1, 0, MS(-500), "init", ARGV("/init"));
        for (pid_t pid = 2; pid <= depth; pid++)
                add_fork(m, MS(pid), pid - 1, pid);
        /* Force the lazy sort path at the bottom too. */
        for (pid_t pid = depth + 1; pid <= depth + 40; pid++)
                add_fork(m, MS(2 * depth - pid), depth, pid);

        assert_int_equal(bl_model_get_roots(m, &roots), 1);
        deepest = get(m, depth);
        assert_int_equal(deepest->n_children, 40);
        for (size_t i = 1; i < deepest->n_children; i++)
                assert_true(deepest->children[i - 1]->start_ns <= deepest->children[i]->start_ns);
        for (p = deepest; p->parent; p = p->parent)
                n++;
        assert_ptr_equal(p, roots[0]);
        assert_int_equal(n, depth - 1);
        assert_image_at(get(m, 100), MS(150), "/init", true);
        /* Beyond the search bound this answers "unknown", but it answers. */
        (void)bl_process_image_at(deepest, UINT64_MAX, NULL);
        assert_ptr_equal(bl_model_find(m, depth / 2, UINT64_MAX)->parent, get(m, depth / 2 - 1));
}

/* Many short-lived processes over few pids: a sanity check of the bookkeeping, not a timing. */
static void test_many_processes(void **state)
{
        struct bl_model *m = *state;
        struct bl_model_stats st;
        struct bl_process *const *procs;
        const unsigned n = 100000;
        uint64_t ts = MS(0);

        add_snapshot(m, ts, 1, 0, ts, "init", ARGV("/init"));
        for (unsigned i = 0; i < n; i++) {
                pid_t pid = 2 + i % 30000;

                add_fork(m, ++ts, 1, pid);
                add_exec(m, ++ts, pid, "true", ARGV("/bin/true"));
                add_exit(m, ++ts, pid, pid, 0, 1);
        }

        bl_model_get_stats(m, &st);
        assert_int_equal(st.processes, n + 1);
        assert_int_equal(st.events[BL_EVENT_FORK], n);
        assert_int_equal(bl_model_get_processes(m, &procs), n + 1);
        assert_int_equal(get(m, 1)->n_children, n);
        for (unsigned i = 0; i < n; i += 997) {
                struct bl_process *p = bl_model_find(m, 2 + i % 30000, MS(0) + 3 * i + 1);

                assert_ptr_equal(p, procs[i + 1]);
                assert_int_equal(p->start_ns, MS(0) + 3 * i + 1);
                assert_true(p->exited);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_daemon_under_real_forker, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec_history, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pid_reuse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exit_status, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_then_queued_exec, setup, teardown),
                cmocka_unit_test_setup_teardown(test_placeholder_parent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exit_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inherited_image, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lost_and_stats, setup, teardown),
                cmocka_unit_test_setup_teardown(test_costs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_comm_and_uid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_children_order, setup, teardown),
                cmocka_unit_test(test_labels),
                cmocka_unit_test_setup_teardown(test_deep_chain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_many_processes, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
