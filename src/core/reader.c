/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a journal file back, resynchronising past damage; see reader.h
 * and journal-format.md.
 */
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <zstd.h>

#include "crc32c.h"
#include "format-def.h"
#include "log.h"
#include "reader.h"
#include "varint.h"

/*
 * The file is read through a window of pread(2)s rather than mmap(2): a
 * writer cutting the file back after a failed write would turn a mapped
 * reader's next access into SIGBUS.
 */
#define WINDOW_SIZE (1024 * 1024)
#define SCAN_CHUNK  (256 * 1024)

struct bl_reader {
        int fd;
        uint64_t file_size;

        /* Bytes [win_off, win_off + win_len) of the file. */
        uint8_t *win;
        uint64_t win_off;
        size_t win_len, win_alloc;
        bool in_memory; /* not a regular file: win holds all of it */
        bool follow;    /* a block cut short at the end is still being written */

        struct bl_file_info info;
        uint64_t data_start; /* offset of the first block */
        uint64_t off;        /* offset of the next block to look at */

        ZSTD_DCtx *dctx;
        uint8_t *block; /* decompressed payload */
        size_t block_alloc;

        /* The block being decoded. p/end point into block or, for stored payloads, into win. */
        bool in_block;
        const uint8_t *p, *end;
        uint64_t block_off, block_end;
        uint32_t block_records, block_seen;
        bool block_counted; /* first time this block is read: its events count in the stats */
        uint64_t prev_ts;
        int64_t prev_pid;

        struct bl_damage *damage;
        size_t n_damage, damage_alloc;
        uint64_t accounted; /* blocks and damage below this offset are already in stats and damage */
        struct bl_reader_stats stats;
};

/*
 * Points *ret at bytes [off, off + len) of the file, which the caller checked
 * to lie below file_size. The pointer stays valid until the next call.
 * Returns -ENODATA if the file turned out shorter (file_size is lowered then).
 */
