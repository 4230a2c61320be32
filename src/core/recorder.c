/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recording pipeline: connector, enrichment, argv capture, costs, writer;
 * see recorder.h.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "argv-policy.h"
#include "enrich.h"
#include "execargs.h"
#include "format-def.h"
#include "log.h"
#include "recorder.h"
#include "taskstats.h"
#include "time-util.h"

#define DEFAULT_FLUSH_INTERVAL_NS NSEC_PER_SEC
/* Datagrams handled per dispatch call, so a storm cannot keep the flush timer from running. */
#define DISPATCH_BATCH 256

struct bl_recorder {
        struct bl_recorder_options opts;
        struct bl_source *source;
        struct bl_enricher *enricher;
        struct bl_execargs *execargs;   /* NULL: argv from /proc */
        char *execargs_reason;          /* why not */
        struct bl_taskstats *taskstats; /* NULL: no costs */
        char *taskstats_reason;         /* why not */
        pid_t loader_pid; /* the argv capture's loader, whose exit may come after subscribing */
        uint64_t costs, costs_missing, costs_missing_unreported;
        uint64_t next_cost_flush_ns;
        struct bl_writer *writer;
        struct bl_loop_source *io_source, *flush_source;
        int size_fd;               /* dup of the output fd: the file size after the writer closed it */
        uint64_t block_started_ns; /* when the first event of the pending block arrived; 0 if none */
        struct bl_event *batch;    /* events of one dispatch, held so an exec can see what follows it */
        size_t n_batch, batch_size;
        uint64_t events;
        uint64_t execs, execs_with_argv, execs_argv_at_exec;
        uint64_t processes;
        int last_write_error;
};

static const char *const argv_capture_table[_BL_ARGV_CAPTURE_MAX] = {
        [BL_ARGV_CAPTURE_AUTO] = "auto",
        [BL_ARGV_CAPTURE_PROC] = "proc",
};

const char *bl_argv_capture_to_string(enum bl_argv_capture c)
{
        if (c < 0 || c >= _BL_ARGV_CAPTURE_MAX)
                return NULL;
        return argv_capture_table[c];
}

enum bl_argv_capture bl_argv_capture_from_string(const char *s)
{
        for (int i = 0; i < _BL_ARGV_CAPTURE_MAX; i++)
                if (s && streq(s, argv_capture_table[i]))
                        return i;
        return _BL_ARGV_CAPTURE_INVALID;
}

static int record_event(struct bl_recorder *r, struct bl_event *ev)
{
        int r2;

        /* Before anything sees the event: neither the file nor the observer (the journal) gets what the
         * policy leaves out. */
        if (r->opts.argv_policy && (ev->type == BL_EVENT_EXEC || ev->type == BL_EVENT_SNAPSHOT))
                (void)bl_argv_policy_apply(r->opts.argv_policy, &ev->info);
        if (r->opts.observer) {
                r2 = r->opts.observer(ev, r->opts.observer_userdata);
                if (r2 < 0)
                        return r2;
        }
        if (bl_writer_pending(r->writer) == 0)
                r->block_started_ns = now_monotonic();
        r->events++;
        if (ev->type == BL_EVENT_SNAPSHOT || (ev->type == BL_EVENT_FORK && ev->pid == ev->tid))
                r->processes++;
        r2 = bl_writer_append(r->writer, ev);
        if (r2 == -ENOMEM)
                return r2;
        if (r2 < 0)
                /* Absorbed by the writer (counted as lost, recorded when space returns). */
                r->last_write_error = r2;
        if (bl_writer_pending(r->writer) == 0)
                r->block_started_ns = 0;
        return 0;
}

static int collect_event(struct bl_event *ev, void *userdata)
{
        struct bl_recorder *r = userdata;

        if (r->n_batch == r->batch_size) {
                size_t n = r->batch_size ? r->batch_size * 2 : DISPATCH_BATCH * 2;
                struct bl_event *b = reallocarray(r->batch, n, sizeof(*b));

                if (!b)
                        return -ENOMEM;
                r->batch = b;
                r->batch_size = n;
        }
        /* Kernel events own no memory yet (comm is inline): a plain copy is a move. */
        r->batch[r->n_batch++] = *ev;
        bl_event_init(ev, ev->type);
        return 0;
}

