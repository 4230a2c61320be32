/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader on damaged files: cut at every byte, corrupted at random, and
 * with blocks whose checksums hold but whose records do not. It must never
 * crash or invent events, must return every event of every intact block, and
 * must report the damaged byte ranges.
 */
#include <endian.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zstd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "event.h"
#include "format-def.h"
#include "reader.h"
#include "varint.h"
#include "writer.h"

struct evlist {
        struct bl_event *ev;
        size_t n, alloc;
};

static void evlist_push(struct evlist *l, struct bl_event *ev)
{
        if (l->n == l->alloc) {
                l->alloc = l->alloc ? l->alloc * 2 : 64;
                l->ev = realloc(l->ev, l->alloc * sizeof(*l->ev));
                assert_non_null(l->ev);
        }
        l->ev[l->n++] = *ev;
        bl_event_init(ev, 0);
}

static void evlist_done(struct evlist *l)
{
        for (size_t i = 0; i < l->n; i++)
                bl_event_done(&l->ev[i]);
        free(l->ev);
        *l = (struct evlist){};
}

static uint64_t rng_state;

static uint64_t rng(void)
{
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static int new_memfd(void)
{
        int fd = memfd_create("bootlog-test", MFD_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void assert_string_ptr_equal(const char *a, const char *b)
{
        if (!a || !b) {
                assert_ptr_equal(a, b);
                return;
        }
        assert_string_equal(a, b);
}

/* The fields these tests write; test-format.c checks every field of every type. */
static void assert_event_equal(const struct bl_event *a, const struct bl_event *b)
{
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->ts_ns, b->ts_ns);
        assert_int_equal(a->cpu, b->cpu);
        assert_int_equal(a->pid, b->pid);
        assert_int_equal(a->tid, b->tid);
        switch (a->type) {
        case BL_EVENT_FORK: assert_int_equal(a->fork.parent_pid, b->fork.parent_pid); break;
        case BL_EVENT_EXIT: assert_int_equal(a->exit.code, b->exit.code); break;
        case BL_EVENT_EXEC:
                assert_int_equal(strv_length(a->info.argv), strv_length(b->info.argv));
                for (size_t i = 0; a->info.argv && a->info.argv[i]; i++)
                        assert_string_equal(a->info.argv[i], b->info.argv[i]);
                assert_string_ptr_equal(a->info.exe, b->info.exe);
                assert_string_equal(a->info.comm, b->info.comm);
                break;
        case BL_EVENT_END: assert_int_equal(a->end.events, b->end.events); break;
        default: break;
        }
}

/* The test file: its bytes, and where each block is and which events it holds. */
struct block {
        uint64_t start, end;
        size_t first, n; /* events ref[first .. first + n) */
};

static struct fixture {
        uint8_t *data;
        size_t size;
        size_t header_size;
        struct block blocks[256];
        size_t n_blocks;
        struct evlist ref; /* every event in the file, END included, as read from the intact file */
} fx;

static void make_events(struct evlist *l, size_t n)
{
        static const char *const args[] = { "/usr/bin/sudo", "/usr/local/sbin/foo-script", "-t",
                                            "--verbose" };
        uint64_t ts = 1000000000;
        pid_t pid = 1400;

        for (size_t i = 0; i < n; i++) {
                struct bl_event ev;

                switch (i % 4) {
                case 0:
                        bl_event_init(&ev, BL_EVENT_FORK);
                        ev.fork.parent_pid = ev.fork.parent_tid = pid;
                        pid += 1 + (pid_t)(rng() % 5);
                        break;
                case 1:
                        bl_event_init(&ev, BL_EVENT_EXEC);
                        ev.info.status = BL_INFO_OK;
                        ev.info.argv = calloc(3, sizeof(char *));
                        assert_non_null(ev.info.argv);
                        ev.info.argv[0] = strdup(args[rng() % ELEMENTSOF(args)]);
                        ev.info.argv[1] = strdup(args[rng() % ELEMENTSOF(args)]);
                        assert_non_null(ev.info.argv[0]);
                        assert_non_null(ev.info.argv[1]);
                        ev.info.exe = strdup(ev.info.argv[0]);
                        assert_non_null(ev.info.exe);
                        snprintf(ev.info.comm, sizeof(ev.info.comm), "cmd%zu", i);
                        break;
                case 2:
                        bl_event_init(&ev, BL_EVENT_UID);
                        ev.id.real = 1000;
                        break;
                default:
                        bl_event_init(&ev, BL_EVENT_EXIT);
                        ev.exit.code = (uint32_t)i << 8;
                        break;
                }
                ts += rng() % 3000000;
                ev.ts_ns = ts;
                ev.cpu = (uint32_t)(rng() % 2);
                ev.pid = ev.tid = pid;
                evlist_push(l, &ev);
        }
}

/* Reads the file on fd: events into out, damage and stats returned; the open error if any. */
static int read_file(int fd, struct evlist *out, struct bl_damage **ret_damage, size_t *ret_n_damage,
                     struct bl_reader_stats *ret_stats)
{
        const struct bl_damage *d;
        struct bl_reader *r;
        struct bl_event ev;
        int k;

        k = bl_reader_open_fd(fcntl(fd, F_DUPFD_CLOEXEC, 3), &r);
        if (k < 0)
                return k;
        while ((k = bl_reader_next(r, &ev)) > 0) {
                assert_true(out->n < fx.ref.n); /* never more than was written */
                evlist_push(out, &ev);
        }
        assert_int_equal(k, 0);
        *ret_n_damage = bl_reader_get_damage(r, &d);
        *ret_damage = NULL;
        if (*ret_n_damage > 0) {
                *ret_damage = malloc(*ret_n_damage * sizeof(*d));
                assert_non_null(*ret_damage);
                memcpy(*ret_damage, d, *ret_n_damage * sizeof(*d));
        }
        for (size_t i = 0; i < *ret_n_damage; i++) {
                assert_non_null(d[i].reason);
                assert_true(d[i].length > 0);
                if (i > 0) /* in file order, disjoint */
                        assert_true(d[i].offset >= d[i - 1].offset + d[i - 1].length);
        }
        bl_reader_get_stats(r, ret_stats);
        bl_reader_free(r);
        return 0;
}

static int setup(void **state)
{
        struct bl_file_info info = {
                .ref_monotonic_ns = 1,
                .clk_tck = 100,
        };
        struct bl_writer_options opts = { .block_size = 1 << 20 };
        struct evlist in = {};
        struct bl_writer_stats st;
        struct bl_writer *w;
        size_t i = 0;
        int fd = new_memfd();

        rng_state = 0xb007;
        make_events(&in, 240);
        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, &opts, &w), 0);
        fx.header_size = sizeof(struct bl_file_header);
        /* Blocks of 1 to 12 events, flushed by hand so the test knows where each one ends. */
        while (i < in.n) {
                size_t n = MIN(1 + (size_t)(rng() % 12), in.n - i);

                for (size_t j = 0; j < n; j++)
                        assert_int_equal(bl_writer_append(w, &in.ev[i + j]), 0);
                assert_int_equal(bl_writer_flush(w), 0);
                bl_writer_get_stats(w, &st);
                fx.blocks[fx.n_blocks] = (struct block){
                        .start = fx.n_blocks ? fx.blocks[fx.n_blocks - 1].end : fx.header_size,
                        .end = st.bytes,
                        .first = i,
                        .n = n,
                };
                fx.n_blocks++;
                i += n;
        }
        assert_int_equal(bl_writer_close(w), 0);

        fx.size = (size_t)lseek(fd, 0, SEEK_END);
        fx.data = malloc(fx.size);
        assert_non_null(fx.data);
        assert_int_equal(pread(fd, fx.data, fx.size, 0), (ssize_t)fx.size);
        /* The last block holds END alone. */
        fx.blocks[fx.n_blocks] = (struct block){
                .start = fx.blocks[fx.n_blocks - 1].end,
                .end = fx.size,
                .first = in.n,
                .n = 1,
        };
        fx.n_blocks++;

        /* The intact file gives back what was written, and END. */
        {
                struct bl_reader_stats rs;
                struct bl_damage *d;
                size_t nd;

                {
                        struct bl_reader *r;
                        struct bl_event ev;
                        int k;

                        assert_int_equal(bl_reader_open_fd(fcntl(fd, F_DUPFD_CLOEXEC, 3), &r), 0);
                        while ((k = bl_reader_next(r, &ev)) > 0)
                                evlist_push(&fx.ref, &ev);
                        assert_int_equal(k, 0);
                        bl_reader_free(r);
                }
                assert_int_equal(fx.ref.n, in.n + 1);
                for (size_t j = 0; j < in.n; j++)
                        assert_event_equal(&in.ev[j], &fx.ref.ev[j]);
                assert_int_equal(fx.ref.ev[in.n].type, BL_EVENT_END);

                {
                        struct evlist out = {};

                        assert_int_equal(read_file(fd, &out, &d, &nd, &rs), 0);
                        assert_int_equal(nd, 0);
                        assert_int_equal(rs.blocks_ok, fx.n_blocks);
                        assert_true(rs.clean_end);
                        evlist_done(&out);
                }
        }
        evlist_done(&in);
        close(fd);
        return 0;
}

