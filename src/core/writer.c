/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appending events to a journal file, block by block; see writer.h and
 * journal-format.md.
 */
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>
#include <zstd.h>

#include "crc32c.h"
#include "format-def.h"
#include "log.h"
#include "varint.h"
#include "writer.h"

#define DEFAULT_BLOCK_SIZE        (64 * 1024)
#define DEFAULT_COMPRESSION_LEVEL 3
/* Room kept in every block for the LOST records that may have to open it. */
#define LOST_RECORDS_RESERVE 512
/* Varints in a record besides its strings' bytes (common, type and info fields, lengths), with slack. */
#define RECORD_VARINTS 24

struct bl_writer {
        int fd;
        bool seekable; /* false for pipes: plain write(2), nothing can be cut back */
        struct bl_writer_options opts;
        ZSTD_CCtx *cctx;

        uint64_t offset; /* end of the last block written: where the next one goes */
        uint64_t seq;    /* blocks in the file */

        /* The block being filled: encoded records, and the delta state they were encoded against. */
        uint8_t *buf;
        size_t len, alloc;
        uint32_t block_records;  /* records in buf, the writer's own LOST records included */
        uint64_t block_events;   /* records in buf that came from bl_writer_append() */
        uint64_t block_lost_sum; /* sum of lost.count of the LOST records in buf */
        uint64_t first_ts, last_ts;
        uint64_t prev_ts;
        int64_t prev_pid;

        /* Block header and stored payload, reused for every block. */
        uint8_t *out;
        size_t out_alloc;

        /* Events of dropped blocks not yet reported by a LOST record that reached the file. */
        uint64_t pending_lost[_BL_LOST_REASON_MAX];
        uint64_t pending_lost_ts;
        uint64_t block_lost_included[_BL_LOST_REASON_MAX]; /* the part of it the open block reports */

        uint64_t records_in_file;        /* records in blocks written (for END) */
        uint64_t lost_in_file;           /* sum of LOST counts in blocks written (for END) */
        enum bl_stop_reason stop_reason; /* for END */
        struct bl_writer_stats stats;
};

/* Loops only on short writes (which then end in the real error, e.g. ENOSPC) and EINTR. */
static int write_at(struct bl_writer *w, const uint8_t *p, size_t n, uint64_t offset)
{
        while (n > 0) {
                ssize_t k;

                if (w->seekable)
                        k = pwrite(w->fd, p, n, (off_t)offset);
                else
                        k = write(w->fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t)k;
                offset += (uint64_t)k;
        }
        return 0;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
        return p + bl_varint_encode(p, v);
}

static uint8_t *put_zigzag(uint8_t *p, int64_t v)
{
        return put_varint(p, bl_zigzag_encode(v));
}

static uint8_t *put_string(uint8_t *p, const char *s, size_t n)
{
        p = put_varint(p, n);
        memcpy(p, s, n);
        return p + n;
}

static bool has_info(enum bl_event_type t)
{
        return t == BL_EVENT_EXEC || t == BL_EVENT_SNAPSHOT;
}

static size_t strlen_ptr(const char *s)
{
        return s ? strlen(s) : 0;
}

/* An upper bound of the encoded size of ev. */
static size_t record_bound(const struct bl_event *ev)
{
        size_t n = 1 + RECORD_VARINTS * BL_VARINT_MAX + BL_UNKNOWN_DATA_MAX + BL_COMM_MAX;

        if (has_info(ev->type)) {
                STRV_FOREACH (a, ev->info.argv)
                        n += BL_VARINT_MAX + strlen(*a);
                n += strlen_ptr(ev->info.exe) + strlen_ptr(ev->info.cwd) + strlen_ptr(ev->info.unit);
        }
        return n;
}