/* What became of the process of the exec at i later in this batch. */
enum exec_fate {
        EXEC_RUNNING,    /* nothing yet: /proc may still show it */
        EXEC_SUPERSEDED, /* it exec'd again: /proc already shows that later image */
        EXEC_EXITED,     /* it exited: its argv, exe and cwd are gone, at most a zombie's stat is left */
};

static enum exec_fate exec_fate(const struct bl_recorder *r, size_t i)
{
        pid_t pid = r->batch[i].pid;

        for (size_t j = i + 1; j < r->n_batch; j++) {
                const struct bl_event *ev = &r->batch[j];

                if (ev->pid != pid)
                        continue;
                if (ev->type == BL_EVENT_EXEC)
                        return EXEC_SUPERSEDED;
                /* The leader's exit (an exec leaves no other thread): /proc/PID reads argv, exe and cwd
                 * through the leader's mm, gone with it. */
                if (ev->type == BL_EVENT_EXIT && ev->tid == pid)
                        return EXEC_EXITED;
        }
        return EXEC_RUNNING;
}

/* Records of the kernel's argv capture lost since the last call, as a LOST event. */
/* A LOST record of count (none if 0), now. */
static int record_lost(struct bl_recorder *r, enum bl_lost_reason reason, uint64_t count)
{
        struct bl_event ev;

        if (count == 0)
                return 0;
        bl_event_init(&ev, BL_EVENT_LOST);
        ev.ts_ns = now_monotonic();
        ev.lost.reason = reason;
        ev.lost.count = count;
        return record_event(r, &ev);
}

static int record_execargs_lost(struct bl_recorder *r, bool final)
{
        if (!r->execargs)
                return 0;
        return record_lost(r, BL_LOST_EXEC_ARGS, bl_execargs_take_lost(r->execargs, final));
}

/*
 * Gives each exec of the batch what the kernel captured at that exec. The
 * ring is drained first: an exec's record is written before its event is
 * sent, so every exec event received has its record there by now (unless
 * the ring was full: then it is counted lost, and /proc is read).
 */
static int take_captured(struct bl_recorder *r)
{
        int r2;

        r2 = bl_execargs_drain(r->execargs);
        if (r2 < 0)
                return r2;
        for (size_t i = 0; i < r->n_batch; i++) {
                struct bl_event *ev = &r->batch[i];
                _cleanup_free_ char *path = NULL;

                if (ev->type == BL_EVENT_EXIT && ev->tid == ev->pid) {
                        bl_execargs_forget(r->execargs, ev->pid, ev->ts_ns);
                        continue;
                }
                if (ev->type != BL_EVENT_EXEC)
                        continue;
                r2 = bl_execargs_take(r->execargs, ev->pid, ev->ts_ns, &ev->info, &path);
                if (r2 < 0)
                        return r2;
                /* Until /proc/PID/exe says better: the path as given, if it names the file itself. */
                if (r2 > 0 && path && path[0] == '/') {
                        ev->info.exe = TAKE_PTR(path);
                        ev->info.exe_as_execed = true;
                }
        }
        return record_execargs_lost(r, false);
}

static int record_cost(struct bl_recorder *r, const struct bl_taskstats_record *rec, uint64_t ts_ns,
                       pid_t pid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_COST);
        ev.ts_ns = ts_ns;
        ev.pid = pid;
        ev.tid = rec->tid;
        ev.cost = rec->cost;
        r->costs++;
        return record_event(r, &ev);
}

/* A record whose exit event never came (lost, or not sent): written on its own, at the time it was read. */
static int record_unpaired_cost(const struct bl_taskstats_record *rec, void *userdata)
{
        struct bl_recorder *r = userdata;

        return record_cost(r, rec, rec->read_ns, rec->tgid > 0 ? rec->tgid : rec->tid);
}

static int record_costs_missing(struct bl_recorder *r)
{
        uint64_t n = r->costs_missing_unreported;

        r->costs_missing_unreported = 0;
        return record_lost(r, BL_LOST_COST, n);
}

/* The COST record of the task whose exit ev is, written right after it. */
static int record_exit_cost(struct bl_recorder *r, const struct bl_event *ev)
{
        struct bl_taskstats_record rec;

        if (bl_taskstats_take(r->taskstats, ev->tid, &rec) == 0) {
                /* The kernel sends it before the exit event: it never came. */
                r->costs_missing++;
                r->costs_missing_unreported++;
                return 0;
        }
        return record_cost(r, &rec, ev->ts_ns, ev->pid);
}