static int teardown(void **state)
{
        evlist_done(&fx.ref);
        free(fx.data);
        return 0;
}

/* (1) Cut at every byte: the events of every complete block, damage iff a partial block remains. */
static void test_truncate_everywhere(void **state)
{
        int fd = new_memfd();

        assert_int_equal(write(fd, fx.data, fx.size), (ssize_t)fx.size);
        /* From the full size down, so each cut is one ftruncate(). */
        for (size_t cut = fx.size + 1; cut-- > 0;) {
                struct evlist out = {};
                struct bl_reader_stats rs;
                struct bl_damage *d;
                size_t nd, n_events = 0, n_blocks = 0;
                uint64_t good_end = fx.header_size;
                int k;

                assert_int_equal(ftruncate(fd, (off_t)cut), 0);
                k = read_file(fd, &out, &d, &nd, &rs);
                if (cut < fx.header_size) {
                        assert_int_equal(k, -EBADMSG);
                        continue;
                }
                assert_int_equal(k, 0);

                for (size_t b = 0; b < fx.n_blocks && fx.blocks[b].end <= cut; b++) {
                        n_events += fx.blocks[b].n;
                        n_blocks++;
                        good_end = fx.blocks[b].end;
                }
                assert_int_equal(out.n, n_events);
                for (size_t i = 0; i < out.n; i++)
                        assert_event_equal(&fx.ref.ev[i], &out.ev[i]);
                assert_int_equal(rs.blocks_ok, n_blocks);
                assert_int_equal(rs.events, n_events);
                assert_int_equal(rs.clean_end, cut == fx.size);
                assert_int_equal(rs.file_size, cut);

                if (good_end == cut)
                        assert_int_equal(nd, 0);
                else {
                        assert_int_equal(nd, 1);
                        assert_int_equal(d[0].offset, good_end);
                        assert_int_equal(d[0].length, cut - good_end);
                        assert_int_equal(rs.blocks_bad, 1);
                }
                free(d);
                evlist_done(&out);
        }
        close(fd);
}