static uint8_t *put_info(uint8_t *p, const struct bl_event *ev)
{
        const struct bl_proc_info *info = &ev->info;
        unsigned flags = 0;

        flags |= info->argv ? BL_INFO_HAS_ARGV : 0;
        flags |= info->argv_truncated ? BL_INFO_ARGV_TRUNCATED : 0;
        flags |= info->exe ? BL_INFO_HAS_EXE : 0;
        flags |= info->cwd ? BL_INFO_HAS_CWD : 0;
        flags |= info->unit ? BL_INFO_HAS_UNIT : 0;
        flags |= info->argv_withheld && !info->argv ? BL_INFO_ARGV_WITHHELD : 0;
        flags |= info->argv_at_exec && info->argv ? BL_INFO_ARGV_AT_EXEC : 0;
        flags |= info->exe_as_execed && info->exe ? BL_INFO_EXE_AS_EXECED : 0;

        p = put_varint(p, (uint32_t)info->status);
        p = put_zigzag(p, info->error);
        p = put_zigzag(p, (int64_t)(info->start_ns - ev->ts_ns));
        p = put_zigzag(p, (int64_t)info->ppid - ev->pid);
        /* +1 so that UINT32_MAX, "unknown", takes one byte. */
        p = put_varint(p, (uint32_t)(info->uid + 1));
        p = put_varint(p, (uint32_t)(info->gid + 1));
        p = put_varint(p, flags);
        if (info->argv) {
                p = put_varint(p, strv_length(info->argv));
                STRV_FOREACH (a, info->argv)
                        p = put_string(p, *a, strlen(*a));
        }
        if (info->exe)
                p = put_string(p, info->exe, strlen(info->exe));
        if (info->cwd)
                p = put_string(p, info->cwd, strlen(info->cwd));
        if (info->unit)
                p = put_string(p, info->unit, strlen(info->unit));
        return put_string(p, info->comm, strnlen(info->comm, BL_COMM_MAX - 1));
}

/* Encodes ev at the end of the block; the caller reserved record_bound(ev) bytes. */
static void encode_record(struct bl_writer *w, const struct bl_event *ev)
{
        uint8_t *rec = w->buf + w->len;
        /* The body goes after the longest possible length prefix and moves down once its size is known. */
        uint8_t *body = rec + 1 + BL_VARINT_MAX;
        uint8_t *p = body;
        size_t k, body_len;

        /* Common fields, in every record of every type (see journal-format.md). */
        p = put_zigzag(p, (int64_t)(ev->ts_ns - w->prev_ts));
        p = put_varint(p, ev->cpu);
        p = put_zigzag(p, (int64_t)ev->pid - w->prev_pid);
        p = put_zigzag(p, (int64_t)ev->tid - ev->pid);

        switch (ev->type) {
        case BL_EVENT_FORK:
                p = put_zigzag(p, (int64_t)ev->fork.parent_pid - ev->pid);
                p = put_zigzag(p, (int64_t)ev->fork.parent_tid - ev->fork.parent_pid);
                break;
        case BL_EVENT_COREDUMP:
                p = put_zigzag(p, (int64_t)ev->coredump.parent_pid - ev->pid);
                p = put_zigzag(p, (int64_t)ev->coredump.parent_tid - ev->coredump.parent_pid);
                break;
        case BL_EVENT_PTRACE:
                p = put_zigzag(p, (int64_t)ev->ptrace.tracer_pid - ev->pid);
                p = put_zigzag(p, (int64_t)ev->ptrace.tracer_tid - ev->ptrace.tracer_pid);
                break;
        case BL_EVENT_EXIT:
                p = put_varint(p, ev->exit.code);
                p = put_varint(p, ev->exit.exit_signal);
                p = put_zigzag(p, (int64_t)ev->exit.parent_pid - ev->pid);
                p = put_zigzag(p, (int64_t)ev->exit.parent_tid - ev->exit.parent_pid);
                break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                p = put_varint(p, ev->id.real);
                p = put_varint(p, ev->id.effective);
                break;
        case BL_EVENT_SID: break;
        case BL_EVENT_COMM: p = put_string(p, ev->info.comm, strnlen(ev->info.comm, BL_COMM_MAX - 1)); break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: p = put_info(p, ev); break;
        case BL_EVENT_LOST:
                p = put_varint(p, (uint32_t)ev->lost.reason);
                p = put_varint(p, ev->lost.count);
                p = put_varint(p, ev->lost.cpu);
                break;
        case BL_EVENT_UNKNOWN: {
                uint32_t n = MIN(ev->unknown.len, (uint32_t)BL_UNKNOWN_DATA_MAX);

                p = put_varint(p, ev->unknown.what);
                p = put_varint(p, n);
                memcpy(p, ev->unknown.data, n);
                p += n;
                break;
        }
        case BL_EVENT_START:
                p = put_zigzag(p, (int64_t)ev->start.recorder_pid - ev->pid);
                p = put_varint(p, ev->start.flags);
                break;
        case BL_EVENT_END:
                p = put_varint(p, ev->end.events);
                p = put_varint(p, ev->end.lost);
                p = put_varint(p, (uint64_t)ev->end.reason);
                break;
        case BL_EVENT_COST: {
                const struct bl_cost *c = &ev->cost;

                p = put_varint(p, c->flags);
                p = put_varint(p, c->exit_code);
                p = put_varint(p, c->elapsed_us);
                p = put_varint(p, c->utime_us);
                p = put_varint(p, c->stime_us);
                p = put_varint(p, c->read_bytes);
                p = put_varint(p, c->write_bytes);
                p = put_varint(p, c->cancelled_write_bytes);
                p = put_varint(p, c->read_chars);
                p = put_varint(p, c->write_chars);
                p = put_varint(p, c->nvcsw);
                p = put_varint(p, c->nivcsw);
                p = put_varint(p, c->minflt);
                p = put_varint(p, c->majflt);
                p = put_varint(p, c->hiwater_rss_kb);
                p = put_varint(p, c->cpu_delay_ns);
                p = put_varint(p, c->blkio_delay_ns);
                p = put_varint(p, c->swapin_delay_ns);
                p = put_varint(p, c->cpu_ns);
                break;
        }
        default: break;
        }

        body_len = (size_t)(p - body);
        rec[0] = (uint8_t)ev->type;
        k = bl_varint_encode(rec + 1, body_len);
        memmove(rec + 1 + k, body, body_len);
        w->len += 1 + k + body_len;

        if (w->block_records == 0)
                w->first_ts = ev->ts_ns;
        w->last_ts = ev->ts_ns;
        w->prev_ts = ev->ts_ns;
        w->prev_pid = ev->pid;
        w->block_records++;
        if (ev->type == BL_EVENT_LOST)
                w->block_lost_sum += ev->lost.count;
}