/*
 * Records whose exit event never came, written on their own once they are
 * BL_TASKSTATS_PENDING_AGE_NS old; looked at every half of that. The socket
 * itself is read with each batch of connector events (handle_batch()): a
 * task's record comes with its exit event, so polling it too would only wake
 * the recorder twice per exit.
 */
static int flush_unpaired_costs(struct bl_recorder *r)
{
        uint64_t now;

        if (!r->taskstats)
                return 0;
        now = now_monotonic();
        if (now < r->next_cost_flush_ns)
                return 0;
        r->next_cost_flush_ns = now + BL_TASKSTATS_PENDING_AGE_NS / 2;
        return bl_taskstats_flush(r->taskstats, now, BL_TASKSTATS_PENDING_AGE_NS, record_unpaired_cost, r);
}

/* The argv capture's loader exited before the recording began, whenever the connector tells it. */
static bool is_loader_exit(struct bl_recorder *r, const struct bl_event *ev)
{
        if (r->loader_pid <= 0 || ev->pid != r->loader_pid)
                return false;
        if (ev->type == BL_EVENT_FORK) {
                /* Its pid went to a new process: the loader's exit was reported before we listened. */
                r->loader_pid = 0;
                return false;
        }
        if (ev->type != BL_EVENT_EXIT || ev->tid != ev->pid || ev->exit.parent_pid != getpid())
                return false;
        r->loader_pid = 0;
        return true;
}

static int handle_batch(struct bl_recorder *r)
{
        int r2 = 0;

        /* Before the exits of this batch are written: their records were queued before them. */
        if (r->taskstats && r->n_batch > 0)
                r2 = bl_taskstats_drain(r->taskstats, record_unpaired_cost, r);

        if (r2 >= 0 && r->execargs && r->n_batch > 0)
                r2 = take_captured(r);

        /*
         * Enrich before writing anything, and the processes that may still run before those known to
         * have exited: each /proc read races with the process's exit, and its argv is lost at once,
         * its comm when its parent reaps it.
         */
        if (r->enricher) {
                for (size_t i = 0; i < r->n_batch && r2 >= 0; i++) {
                        struct bl_event *ev = &r->batch[i];

                        if (ev->type != BL_EVENT_EXEC)
                                continue;
                        switch (exec_fate(r, i)) {
                        case EXEC_RUNNING:
                                if (ev->info.argv_at_exec)
                                        r2 = bl_enrich_exec_captured(r->enricher, ev);
                                else
                                        r2 = bl_enrich_exec(r->enricher, ev);
                                break;
                        case EXEC_SUPERSEDED: ev->info.status = BL_INFO_SUPERSEDED; break;
                        case EXEC_EXITED: break;
                        }
                }
                for (size_t i = 0; i < r->n_batch && r2 >= 0; i++) {
                        struct bl_event *ev = &r->batch[i];

                        if (ev->type != BL_EVENT_EXEC || exec_fate(r, i) != EXEC_EXITED)
                                continue;
                        /* What a zombie's stat would say, the capture said already, and exactly. */
                        if (ev->info.argv_at_exec)
                                ev->info.status = BL_INFO_EXITED;
                        else
                                r2 = bl_enrich_exec_exited(r->enricher, ev);
                }
        }

        for (size_t i = 0; i < r->n_batch; i++) {
                struct bl_event *ev = &r->batch[i];

                if (r2 >= 0 && ev->type == BL_EVENT_EXEC) {
                        r->execs++;
                        if (ev->info.argv)
                                r->execs_with_argv++;
                        if (ev->info.argv_at_exec)
                                r->execs_argv_at_exec++;
                }
                if (r2 >= 0 && is_loader_exit(r, ev)) {
                        /* Not a process of the recording: its start was before it. */
                        if (r->taskstats)
                                (void)bl_taskstats_take(r->taskstats, ev->tid,
                                                        &(struct bl_taskstats_record){});
                        bl_event_done(ev);
                        continue;
                }
                if (r2 >= 0)
                        r2 = record_event(r, ev);
                if (r2 >= 0 && r->taskstats && ev->type == BL_EVENT_EXIT)
                        r2 = record_exit_cost(r, ev);
                bl_event_done(ev);
        }
        r->n_batch = 0;
        if (r2 >= 0 && r->taskstats)
                r2 = record_costs_missing(r);
        if (r2 >= 0)
                r2 = flush_unpaired_costs(r);
        return r2;
}