/* (2) Random corruption of 1 to 8 bytes, a few hundred times. */
static void test_corrupt_random(void **state)
{
        int fd = new_memfd();

        rng_state = 0xc0ffee;
        for (int trial = 0; trial < 400; trial++) {
                struct evlist out = {};
                struct bl_reader_stats rs;
                struct bl_damage *d;
                uint64_t pos[8];
                bool touched[ELEMENTSOF(fx.blocks)] = {}, header_hit = false;
                size_t n = 1 + (size_t)(rng() % 8), nd, j = 0;
                uint8_t *copy = malloc(fx.size);
                int k;

                assert_non_null(copy);
                memcpy(copy, fx.data, fx.size);
                /* Half the trials hit one spot (a burst), half scatter over the file. */
                for (size_t i = 0; i < n; i++) {
                        if (trial % 2 == 0)
                                pos[i] = i == 0 ? rng() % fx.size : MIN(pos[0] + rng() % 16, fx.size - 1);
                        else
                                pos[i] = rng() % fx.size;
                        copy[pos[i]] ^= (uint8_t)(1 + rng() % 255);
                        header_hit |= pos[i] < fx.header_size;
                        for (size_t b = 0; b < fx.n_blocks; b++)
                                if (pos[i] >= fx.blocks[b].start && pos[i] < fx.blocks[b].end)
                                        touched[b] = true;
                }
                assert_int_equal(ftruncate(fd, 0), 0);
                assert_int_equal(pwrite(fd, copy, fx.size, 0), (ssize_t)fx.size);
                free(copy);

                k = read_file(fd, &out, &d, &nd, &rs);
                if (header_hit) {
                        assert_int_equal(k, -EBADMSG);
                        continue;
                }
                assert_int_equal(k, 0);

                /* Exactly the events of the untouched blocks, in order. */
                for (size_t b = 0; b < fx.n_blocks; b++) {
                        if (touched[b])
                                continue;
                        for (size_t e = fx.blocks[b].first; e < fx.blocks[b].first + fx.blocks[b].n; e++) {
                                assert_true(j < out.n);
                                assert_event_equal(&fx.ref.ev[e], &out.ev[j++]);
                        }
                }
                assert_int_equal(j, out.n);

                /* Every corrupted byte lies in a reported range ... */
                for (size_t i = 0; i < n; i++) {
                        bool covered = false;

                        for (size_t x = 0; x < nd; x++)
                                covered |= pos[i] >= d[x].offset && pos[i] < d[x].offset + d[x].length;
                        assert_true(covered);
                }
                /* ... and no reported range reaches into an untouched block. */
                for (size_t x = 0; x < nd; x++)
                        for (size_t b = 0; b < fx.n_blocks; b++)
                                if (!touched[b])
                                        assert_true(d[x].offset + d[x].length <= fx.blocks[b].start ||
                                                    d[x].offset >= fx.blocks[b].end);
                assert_true(rs.blocks_bad >= 1);
                assert_int_equal(rs.clean_end, !touched[fx.n_blocks - 1]);
                free(d);
                evlist_done(&out);
        }
        close(fd);
}