static int encode_checked(struct bl_writer *w, const struct bl_event *ev)
{
        int r;

        r = grow_buffer(&w->buf, &w->alloc, w->len + record_bound(ev));
        if (r < 0)
                return r;
        encode_record(w, ev);
        return 0;
}

static bool lost_pending(const struct bl_writer *w)
{
        for (size_t i = 0; i < ELEMENTSOF(w->pending_lost); i++)
                if (w->pending_lost[i] > 0)
                        return true;
        return false;
}

/* A new block opens with LOST records for what earlier, dropped blocks held. */
static int block_begin(struct bl_writer *w)
{
        int r;

        if (w->block_records > 0)
                return 0;
        for (int reason = 1; reason < _BL_LOST_REASON_MAX; reason++) {
                struct bl_event ev;

                if (w->pending_lost[reason] == 0)
                        continue;
                bl_event_init(&ev, BL_EVENT_LOST);
                ev.ts_ns = w->pending_lost_ts;
                ev.lost.reason = reason;
                ev.lost.count = w->pending_lost[reason];
                r = encode_checked(w, &ev);
                if (r < 0)
                        return r;
                w->block_lost_included[reason] = ev.lost.count;
        }
        return 0;
}

static void block_reset(struct bl_writer *w)
{
        w->len = 0;
        w->block_records = 0;
        w->block_events = 0;
        w->block_lost_sum = 0;
        memset(w->block_lost_included, 0, sizeof(w->block_lost_included));
        w->first_ts = w->last_ts = 0;
        w->prev_ts = 0;
        w->prev_pid = 0;
}

static void note_lost(struct bl_writer *w, enum bl_lost_reason reason, uint64_t count, uint64_t ts)
{
        if (!lost_pending(w))
                w->pending_lost_ts = ts;
        w->pending_lost[reason] += count;
        w->stats.lost += count;
}