/*
 * Datagrams read per handle_batch(): one recvmmsg() worth. Under a backlog, the
 * first execs of a DISPATCH_BATCH are read from /proc after 64 events were
 * decoded rather than 256, while they more likely still run; the look-ahead
 * for exec_fate() stays as long as one recvmmsg() brings.
 */
#define ENRICH_BATCH 64

/* Reads up to max datagrams (0: all pending), enriching and writing their events every ENRICH_BATCH.
 * Returns datagrams read or -errno. */
static int dispatch(struct bl_recorder *r, size_t max)
{
        size_t done = 0, want;
        int n, r2;

        for (;;) {
                want = max == 0 ? ENRICH_BATCH : MIN((size_t)ENRICH_BATCH, max - done);
                n = bl_source_dispatch(r->source, want, collect_event, r);
                r2 = handle_batch(r);
                if (n < 0)
                        return n;
                if (r2 < 0)
                        return r2;
                done += (size_t)n;
                if ((size_t)n < want || (max > 0 && done >= max))
                        return (int)MIN(done, (size_t)INT32_MAX);
        }
}

static int on_snapshot_event(struct bl_event *ev, void *userdata)
{
        return record_event(userdata, ev);
}

int bl_recorder_new(const struct bl_recorder_options *opts, struct bl_recorder **ret)
{
        struct bl_writer_options wo = {
                .block_size = opts->block_size,
                .compression_level = opts->compression_level,
                .sync = opts->sync,
        };
        struct bl_source_options so = { .rcvbuf = opts->rcvbuf };
        struct bl_file_info info;
        struct bl_event start;
        struct bl_recorder *r;
        int fd = opts->output_fd;
        int r2;

        r = calloc(1, sizeof(*r));
        if (!r) {
                safe_close(fd);
                return -ENOMEM;
        }
        r->opts = *opts;
        r->size_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (r->opts.flush_interval_ns == 0)
                r->opts.flush_interval_ns = DEFAULT_FLUSH_INTERVAL_NS;

        /* Before subscribing: every exec event received then has its record (unless the ring overflows). */
        if (!opts->no_enrich && opts->argv_capture == BL_ARGV_CAPTURE_AUTO) {
                r2 =
                    bl_execargs_new(opts->exec_ring_size, &r->loader_pid, &r->execargs, &r->execargs_reason);
                if (r2 == -ENOMEM) {
                        safe_close(fd);
                        goto fail;
                }
                if (r2 < 0 && !r->execargs_reason) {
                        r->execargs_reason = strdup("unknown error");
                        if (!r->execargs_reason) {
                                safe_close(fd);
                                r2 = -ENOMEM;
                                goto fail;
                        }
                }
        }

        /* Also before subscribing: every exit event received then has its record queued before it. */
        if (!opts->no_cost) {
                r2 = bl_taskstats_new(0, &r->taskstats, &r->taskstats_reason);
                if (r2 == -ENOMEM) {
                        safe_close(fd);
                        goto fail;
                }
                if (r2 < 0 && !r->taskstats_reason) {
                        r->taskstats_reason = strdup("unknown error");
                        if (!r->taskstats_reason) {
                                safe_close(fd);
                                r2 = -ENOMEM;
                                goto fail;
                        }
                }
        }

        /* Subscribe before anything else: from here on, no process event is missed. */
        r2 = bl_source_new(&so, &r->source);
        if (r2 < 0) {
                safe_close(fd);
                goto fail;
        }

        if (!opts->no_enrich || !opts->no_snapshot) {
                struct bl_enrich_options eo = {
                        .proc_fd = -1,
                        .argv_max = opts->argv_max,
                        .read_unit = true,
                };
                r2 = bl_enricher_new(&eo, &r->enricher);
                if (r2 < 0) {
                        safe_close(fd);
                        goto fail;
                }
        }

        r2 = bl_file_info_from_system(&info);
        if (r2 < 0) {
                safe_close(fd);
                goto fail;
        }
        if (r->execargs)
                info.compatible_flags |= BL_HEADER_COMPAT_ARGV_AT_EXEC;
        if (r->taskstats)
                info.compatible_flags |= BL_HEADER_COMPAT_COST;
        r2 = bl_writer_new(fd, &info, &wo, &r->writer);
        if (r2 < 0)
                goto fail;

        bl_event_init(&start, BL_EVENT_START);
        start.ts_ns = now_monotonic();
        start.pid = start.tid = getpid();
        start.start.recorder_pid = getpid();
        r2 = record_event(r, &start);
        if (r2 < 0)
                goto fail;

        if (!opts->no_snapshot) {
                r2 = bl_enrich_snapshot(r->enricher, on_snapshot_event, r);
                if (r2 < 0)
                        goto fail;
        }
        if (opts->no_enrich)
                r->enricher = bl_enricher_free(r->enricher);

        *ret = r;
        return 0;
fail:
        bl_recorder_free(r);
        return r2;
}