/* ---- blocks whose checksums hold but whose contents do not ---- */

static uint8_t *put_v(uint8_t *p, uint64_t v)
{
        return p + bl_varint_encode(p, v);
}

static void append_raw_block(int fd, const uint8_t *payload, size_t n, uint32_t n_events)
{
        struct bl_block_header h = {};
        off_t end = lseek(fd, 0, SEEK_END);

        memcpy(h.magic, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
        h.flags = htole32(BL_BLOCK_COMPRESSION_NONE);
        h.stored_size = htole32(n);
        h.uncompressed_size = htole32(n);
        h.n_events = htole32(n_events);
        h.payload_crc = htole32(bl_crc32c(0, payload, n));
        h.header_crc = htole32(bl_crc32c(0, &h, offsetof(struct bl_block_header, header_crc)));
        assert_int_equal(pwrite(fd, &h, sizeof(h), end), sizeof(h));
        assert_int_equal(pwrite(fd, payload, n, end + (off_t)sizeof(h)), (ssize_t)n);
}

/* A SID record for pid (delta from prev_pid) at ts delta 1. */
static uint8_t *put_sid(uint8_t *p, int64_t pid_delta)
{
        uint8_t body[16], *b = body;

        b = put_v(b, bl_zigzag_encode(1));
        b = put_v(b, 0);
        b = put_v(b, bl_zigzag_encode(pid_delta));
        b = put_v(b, 0);
        *p++ = BL_EVENT_SID;
        p = put_v(p, b - body);
        memcpy(p, body, b - body);
        return p + (b - body);
}

/* A file: header, crafted block, then the first intact block of the fixture. */
static int file_with_block(const uint8_t *payload, size_t n, uint32_t n_events, uint64_t *ret_crafted_end)
{
        int fd = new_memfd();

        assert_int_equal(write(fd, fx.data, fx.header_size), (ssize_t)fx.header_size);
        append_raw_block(fd, payload, n, n_events);
        *ret_crafted_end = (uint64_t)lseek(fd, 0, SEEK_END);
        assert_int_equal(write(fd, fx.data + fx.blocks[0].start, fx.blocks[0].end - fx.blocks[0].start),
                         (ssize_t)(fx.blocks[0].end - fx.blocks[0].start));
        return fd;
}

static void check_crafted(const uint8_t *payload, size_t n, uint32_t n_events, size_t expect_sids,
                          const char *reason)
{
        struct evlist out = {};
        struct bl_reader_stats rs;
        struct bl_damage *d;
        uint64_t crafted_end;
        size_t nd;
        int fd = file_with_block(payload, n, n_events, &crafted_end);

        assert_int_equal(read_file(fd, &out, &d, &nd, &rs), 0);
        /* What came before the bad record, then the next block in full. */
        assert_int_equal(out.n, expect_sids + fx.blocks[0].n);
        for (size_t i = 0; i < expect_sids; i++)
                assert_int_equal(out.ev[i].type, BL_EVENT_SID);
        for (size_t i = 0; i < fx.blocks[0].n; i++)
                assert_event_equal(&fx.ref.ev[i], &out.ev[expect_sids + i]);
        assert_int_equal(nd, 1);
        assert_int_equal(d[0].offset, fx.header_size);
        assert_int_equal(d[0].length, crafted_end - fx.header_size);
        assert_string_equal(d[0].reason, reason);
        assert_int_equal(rs.blocks_bad, 1);
        assert_int_equal(rs.blocks_ok, 1);
        free(d);
        evlist_done(&out);
        close(fd);
}

static void test_malformed_records(void **state)
{
        uint8_t payload[256], *p;

        /* A record whose length runs past the payload. */
        p = put_sid(payload, 100);
        *p++ = BL_EVENT_SID;
        p = put_v(p, 200);
        memset(p, 0, 4);
        p += 4;
        check_crafted(payload, p - payload, 2, 1, "malformed event");

        /* A varint that never ends. */
        p = put_sid(payload, 100);
        p = put_sid(p, 1);
        *p++ = BL_EVENT_SID;
        *p++ = 6;
        memset(p, 0x80, 6);
        p += 6;
        check_crafted(payload, p - payload, 3, 2, "malformed event");

        /* A pid out of range, a string with a NUL, an argv count beyond the record. */
        p = put_sid(payload, INT64_C(1) << 40);
        check_crafted(payload, p - payload, 1, 0, "malformed event");
        {
                uint8_t body[32], *b = body;

                b = put_v(b, 0);
                b = put_v(b, 0);
                b = put_v(b, 0);
                b = put_v(b, 0);
                b = put_v(b, 3);
                memcpy(b, "a\0b", 3);
                b += 3;
                p = payload;
                *p++ = BL_EVENT_COMM;
                p = put_v(p, b - body);
                memcpy(p, body, b - body);
                p += b - body;
                check_crafted(payload, p - payload, 1, 0, "malformed event");

                b = body;
                for (int i = 0; i < 4; i++) /* ts, cpu, pid, tid */
                        b = put_v(b, 0);
                for (int i = 0; i < 6; i++) /* status, error, start, ppid, uid, gid */
                        b = put_v(b, 0);
                b = put_v(b, BL_INFO_HAS_ARGV);
                b = put_v(b, UINT64_C(1) << 60); /* argc */
                p = payload;
                *p++ = BL_EVENT_EXEC;
                p = put_v(p, b - body);
                memcpy(p, body, b - body);
                p += b - body;
                check_crafted(payload, p - payload, 1, 0, "malformed event");
        }

        /* Fewer or more records than the header says. */
        p = put_sid(payload, 100);
        p = put_sid(p, 1);
        check_crafted(payload, p - payload, 3, 2, "event count mismatch");
        check_crafted(payload, p - payload, 1, 1, "event count mismatch");
}

/*
 * Records that pass the checksums but were mutated (as a buggy or hostile
 * writer would make them): whatever the decoder makes of them, it stays in
 * bounds, returns at most what the block claims, and the next block is intact.
 */
static void test_mutated_records(void **state)
{
        rng_state = 0xfeed;
        for (int trial = 0; trial < 3000; trial++) {
                const struct block *b = &fx.blocks[rng() % fx.n_blocks];
                struct bl_block_header h;
                struct evlist out = {};
                struct bl_reader_stats rs;
                struct bl_damage *d;
                uint8_t *payload;
                uint64_t crafted_end;
                uint32_t usize, n_events;
                size_t nd, n;
                int fd;

                memcpy(&h, fx.data + b->start, sizeof(h));
                usize = le32toh(h.uncompressed_size);
                n_events = le32toh(h.n_events);
                payload = malloc(usize);
                assert_non_null(payload);
                if ((le32toh(h.flags) & BL_BLOCK_COMPRESSION_MASK) == BL_BLOCK_COMPRESSION_ZSTD)
                        assert_int_equal(ZSTD_decompress(payload, usize, fx.data + b->start + sizeof(h),
                                                         le32toh(h.stored_size)),
                                         usize);
                else
                        memcpy(payload, fx.data + b->start + sizeof(h), usize);

                n = usize;
                for (int m = 1 + (int)(rng() % 4); m > 0; m--) {
                        size_t at = rng() % n;

                        switch (rng() % 3) {
                        case 0: payload[at] = (uint8_t)rng(); break;
                        case 1:
                                payload[at] = rng() % 2 ? 0x80 | (uint8_t)rng() : (uint8_t)(rng() % 4);
                                break;
                        default: n = MAX(at, (size_t)2 * n_events); break; /* cut short */
                        }
                }

                fd = file_with_block(payload, n, n_events, &crafted_end);
                free(payload);
                assert_int_equal(read_file(fd, &out, &d, &nd, &rs), 0);
                assert_true(out.n >= fx.blocks[0].n);
                assert_true(out.n <= n_events + fx.blocks[0].n);
                for (size_t i = 0; i < fx.blocks[0].n; i++)
                        assert_event_equal(&fx.ref.ev[i], &out.ev[out.n - fx.blocks[0].n + i]);
                assert_true(nd <= 1);
                if (nd == 1) {
                        assert_int_equal(d[0].offset, fx.header_size);
                        assert_int_equal(d[0].length, crafted_end - fx.header_size);
                }
                assert_int_equal(rs.blocks_ok + rs.blocks_bad, 2);
                free(d);
                evlist_done(&out);
                close(fd);
        }
}

/* Damage found on the first pass is not reported twice after a rewind. */
static void test_rewind_keeps_damage(void **state)
{
        const struct bl_damage *d;
        struct bl_reader_stats rs1, rs2;
        struct bl_reader *r;
        struct bl_event ev;
        uint8_t *copy = malloc(fx.size);
        size_t n1 = 0, n2 = 0;
        int fd = new_memfd(), k;

        assert_non_null(copy);
        memcpy(copy, fx.data, fx.size);
        copy[fx.blocks[3].start + 20] ^= 0x55;
        copy[fx.blocks[7].end - 1] ^= 0x55;
        assert_int_equal(write(fd, copy, fx.size - 5), (ssize_t)(fx.size - 5)); /* and a torn tail */
        free(copy);

        assert_int_equal(bl_reader_open_fd(fd, &r), 0);
        while ((k = bl_reader_next(r, &ev)) > 0) {
                n1++;
                bl_event_done(&ev);
        }
        assert_int_equal(k, 0);
        bl_reader_get_stats(r, &rs1);
        assert_int_equal(bl_reader_get_damage(r, &d), 3);
        assert_int_equal(d[0].offset, fx.blocks[3].start);
        assert_int_equal(d[0].length, fx.blocks[3].end - fx.blocks[3].start);
        assert_int_equal(d[1].offset, fx.blocks[7].start);
        assert_string_equal(d[1].reason, "checksum mismatch");
        assert_int_equal(d[2].offset, fx.blocks[fx.n_blocks - 1].start);
        assert_string_equal(d[2].reason, "truncated block");
        assert_false(rs1.clean_end);

        assert_int_equal(bl_reader_rewind(r), 0);
        while ((k = bl_reader_next(r, &ev)) > 0) {
                assert_event_equal(&fx.ref.ev[n2 < fx.blocks[3].first ? n2 : n2 + fx.blocks[3].n], &ev);
                n2++;
                bl_event_done(&ev);
                if (n2 == 5)
                        break;
        }
        assert_int_equal(bl_reader_rewind(r), 0);
        n2 = 0;
        while ((k = bl_reader_next(r, &ev)) > 0) {
                n2++;
                bl_event_done(&ev);
        }
        assert_int_equal(n1, n2);
        assert_int_equal(n1, fx.ref.n - 1 - fx.blocks[3].n - fx.blocks[7].n);
        assert_int_equal(bl_reader_get_damage(r, &d), 3);
        bl_reader_get_stats(r, &rs2);
        assert_int_equal(rs2.blocks_ok, rs1.blocks_ok);
        assert_int_equal(rs2.blocks_bad, rs1.blocks_bad);
        assert_int_equal(rs2.events, rs1.events);
        bl_reader_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_truncate_everywhere), cmocka_unit_test(test_corrupt_random),
                cmocka_unit_test(test_malformed_records),   cmocka_unit_test(test_mutated_records),
                cmocka_unit_test(test_rewind_keeps_damage),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