/* The block could not be written: cut the file back to its last good block and account for the loss. */
static void block_failed(struct bl_writer *w, int error)
{
        enum bl_lost_reason reason =
            error == -ENOSPC || error == -EDQUOT ? BL_LOST_DISK_FULL : BL_LOST_WRITE_ERROR;

        w->stats.write_errors++;
        w->stats.last_error = error;
        note_lost(w, reason, w->block_events, w->first_ts);
        /* If this fails, the next block overwrites the torn one anyway; readers resync past any rest. */
        if (w->seekable && ftruncate(w->fd, (off_t)w->offset) < 0)
                (void)log_debug_errno(errno, "Failed to cut the journal back to %" PRIu64 ", ignoring: %m",
                                      w->offset);
        (void)log_debug_errno(error, "Failed to write a block of %" PRIu64 " events, counted as lost: %m",
                              w->block_events);
}

/*
 * A compression context sized for our blocks. zstd's own parameters for
 * level 3 and inputs up to 128 KiB (hash table 2^16 and chain table 2^15
 * entries, a 64 KiB window) make a 650 KiB context, most of the recorder's
 * memory. A window of half a block, with tables four and eight times smaller
 * than the window, makes a 64 KiB block's context about 200 KiB; on storm and
 * boot recordings the output stays within 1% of the defaults' (smaller on
 * some). Smaller blocks (a boot's 1-second flushes) shrink the tables further
 * by themselves: zstd fits them to each input's size.
 */
static int new_cctx(const struct bl_writer_options *opts, ZSTD_CCtx **ret)
{
        ZSTD_CCtx *cctx;
        int window_log = 10; /* zstd's smallest */

        while (window_log < 26 && (size_t)1 << (window_log + 1) < opts->block_size)
                window_log++;
        cctx = ZSTD_createCCtx();
        if (!cctx)
                return -ENOMEM;
        if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, opts->compression_level)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, MIN(window_log - 2, 16))) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog, MIN(window_log - 3, 15)))) {
                ZSTD_freeCCtx(cctx);
                return -EINVAL;
        }
        *ret = cctx;
        return 0;
}