static int window_get(struct bl_reader *r, uint64_t off, size_t len, const uint8_t **ret)
{
        size_t want, got = 0;
        int k;

        if (off >= r->win_off && off - r->win_off <= r->win_len && len <= r->win_len - (off - r->win_off)) {
                *ret = r->win + (off - r->win_off);
                return 0;
        }
        if (r->in_memory)
                return -EIO; /* the callers' bounds checks make this unreachable */

        want = (size_t)MIN((uint64_t)MAX(len, (size_t)WINDOW_SIZE), r->file_size - off);
        k = grow_buffer(&r->win, &r->win_alloc, want);
        if (k < 0)
                return k;
        r->win_len = 0;
        while (got < want) {
                ssize_t n = pread(r->fd, r->win + got, want - got, (off_t)(off + got));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        r->win_off = off;
        r->win_len = got;
        if (got < len) {
                /* Cut back under us (by a writer after a failed write): read what is there. */
                r->file_size = off + got;
                return -ENODATA;
        }
        *ret = r->win;
        return 0;
}

static int add_damage(struct bl_reader *r, uint64_t off, uint64_t end, const char *reason)
{
        struct bl_damage *d;

        if (off < r->accounted)
                return 0; /* seen before rewind */
        if (r->n_damage == r->damage_alloc) {
                size_t n = MAX(r->damage_alloc * 2, (size_t)8);

                d = reallocarray(r->damage, n, sizeof(*d));
                if (!d)
                        return -ENOMEM;
                r->damage = d;
                r->damage_alloc = n;
        }
        r->damage[r->n_damage++] = (struct bl_damage){
                .offset = off,
                .length = end - off,
                .reason = reason,
        };
        r->stats.blocks_bad++;
        r->accounted = end;
        log_debug("Damaged journal range %" PRIu64 "+%" PRIu64 ": %s", off, end - off, reason);
        return 0;
}

/* Everything a block header says, checked: CRC first, then that the fields make sense together. */
static bool block_header_parse(const uint8_t *p, struct bl_block_header *ret)
{
        struct bl_block_header h;
        uint32_t flags, stored, usize, n;

        if (memcmp(p, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE) != 0)
                return false;
        memcpy(&h, p, sizeof(h));
        if (le32toh(h.header_crc) != bl_crc32c(0, &h, offsetof(struct bl_block_header, header_crc)))
                return false;

        flags = le32toh(h.flags);
        stored = le32toh(h.stored_size);
        usize = le32toh(h.uncompressed_size);
        n = le32toh(h.n_events);
        if ((flags & ~BL_BLOCK_FLAGS_SUPPORTED) != 0)
                return false;
        if (usize > BL_BLOCK_PAYLOAD_MAX || n == 0 || n > usize / 2) /* a record takes at least 2 bytes */
                return false;
        switch (flags & BL_BLOCK_COMPRESSION_MASK) {
        case BL_BLOCK_COMPRESSION_NONE:
                if (stored != usize)
                        return false;
                break;
        case BL_BLOCK_COMPRESSION_ZSTD:
                if (stored == 0 || stored > ZSTD_compressBound(BL_BLOCK_PAYLOAD_MAX))
                        return false;
                break;
        default: return false;
        }
        *ret = h;
        return true;
}

/* Finds the first offset >= from where a block header checks out; file_size if none. */
static int find_block(struct bl_reader *r, uint64_t from, uint64_t *ret)
{
        const size_t hsize = sizeof(struct bl_block_header);
        uint64_t pos = from;

        while (pos < r->file_size && r->file_size - pos >= hsize) {
                size_t n = (size_t)MIN(r->file_size - pos, (uint64_t)SCAN_CHUNK);
                struct bl_block_header h;
                const uint8_t *d, *q;
                uint64_t cand;
                int k;

                k = window_get(r, pos, n, &d);
                if (k == -ENODATA)
                        continue;
                if (k < 0)
                        return k;
                q = memmem(d, n, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
                if (!q) {
                        if (n == r->file_size - pos)
                                break;
                        /* Keep 7 bytes: the magic may straddle the chunks. */
                        pos += n - (BL_BLOCK_MAGIC_SIZE - 1);
                        continue;
                }
                cand = pos + (uint64_t)(q - d);
                if (r->file_size - cand < hsize)
                        break;
                k = window_get(r, cand, hsize, &d);
                if (k == -ENODATA)
                        continue;
                if (k < 0)
                        return k;
                if (block_header_parse(d, &h)) {
                        *ret = cand;
                        return 0;
                }
                pos = cand + 1;
        }
        *ret = r->file_size;
        return 0;
}

/* Records [bad, next good block) as damaged and continues there. */
static int resync(struct bl_reader *r, uint64_t bad, uint64_t scan_from, const char *reason)
{
        uint64_t next;
        int k;

        k = find_block(r, scan_from, &next);
        if (k < 0)
                return k;
        k = add_damage(r, bad, next, reason);
        if (k < 0)
                return k;
        r->off = next;
        return 0;
}

/* Makes the next good block current. Returns 1, 0 at the end of the file, or -errno. */
static int load_next_block(struct bl_reader *r)
{
        const size_t hsize = sizeof(struct bl_block_header);

        for (;;) {
                struct bl_block_header h;
                const uint8_t *d;
                uint64_t off = r->off, end;
                uint32_t stored, usize;
                int k;

                if (off >= r->file_size)
                        return 0;
                if (r->file_size - off < hsize) {
                        if (r->follow)
                                return 0;
                        k = add_damage(r, off, r->file_size, "truncated block");
                        if (k < 0)
                                return k;
                        r->off = r->file_size;
                        return 0;
                }
                k = window_get(r, off, hsize, &d);
                if (k == -ENODATA)
                        continue;
                if (k < 0)
                        return k;
                if (!block_header_parse(d, &h)) {
                        k = resync(r, off, off + 1, "bad block header");
                        if (k < 0)
                                return k;
                        continue;
                }
                stored = le32toh(h.stored_size);
                usize = le32toh(h.uncompressed_size);
                if (stored > r->file_size - off - hsize) {
                        if (r->follow)
                                return 0; /* the rest is still being written */
                        k = resync(r, off, off + 1, "truncated block");
                        if (k < 0)
                                return k;
                        continue;
                }
                end = off + hsize + stored;

                k = window_get(r, off + hsize, stored, &d);
                if (k == -ENODATA)
                        continue;
                if (k < 0)
                        return k;
                /* The header checked out, so its sizes hold: the next block should start at its end. */
                if (le32toh(h.payload_crc) != bl_crc32c(0, d, stored)) {
                        k = resync(r, off, end, "checksum mismatch");
                        if (k < 0)
                                return k;
                        continue;
                }
                if ((le32toh(h.flags) & BL_BLOCK_COMPRESSION_MASK) == BL_BLOCK_COMPRESSION_ZSTD) {
                        size_t n;

                        k = grow_buffer(&r->block, &r->block_alloc, MAX(usize, 1u));
                        if (k < 0)
                                return k;
                        n = ZSTD_decompressDCtx(r->dctx, r->block, usize, d, stored);
                        if (ZSTD_isError(n) || n != usize) {
                                k = resync(r, off, end, "decompression failed");
                                if (k < 0)
                                        return k;
                                continue;
                        }
                        d = r->block;
                }

                r->in_block = true;
                r->p = d;
                r->end = d + usize;
                r->block_off = off;
                r->block_end = end;
                r->block_records = le32toh(h.n_events);
                r->block_seen = 0;
                r->block_counted = off >= r->accounted;
                r->prev_ts = 0;
                r->prev_pid = 0;
                r->off = end;
                return 1;
        }
}

/* A bounds-checked cursor over one record's body; any error sticks in bad. */
struct cursor {
        const uint8_t *p, *end;
        bool bad;
};

static inline uint64_t get_u64(struct cursor *c)
{
        uint64_t v;

        /* Most fields are one byte (small deltas, ids, lengths): no call for those. */
        if (!c->bad && c->p < c->end && *c->p < 0x80)
                return *c->p++;
        if (c->bad || bl_varint_decode(&c->p, c->end, &v) < 0) {
                c->bad = true;
                return 0;
        }
        return v;
}

static uint32_t get_u32(struct cursor *c)
{
        uint64_t v = get_u64(c);

        if (v > UINT32_MAX) {
                c->bad = true;
                return 0;
        }
        return (uint32_t)v;
}

static int get_int(struct cursor *c)
{
        int64_t v = bl_zigzag_decode(get_u64(c));

        if (v < INT32_MIN || v > INT32_MAX) {
                c->bad = true;
                return 0;
        }
        return (int)v;
}

/* A non-negative enum value; values this version does not know pass through. */
static int get_enum(struct cursor *c)
{
        uint32_t v = get_u32(c);

        if (v > INT32_MAX) {
                c->bad = true;
                return 0;
        }
        return (int)v;
}

/* A pid written as a delta against base. */
static pid_t get_pid(struct cursor *c, int64_t base)
{
        int64_t d = bl_zigzag_decode(get_u64(c)), v;

        /* Both ends are 32-bit, so a valid delta is far inside this; the check keeps the sum defined. */
        if (d < -(INT64_C(1) << 33) || d > (INT64_C(1) << 33)) {
                c->bad = true;
                return 0;
        }
        v = base + d;
        if (v < INT32_MIN || v > INT32_MAX) {
                c->bad = true;
                return 0;
        }
        return (pid_t)v;
}

/* Length and bytes, checked against the record; *ret_len bytes at *ret_data. */
static bool get_bytes(struct cursor *c, const uint8_t **ret_data, size_t *ret_len)
{
        uint64_t n = get_u64(c);

        if (c->bad || n > (uint64_t)(c->end - c->p) || memchr(c->p, 0, (size_t)n)) {
                c->bad = true;
                return false;
        }
        *ret_data = c->p;
        *ret_len = (size_t)n;
        c->p += n;
        return true;
}

/* Returns 0, -EBADMSG, or -ENOMEM. */
static int get_string(struct cursor *c, char **ret)
{
        const uint8_t *d;
        size_t n;
        char *s;

        if (!get_bytes(c, &d, &n))
                return -EBADMSG;
        s = malloc(n + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, d, n);
        s[n] = 0;
        *ret = s;
        return 0;
}

static int get_comm(struct cursor *c, char comm[static BL_COMM_MAX])
{
        const uint8_t *d;
        size_t n;

        if (!get_bytes(c, &d, &n) || n >= BL_COMM_MAX)
                return -EBADMSG;
        memcpy(comm, d, n);
        comm[n] = 0;
        return 0;
}

static int get_info(struct cursor *c, struct bl_event *ev)
{
        struct bl_proc_info *info = &ev->info;
        uint32_t flags;
        int k;

        info->status = get_enum(c);
        info->error = get_int(c);
        info->start_ns = ev->ts_ns + (uint64_t)bl_zigzag_decode(get_u64(c));
        info->ppid = get_pid(c, ev->pid);
        info->uid = get_u32(c) - 1;
        info->gid = get_u32(c) - 1;
        flags = get_u32(c);
        if (c->bad)
                return -EBADMSG;
        /* Unknown flag bits are for fields after the ones known here: ignored. */
        info->argv_truncated = flags & BL_INFO_ARGV_TRUNCATED;
        info->argv_withheld = flags & BL_INFO_ARGV_WITHHELD;
        info->argv_at_exec = flags & BL_INFO_ARGV_AT_EXEC;
        info->exe_as_execed = flags & BL_INFO_EXE_AS_EXECED;
        if (flags & BL_INFO_HAS_ARGV) {
                uint64_t n = get_u64(c);

                /* Each string takes at least its length byte: bounds the allocation. */
                if (c->bad || n > (uint64_t)(c->end - c->p))
                        return -EBADMSG;
                info->argv = calloc((size_t)n + 1, sizeof(char *));
                if (!info->argv)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        k = get_string(c, &info->argv[i]);
                        if (k < 0)
                                return k;
                }
        }
        if (flags & BL_INFO_HAS_EXE) {
                k = get_string(c, &info->exe);
                if (k < 0)
                        return k;
        }
        if (flags & BL_INFO_HAS_CWD) {
                k = get_string(c, &info->cwd);
                if (k < 0)
                        return k;
        }
        if (flags & BL_INFO_HAS_UNIT) {
                k = get_string(c, &info->unit);
                if (k < 0)
                        return k;
        }
        return get_comm(c, info->comm);
}

/* Decodes the record at r->p: 1 with *ret filled, 0 for a type not known here (skipped), or -errno. */
static int decode_record(struct bl_reader *r, struct bl_event *ret)
{
        const uint8_t *p = r->p;
        struct cursor c;
        struct bl_event ev;
        uint64_t len;
        uint8_t type;
        int k;

        if (p >= r->end)
                return -EBADMSG;
        type = *p++;
        if (bl_varint_decode(&p, r->end, &len) < 0 || len > (uint64_t)(r->end - p))
                return -EBADMSG;
        c = (struct cursor){ .p = p, .end = p + len };

        bl_event_init(&ev, type);
        ev.ts_ns = r->prev_ts + (uint64_t)bl_zigzag_decode(get_u64(&c));
        ev.cpu = get_u32(&c);
        ev.pid = get_pid(&c, r->prev_pid);
        ev.tid = get_pid(&c, ev.pid);
        if (c.bad)
                return -EBADMSG;

        switch (type) {
        case BL_EVENT_FORK:
                ev.fork.parent_pid = get_pid(&c, ev.pid);
                ev.fork.parent_tid = get_pid(&c, ev.fork.parent_pid);
                break;
        case BL_EVENT_COREDUMP:
                ev.coredump.parent_pid = get_pid(&c, ev.pid);
                ev.coredump.parent_tid = get_pid(&c, ev.coredump.parent_pid);
                break;
        case BL_EVENT_PTRACE:
                ev.ptrace.tracer_pid = get_pid(&c, ev.pid);
                ev.ptrace.tracer_tid = get_pid(&c, ev.ptrace.tracer_pid);
                break;
        case BL_EVENT_EXIT:
                ev.exit.code = get_u32(&c);
                ev.exit.exit_signal = get_u32(&c);
                ev.exit.parent_pid = get_pid(&c, ev.pid);
                ev.exit.parent_tid = get_pid(&c, ev.exit.parent_pid);
                break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                ev.id.real = get_u32(&c);
                ev.id.effective = get_u32(&c);
                break;
        case BL_EVENT_SID: break;
        case BL_EVENT_COMM:
                if (get_comm(&c, ev.info.comm) < 0)
                        return -EBADMSG;
                break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT:
                k = get_info(&c, &ev);
                if (k < 0) {
                        bl_event_done(&ev);
                        return k;
                }
                break;
        case BL_EVENT_LOST:
                ev.lost.reason = get_enum(&c);
                ev.lost.count = get_u64(&c);
                ev.lost.cpu = get_u32(&c);
                break;
        case BL_EVENT_UNKNOWN: {
                uint32_t n;

                ev.unknown.what = get_u32(&c);
                n = get_u32(&c);
                if (c.bad || n > BL_UNKNOWN_DATA_MAX || n > (size_t)(c.end - c.p))
                        return -EBADMSG;
                ev.unknown.len = n;
                memcpy(ev.unknown.data, c.p, n);
                c.p += n;
                break;
        }
        case BL_EVENT_START:
                ev.start.recorder_pid = get_pid(&c, ev.pid);
                ev.start.flags = get_u32(&c);
                break;
        case BL_EVENT_END:
                ev.end.events = get_u64(&c);
                ev.end.lost = get_u64(&c);
                /* Added in the same format version; absent from the first files, hence optional. */
                if (c.p < c.end)
                        ev.end.reason = get_u32(&c);
                break;
        case BL_EVENT_COST:
                ev.cost.flags = get_u32(&c);
                ev.cost.exit_code = get_u32(&c);
                ev.cost.elapsed_us = get_u64(&c);
                ev.cost.utime_us = get_u64(&c);
                ev.cost.stime_us = get_u64(&c);
                ev.cost.read_bytes = get_u64(&c);
                ev.cost.write_bytes = get_u64(&c);
                ev.cost.cancelled_write_bytes = get_u64(&c);
                ev.cost.read_chars = get_u64(&c);
                ev.cost.write_chars = get_u64(&c);
                ev.cost.nvcsw = get_u64(&c);
                ev.cost.nivcsw = get_u64(&c);
                ev.cost.minflt = get_u64(&c);
                ev.cost.majflt = get_u64(&c);
                ev.cost.hiwater_rss_kb = get_u64(&c);
                ev.cost.cpu_delay_ns = get_u64(&c);
                ev.cost.blkio_delay_ns = get_u64(&c);
                ev.cost.swapin_delay_ns = get_u64(&c);
                ev.cost.cpu_ns = get_u64(&c);
                break;
        default:
                /* A type from a newer version: its common fields keep the deltas going; skip the rest. */
                r->prev_ts = ev.ts_ns;
                r->prev_pid = ev.pid;
                r->p = c.end;
                return 0;
        }
        if (c.bad) {
                bl_event_done(&ev);
                return -EBADMSG;
        }

        /* Bytes left in the body are fields of a newer version: skipped. */
        r->prev_ts = ev.ts_ns;
        r->prev_pid = ev.pid;
        r->p = c.end;
        *ret = ev;
        return 1;
}

static int finish_block(struct bl_reader *r, const char *damage_reason)
{
        r->in_block = false;
        if (damage_reason)
                return add_damage(r, r->block_off, r->block_end, damage_reason);
        if (r->block_off >= r->accounted) {
                r->stats.blocks_ok++;
                r->accounted = r->block_end;
        }
        return 0;
}

int bl_reader_next(struct bl_reader *r, struct bl_event *ret)
{
        for (;;) {
                struct bl_event ev;
                int k;

                if (!r->in_block) {
                        k = load_next_block(r);
                        if (k <= 0)
                                return k;
                }
                if (r->p >= r->end) {
                        k = finish_block(r,
                                         r->block_seen == r->block_records ? NULL : "event count mismatch");
                        if (k < 0)
                                return k;
                        continue;
                }
                if (r->block_seen >= r->block_records) {
                        k = finish_block(r, "event count mismatch");
                        if (k < 0)
                                return k;
                        continue;
                }

                k = decode_record(r, &ev);
                if (k == -EBADMSG) {
                        k = finish_block(r, "malformed event");
                        if (k < 0)
                                return k;
                        continue;
                }
                if (k < 0)
                        return k;
                r->block_seen++;
                if (k == 0)
                        continue;

                if (r->block_counted) {
                        r->stats.events++;
                        r->stats.clean_end = ev.type == BL_EVENT_END;
                }
                *ret = ev;
                return 1;
        }
}

static int read_all(int fd, uint8_t **ret, size_t *ret_len)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0, alloc = 0;
        int k;

        for (;;) {
                ssize_t n;

                k = grow_buffer(&buf, &alloc, len + 64 * 1024);
                if (k < 0)
                        return k;
                n = read(fd, buf + len, alloc - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int read_file_header(struct bl_reader *r)
{
        struct bl_file_header h;
        const uint8_t *d;
        uint32_t hsize, version;
        le32_t crc;
        uint64_t incompat;
        int k;

        if (r->file_size < offsetof(struct bl_file_header, compatible_flags))
                return -EBADMSG;
        k = window_get(r, 0, (size_t)MIN(r->file_size, (uint64_t)BL_HEADER_SIZE_MAX), &d);
        if (k == -ENODATA)
                return -EBADMSG;
        if (k < 0)
                return k;
        if (memcmp(d, BL_FILE_MAGIC, BL_FILE_MAGIC_SIZE) != 0)
                return -EBADMSG;

        /* magic, header_size, version and the trailing CRC sit where they are in every version. */
        memcpy(&hsize, d + offsetof(struct bl_file_header, header_size), sizeof(hsize));
        hsize = le32toh(hsize);
        if (hsize < sizeof(h) || hsize > BL_HEADER_SIZE_MAX || hsize > r->file_size)
                return -EBADMSG;
        memcpy(&crc, d + hsize - sizeof(crc), sizeof(crc));
        if (le32toh(crc) != bl_crc32c(0, d, hsize - sizeof(crc)))
                return -EBADMSG;
        memcpy(&h, d, sizeof(h));
        version = le32toh(h.version);
        if (version != BL_FORMAT_VERSION)
                return -EPROTONOSUPPORT;
        incompat = le64toh(h.incompatible_flags);
        if ((incompat & ~BL_HEADER_INCOMPAT_SUPPORTED) != 0)
                return -EPROTONOSUPPORT;

        r->info = (struct bl_file_info){
                .version = version,
                .compatible_flags = le64toh(h.compatible_flags),
                .incompatible_flags = incompat,
                .ref_monotonic_ns = le64toh(h.ref_monotonic_ns),
                .ref_realtime_ns = le64toh(h.ref_realtime_ns),
                .ref_boottime_ns = le64toh(h.ref_boottime_ns),
                .clk_tck = le32toh(h.clk_tck),
                .recorder_pid = le32toh(h.recorder_pid),
        };
        memcpy(r->info.boot_id, h.boot_id, BL_ID128_SIZE);
        memcpy(r->info.machine_id, h.machine_id, BL_ID128_SIZE);
        memcpy(r->info.kernel_release, h.kernel_release, BL_HEADER_STR_MAX);
        r->info.kernel_release[BL_HEADER_STR_MAX - 1] = 0;
        memcpy(r->info.hostname, h.hostname, BL_HEADER_STR_MAX);
        r->info.hostname[BL_HEADER_STR_MAX - 1] = 0;

        r->data_start = r->off = r->accounted = hsize;
        return 0;
}

int bl_reader_open_fd(int fd, struct bl_reader **ret)
{
        struct bl_reader *r;
        struct stat st;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r) {
                safe_close(fd);
                return -ENOMEM;
        }
        r->fd = fd;

        if (fstat(fd, &st) < 0) {
                k = negative_errno();
                goto fail;
        }
        if (S_ISREG(st.st_mode))
                r->file_size = (uint64_t)st.st_size;
        else {
                /* A pipe or the like: no pread, no size. Take it all in. */
                k = read_all(fd, &r->win, &r->win_len);
                if (k < 0)
                        goto fail;
                r->win_alloc = r->win_len;
                r->file_size = r->win_len;
                r->in_memory = true;
        }
        r->stats.file_size = r->file_size;

        k = read_file_header(r);
        if (k < 0)
                goto fail;

        r->dctx = ZSTD_createDCtx();
        if (!r->dctx) {
                k = -ENOMEM;
                goto fail;
        }

        *ret = r;
        return 0;
fail:
        bl_reader_free(r);
        return k;
}

int bl_reader_open(const char *path, struct bl_reader **ret)
{
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return bl_reader_open_fd(fd, ret);
}

struct bl_reader *bl_reader_free(struct bl_reader *r)
{
        if (!r)
                return NULL;
        safe_close(r->fd);
        ZSTD_freeDCtx(r->dctx);
        free(r->win);
        free(r->block);
        free(r->damage);
        free(r);
        return NULL;
}

const struct bl_file_info *bl_reader_get_info(const struct bl_reader *r)
{
        return &r->info;
}

size_t bl_reader_get_damage(const struct bl_reader *r, const struct bl_damage **ret)
{
        *ret = r->damage;
        return r->n_damage;
}

void bl_reader_get_stats(const struct bl_reader *r, struct bl_reader_stats *ret)
{
        *ret = r->stats;
        ret->file_size = r->file_size;
}

int bl_reader_rewind(struct bl_reader *r)
{
        r->in_block = false;
        r->off = r->data_start;
        return 0;
}

void bl_reader_set_follow(struct bl_reader *r, bool follow)
{
        r->follow = follow;
}

int bl_reader_refresh(struct bl_reader *r)
{
        struct stat st;

        if (r->in_memory)
                return 0;
        if (fstat(r->fd, &st) < 0)
                return negative_errno();
        if ((uint64_t)st.st_size == r->file_size)
                return 0;
        /*
         * The window may hold the torn start of a block the writer has since
         * cut back and written again: read from the file anew.
         */
        r->file_size = (uint64_t)st.st_size;
        r->win_off = 0;
        r->win_len = 0;
        return 1;
}

int bl_reader_replace_fd(struct bl_reader *r, int fd)
{
        struct bl_reader *n;
        int k;

        k = bl_reader_open_fd(fd, &n);
        if (k < 0)
                return k;
        if (n->data_start != r->data_start || memcmp(n->info.boot_id, r->info.boot_id, BL_ID128_SIZE) != 0 ||
            n->info.ref_monotonic_ns != r->info.ref_monotonic_ns ||
            n->info.ref_realtime_ns != r->info.ref_realtime_ns ||
            n->info.recorder_pid != r->info.recorder_pid) {
                bl_reader_free(n);
                return -EXDEV;
        }
        /* Swap the files: the new reader takes the old fd with it. */
        k = r->fd;
        r->fd = n->fd;
        n->fd = k;
        r->file_size = n->file_size;
        r->in_memory = n->in_memory;
        free(r->win);
        r->win = TAKE_PTR(n->win);
        r->win_off = n->win_off;
        r->win_len = n->win_len;
        r->win_alloc = n->win_alloc;
        n->win_alloc = 0;
        bl_reader_free(n);
        return 0;
}