int bl_recorder_get_fd(const struct bl_recorder *r)
{
        return bl_source_get_fd(r->source);
}

int bl_recorder_process(struct bl_recorder *r)
{
        for (;;) {
                int n = dispatch(r, DISPATCH_BATCH);
                if (n < 0)
                        return n;
                if (n < DISPATCH_BATCH)
                        return 0;
                /* A storm: keep draining, but never hold a block past its flush interval. */
                n = bl_recorder_flush_if_due(r);
                if (n == -ENOMEM)
                        return n;
        }
}

uint64_t bl_recorder_next_flush(const struct bl_recorder *r)
{
        if (r->block_started_ns == 0)
                return UINT64_MAX;
        return r->block_started_ns + r->opts.flush_interval_ns;
}

int bl_recorder_flush_if_due(struct bl_recorder *r)
{
        int r2;

        if (r->block_started_ns == 0 || now_monotonic() < bl_recorder_next_flush(r))
                return 0;
        r2 = bl_writer_flush(r->writer);
        r->block_started_ns = 0;
        if (r2 < 0 && r2 != -ENOMEM) {
                r->last_write_error = r2;
                return 0;
        }
        return r2;
}

void bl_recorder_get_stats(const struct bl_recorder *r, struct bl_recorder_stats *ret)
{
        struct bl_source_stats ss = {};
        struct bl_writer_stats ws = {};

        if (r->source)
                bl_source_get_stats(r->source, &ss);
        if (r->writer)
                bl_writer_get_stats(r->writer, &ws);
        *ret = (struct bl_recorder_stats){
                .events = r->events,
                .lost = ss.lost + ws.lost,
                .overflows = ss.overflows,
                .execs = r->execs,
                .execs_with_argv = r->execs_with_argv,
                .execs_argv_at_exec = r->execs_argv_at_exec,
                .processes = r->processes,
                .costs = r->costs,
                .costs_missing = r->costs_missing,
                .bytes = ws.bytes,
                .last_write_error = r->last_write_error,
        };
}

bool bl_recorder_argv_at_exec(const struct bl_recorder *r, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = r->execargs ? NULL : r->execargs_reason;
        return r->execargs != NULL;
}

bool bl_recorder_cost(const struct bl_recorder *r, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = r->taskstats ? NULL : r->taskstats_reason;
        return r->taskstats != NULL;
}

void bl_recorder_set_stop_reason(struct bl_recorder *r, enum bl_stop_reason reason)
{
        bl_writer_set_stop_reason(r->writer, reason);
}

int bl_recorder_relocate(struct bl_recorder *r, int fd)
{
        int copy, r2;

        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        r2 = bl_writer_relocate(r->writer, fd);
        if (r2 < 0) {
                safe_close(copy);
                return r2;
        }
        r->block_started_ns = 0;
        /* The size reported at the end is now the new file's. */
        safe_close(r->size_fd);
        r->size_fd = copy;
        return 0;
}

static void detach_event(struct bl_recorder *r)
{
        r->io_source = bl_loop_source_free(r->io_source);
        r->flush_source = bl_loop_source_free(r->flush_source);
}