static int write_block(struct bl_writer *w)
{
        struct bl_block_header h = {};
        size_t cap = ZSTD_compressBound(w->len);
        size_t stored;
        uint32_t flags;
        int r;

        r = grow_buffer(&w->out, &w->out_alloc, sizeof(h) + MAX(cap, w->len));
        if (r < 0)
                return r;

        /* The parameters set in new_cctx() hold: compress2 keeps them (compressCCtx would reset them). */
        stored = ZSTD_compress2(w->cctx, w->out + sizeof(h), cap, w->buf, w->len);
        if (!ZSTD_isError(stored) && stored < w->len)
                flags = BL_BLOCK_COMPRESSION_ZSTD;
        else {
                /* Incompressible (or zstd failed): store as is, the reader handles both. */
                memcpy(w->out + sizeof(h), w->buf, w->len);
                stored = w->len;
                flags = BL_BLOCK_COMPRESSION_NONE;
        }

        memcpy(h.magic, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
        h.seq = htole64(w->seq);
        h.first_ts_ns = htole64(w->first_ts);
        h.last_ts_ns = htole64(w->last_ts);
        h.flags = htole32(flags);
        h.stored_size = htole32((uint32_t)stored);
        h.uncompressed_size = htole32((uint32_t)w->len);
        h.n_events = htole32(w->block_records);
        h.payload_crc = htole32(bl_crc32c(0, w->out + sizeof(h), stored));
        h.header_crc = htole32(bl_crc32c(0, &h, offsetof(struct bl_block_header, header_crc)));
        memcpy(w->out, &h, sizeof(h));

        r = write_at(w, w->out, sizeof(h) + stored, w->offset);
        if (r < 0) {
                block_failed(w, r);
                block_reset(w);
                return r;
        }

        w->offset += sizeof(h) + stored;
        w->seq++;
        w->stats.blocks++;
        w->stats.bytes = w->offset;
        w->stats.events_written += w->block_events;
        w->records_in_file += w->block_records;
        w->lost_in_file += w->block_lost_sum;
        for (size_t i = 0; i < ELEMENTSOF(w->pending_lost); i++)
                w->pending_lost[i] -= w->block_lost_included[i];
        block_reset(w);

        if (w->opts.sync && fdatasync(w->fd) < 0 && errno != EINVAL && errno != EROFS) {
                /* The block is in the page cache and may yet reach the disk: keep it, report the error. */
                r = negative_errno();
                w->stats.write_errors++;
                w->stats.last_error = r;
                return r;
        }
        return 0;
}

/* Writes the block if it holds anything, or if dropped blocks still wait for their LOST record. */
static int flush_block(struct bl_writer *w)
{
        int r;

        if (w->block_records == 0) {
                if (!lost_pending(w))
                        return 0;
                r = block_begin(w);
                if (r < 0)
                        return r;
        }
        return write_block(w);
}

static int append_record(struct bl_writer *w, const struct bl_event *ev, bool from_caller)
{
        size_t bound = record_bound(ev);
        int r = 0, r2;

        if (bound > BL_BLOCK_PAYLOAD_MAX - LOST_RECORDS_RESERVE) {
                /* No reader would take a block this big: the event is lost, and says so. */
                if (from_caller) {
                        w->stats.events++;
                        note_lost(w, BL_LOST_WRITE_ERROR, 1, ev->ts_ns);
                }
                return -E2BIG;
        }
        if (w->len > 0 && w->len + bound + LOST_RECORDS_RESERVE > BL_BLOCK_PAYLOAD_MAX) {
                r = flush_block(w);
                if (r == -ENOMEM)
                        return r;
        }

        r2 = block_begin(w);
        if (r2 < 0)
                return r2;
        r2 = encode_checked(w, ev);
        if (r2 < 0)
                return r2;
        if (from_caller) {
                w->stats.events++;
                w->block_events++;
        }

        if (w->len >= w->opts.block_size) {
                r2 = flush_block(w);
                if (r2 < 0 && (r == 0 || r2 == -ENOMEM))
                        r = r2;
        }
        return r;
}

int bl_writer_append(struct bl_writer *w, const struct bl_event *ev)
{
        if (ev->type <= 0 || ev->type >= _BL_EVENT_TYPE_MAX)
                return -EINVAL;
        return append_record(w, ev, true);
}

int bl_writer_flush(struct bl_writer *w)
{
        return flush_block(w);
}

size_t bl_writer_pending(const struct bl_writer *w)
{
        return w->len;
}

void bl_writer_get_stats(const struct bl_writer *w, struct bl_writer_stats *ret)
{
        *ret = w->stats;
}

static int write_file_header(struct bl_writer *w, const struct bl_file_info *info)
{
        struct bl_file_header h = {};
        int r;

        memcpy(h.magic, BL_FILE_MAGIC, BL_FILE_MAGIC_SIZE);
        h.header_size = htole32(sizeof(h));
        h.version = htole32(BL_FORMAT_VERSION);
        h.compatible_flags = htole64(info->compatible_flags & BL_HEADER_COMPAT_SUPPORTED);
        h.incompatible_flags = htole64(BL_HEADER_INCOMPAT_COMPRESSED_ZSTD);
        memcpy(h.boot_id, info->boot_id, BL_ID128_SIZE);
        memcpy(h.machine_id, info->machine_id, BL_ID128_SIZE);
        h.ref_monotonic_ns = htole64(info->ref_monotonic_ns);
        h.ref_realtime_ns = htole64(info->ref_realtime_ns);
        h.ref_boottime_ns = htole64(info->ref_boottime_ns);
        h.clk_tck = htole32(info->clk_tck);
        h.recorder_pid = htole32(info->recorder_pid);
        /* h is zeroed: the strings end NUL-padded, with no stale bytes on disk. */
        memcpy(h.kernel_release, info->kernel_release,
               strnlen(info->kernel_release, sizeof(h.kernel_release) - 1));
        memcpy(h.hostname, info->hostname, strnlen(info->hostname, sizeof(h.hostname) - 1));
        h.header_crc = htole32(bl_crc32c(0, &h, offsetof(struct bl_file_header, header_crc)));

        r = write_at(w, (const uint8_t *)&h, sizeof(h), 0);
        if (r == -ESPIPE) {
                w->seekable = false;
                r = write_at(w, (const uint8_t *)&h, sizeof(h), 0);
        }
        if (r < 0)
                return r;
        w->offset = sizeof(h);
        w->stats.bytes = w->offset;
        return 0;
}

int bl_writer_new(int fd, const struct bl_file_info *info, const struct bl_writer_options *opts,
                  struct bl_writer **ret)
{
        struct bl_writer *w;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0) {
                r = negative_errno();
                safe_close(fd);
                return r;
        }
        if (S_ISREG(st.st_mode) && st.st_size > 0) {
                safe_close(fd);
                return -EEXIST;
        }

        w = calloc(1, sizeof(*w));
        if (!w) {
                safe_close(fd);
                return -ENOMEM;
        }
        w->fd = fd;
        w->seekable = true;
        if (opts)
                w->opts = *opts;
        if (w->opts.block_size == 0)
                w->opts.block_size = DEFAULT_BLOCK_SIZE;
        w->opts.block_size = MIN(w->opts.block_size, (size_t)BL_BLOCK_PAYLOAD_MAX - LOST_RECORDS_RESERVE);
        if (w->opts.compression_level == 0)
                w->opts.compression_level = DEFAULT_COMPRESSION_LEVEL;

        r = new_cctx(&w->opts, &w->cctx);
        if (r < 0) {
                bl_writer_free(w);
                return r;
        }

        r = write_file_header(w, info);
        if (r < 0) {
                bl_writer_free(w);
                return r;
        }

        *ret = w;
        return 0;
}

static int sync_fd(int fd)
{
        /* Pipes and the like cannot be synced, and need not be. */
        if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
                return negative_errno();
        return 0;
}

void bl_writer_set_stop_reason(struct bl_writer *w, enum bl_stop_reason reason)
{
        w->stop_reason = reason;
}

int bl_writer_relocate(struct bl_writer *w, int fd)
{
        uint64_t off = 0;
        int r;

        if (!w->seekable) {
                safe_close(fd);
                return -ESPIPE;
        }
        /* Only whole blocks move: write the pending one first, so the copy is the recording so far. */
        r = flush_block(w);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        while (off < w->offset) {
                loff_t in = (loff_t)off;
                ssize_t n = copy_file_range(w->fd, &in, fd, NULL, (size_t)MIN(w->offset - off, 1U << 30), 0);

                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
                        /* Older kernels do not copy across file systems (tmpfs to ext4): copy by hand. */
                        uint8_t buf[65536];

                        n = pread(w->fd, buf, (size_t)MIN(w->offset - off, sizeof(buf)), (off_t)off);
                        if (n > 0 && write(fd, buf, (size_t)n) != n)
                                n = -1;
                }
                if (n <= 0) {
                        r = n < 0 ? negative_errno() : -EIO;
                        safe_close(fd);
                        return r;
                }
                off += (uint64_t)n;
        }
        if (fdatasync(fd) < 0 && errno != EINVAL) {
                r = negative_errno();
                safe_close(fd);
                return r;
        }
        safe_close(w->fd);
        w->fd = fd;
        return 0;
}

int bl_writer_close(struct bl_writer *w)
{
        struct bl_event end;
        struct timespec ts;
        int r, r2;

        if (!w)
                return 0;

        /* The LOST records for dropped blocks go first, so END's totals include them. */
        r = block_begin(w);
        if (r < 0)
                goto finish;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        bl_event_init(&end, BL_EVENT_END);
        end.ts_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
        end.pid = end.tid = getpid();
        end.end.events = w->records_in_file + w->block_records;
        end.end.lost = w->lost_in_file + w->block_lost_sum;
        end.end.reason = w->stop_reason;
        r = append_record(w, &end, false);
        r2 = flush_block(w);
        if (r2 < 0)
                r = r2;
        r2 = sync_fd(w->fd);
        if (r2 < 0 && r == 0)
                r = r2;
finish:
        w->len = 0; /* nothing left for free() to flush */
        w->block_records = 0;
        memset(w->pending_lost, 0, sizeof(w->pending_lost));
        bl_writer_free(w);
        return r;
}

struct bl_writer *bl_writer_free(struct bl_writer *w)
{
        if (!w)
                return NULL;
        if (w->fd >= 0 && w->cctx)
                (void)flush_block(w);
        safe_close(w->fd);
        ZSTD_freeCCtx(w->cctx);
        free(w->buf);
        free(w->out);
        free(w);
        return NULL;
}