int bl_recorder_finish(struct bl_recorder *r, struct bl_recorder_stats *ret_stats)
{
        struct stat st;
        int r2, r3;

        detach_event(r);
        /* Whatever the kernel queued before we stop belongs to the recording. */
        do
                r2 = dispatch(r, DISPATCH_BATCH);
        while (r2 > 0);
        r->source = bl_source_free(r->source);
        if (r->taskstats) {
                struct bl_taskstats_stats ts;

                /* Records of exits not received: the exits are not in the file, the costs are. */
                if (r2 >= 0)
                        r2 = bl_taskstats_drain(r->taskstats, record_unpaired_cost, r);
                if (r2 >= 0)
                        r2 = bl_taskstats_flush(r->taskstats, 0, 0, record_unpaired_cost, r);
                if (r2 >= 0)
                        r2 = record_costs_missing(r);
                bl_taskstats_get_stats(r->taskstats, &ts);
                log_debug("Taskstats: %" PRIu64 " records read, %" PRIu64 " written, %" PRIu64
                          " exits without one, %" PRIu64 " overflows, %" PRIu64 " malformed, %" PRIu64
                          " foreign; at most %zu waited for their exit.",
                          ts.records, r->costs, r->costs_missing, ts.overflows, ts.malformed, ts.foreign,
                          ts.max_pending);
                r->taskstats = bl_taskstats_free(r->taskstats);
        }
        if (r2 >= 0)
                r2 = record_execargs_lost(r, true);
        if (r->execargs) {
                struct bl_execargs_stats xs;

                bl_execargs_get_stats(r->execargs, &xs);
                log_debug("Exec records: %" PRIu64 " read, %" PRIu64 " paired, %" PRIu64
                          " lost; the ring held at most %zu of its %zu bytes.",
                          xs.records, xs.matched, xs.lost, xs.max_backlog, xs.ring_size);
        }
        r->execargs = bl_execargs_free(r->execargs);

        if (ret_stats)
                bl_recorder_get_stats(r, ret_stats);
        r3 = bl_writer_close(r->writer);
        r->writer = NULL;
        /* The END record and the last block count too. */
        if (ret_stats && r->size_fd >= 0 && fstat(r->size_fd, &st) >= 0)
                ret_stats->bytes = st.st_size;
        bl_recorder_free(r);
        if (r2 < 0)
                return r2;
        return r3;
}

static int rearm_flush(struct bl_recorder *r)
{
        /* UINT64_MAX (nothing pending) turns it off. */
        return bl_loop_source_arm(r->flush_source, bl_recorder_next_flush(r));
}

static int on_readable(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct bl_recorder *r = userdata;
        int r2;

        r2 = bl_recorder_process(r);
        if (r2 < 0) {
                log_debug_errno(r2, "Failed to read process events: %m");
                bl_loop_exit(bl_loop_source_get_loop(s), r2);
                return 0;
        }
        return rearm_flush(r);
}

static int on_flush_time(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct bl_recorder *r = userdata;

        (void)bl_recorder_flush_if_due(r);
        return rearm_flush(r);
}

int bl_recorder_attach_event(struct bl_recorder *r, struct bl_loop *l)
{
        int r2;

        r2 = bl_loop_add_io(l, &r->io_source, bl_recorder_get_fd(r), EPOLLIN, on_readable, r);
        if (r2 < 0)
                return r2;
        r2 = bl_loop_add_time(l, &r->flush_source, UINT64_MAX, on_flush_time, r);
        if (r2 < 0)
                return r2;
        return rearm_flush(r);
}

int bl_output_create_at(int dfd, const char *name, bool replace)
{
        const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        int fd;

        fd = openat(dfd, name, flags, 0640);
        if (fd < 0 && errno == EEXIST && replace) {
                struct stat st;

                /* A recording in progress is locked by its recorder: never pull it from under it. */
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
                        int old =
                            openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

                        if (old >= 0) {
                                bool busy = flock(old, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;

                                close(old);
                                if (busy)
                                        return -EBUSY;
                        }
                }
                if (unlinkat(dfd, name, 0) < 0)
                        return negative_errno();
                fd = openat(dfd, name, flags, 0640);
        }
        if (fd < 0)
                return negative_errno();
        /* Held while recording: readers, `bootlog boots` and another recorder's --force see it. */
        (void)flock(fd, LOCK_EX | LOCK_NB);
        return fd;
}

int bl_output_create(const char *path, bool replace)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        const char *slash = strrchr(path, '/');

        if (!slash)
                return bl_output_create_at(AT_FDCWD, path, replace);
        if (slash[1] == 0)
                return -EISDIR;
        dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
        if (!dir)
                return -ENOMEM;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        return bl_output_create_at(dfd, slash + 1, replace);
}

struct bl_recorder *bl_recorder_free(struct bl_recorder *r)
{
        if (!r)
                return NULL;
        detach_event(r);
        bl_source_free(r->source);
        bl_enricher_free(r->enricher);
        bl_execargs_free(r->execargs);
        free(r->execargs_reason);
        bl_taskstats_free(r->taskstats);
        free(r->taskstats_reason);
        bl_writer_free(r->writer);
        safe_close(r->size_fd);
        for (size_t i = 0; i < r->n_batch; i++)
                bl_event_done(&r->batch[i]);
        free(r->batch);
        free(r);
        return NULL;
}
