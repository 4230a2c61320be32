/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the journal file reader: the input is a file's bytes. It is read
 * twice, each time from a memfd through bl_reader_open_fd():
 *  1. as it is, which mostly exercises the checksums, resynchronisation and
 *     the damage list;
 *  2. with every checksum made right (the file header's, and each block's
 *     header and payload CRC wherever a block magic is found), so mutations
 *     reach the block and record decoders behind them.
 * Each time every event is read, the damage and stats checked, then the file
 * read again after a rewind (same event count), then once more in follow
 * mode. Nothing may crash, leak or loop.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crc32c.h"
#include "event.h"
#include "format-def.h"
#include "fuzz.h"
#include "reader.h"

/* Touches every byte the event owns, so ASan sees a dangling or unterminated string. */
static void check_event(const struct bl_event *ev)
{
        const struct bl_proc_info *info = &ev->info;
        struct bl_event copy;
        size_t sum = 0;

        FUZZ_CHECK(ev->type > 0 && ev->type < _BL_EVENT_TYPE_MAX);
        FUZZ_CHECK(memchr(info->comm, 0, sizeof(info->comm)));
        if (info->argv)
                for (char **a = info->argv; *a; a++)
                        sum += strlen(*a);
        if (info->exe)
                sum += strlen(info->exe);
        if (info->cwd)
                sum += strlen(info->cwd);
        if (info->unit)
                sum += strlen(info->unit);
        if (ev->type == BL_EVENT_UNKNOWN)
                FUZZ_CHECK(ev->unknown.len <= BL_UNKNOWN_DATA_MAX);
        (void)sum;

        if (bl_event_copy(&copy, ev) >= 0)
                bl_event_done(&copy);
}

/* Reads to the end; returns the number of events. */
static uint64_t read_all(struct bl_reader *r)
{
        uint64_t n = 0;

        for (;;) {
                struct bl_event ev;
                int k;

                k = bl_reader_next(r, &ev);
                if (k <= 0)
                        break;
                check_event(&ev);
                bl_event_done(&ev);
                n++;
        }
        return n;
}

static void check_damage(const struct bl_reader *r, uint64_t file_size)
{
        const struct bl_damage *d;
        size_t n;

        n = bl_reader_get_damage(r, &d);
        for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(d[i].reason && strlen(d[i].reason) > 0);
                FUZZ_CHECK(d[i].offset <= file_size);
                FUZZ_CHECK(d[i].length <= file_size - d[i].offset);
                if (i > 0) /* in file order, never overlapping */
                        FUZZ_CHECK(d[i].offset >= d[i - 1].offset + d[i - 1].length);
        }
}

static void run(const uint8_t *data, size_t size)
{
        struct bl_reader_stats stats;
        struct bl_reader *r;
        uint64_t n1, n2;
        size_t n_damage;
        const struct bl_damage *d;
        int fd;

        fd = memfd_create("fuzz-reader", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0);
        for (size_t off = 0; off < size;) {
                ssize_t w = write(fd, data + off, size - off);

                FUZZ_CHECK(w > 0);
                off += (size_t)w;
        }

        if (bl_reader_open_fd(fd, &r) < 0)
                return; /* the reader closed fd */
        (void)bl_reader_get_info(r);

        n1 = read_all(r);
        bl_reader_get_stats(r, &stats);
        FUZZ_CHECK(stats.events == n1);
        FUZZ_CHECK(stats.file_size == size);
        check_damage(r, size);
        n_damage = bl_reader_get_damage(r, &d);

        /* Again from the start: the same events, the damage not counted twice. */
        FUZZ_CHECK(bl_reader_rewind(r) >= 0);
        n2 = read_all(r);
        FUZZ_CHECK(n2 == n1);
        FUZZ_CHECK(bl_reader_get_damage(r, &d) == n_damage);
        bl_reader_get_stats(r, &stats);
        FUZZ_CHECK(stats.events == n1);

        /* Follow mode: a torn last block is "not written yet", not damage. */
        FUZZ_CHECK(bl_reader_rewind(r) >= 0);
        bl_reader_set_follow(r, true);
        (void)read_all(r);
        FUZZ_CHECK(bl_reader_refresh(r) == 0);
        (void)read_all(r);
        check_damage(r, size);

        bl_reader_free(r);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        v = htole32(v);
        memcpy(p, &v, sizeof(v));
}

static uint32_t get_le32(const uint8_t *p)
{
        uint32_t v;

        memcpy(&v, p, sizeof(v));
        return le32toh(v);
}

/* Makes every checksum in buf right. Returns false if there was none to fix. */
static bool fix_checksums(uint8_t *buf, size_t size)
{
        const size_t bh = sizeof(struct bl_block_header);
        size_t hsize, off;
        bool fixed = false;

        if (size < sizeof(struct bl_file_header))
                return false;
        hsize = get_le32(buf + offsetof(struct bl_file_header, header_size));
        if (hsize >= sizeof(struct bl_file_header) && hsize <= BL_HEADER_SIZE_MAX && hsize <= size) {
                put_le32(buf + hsize - 4, bl_crc32c(0, buf, hsize - 4));
                fixed = true;
        } else
                hsize = sizeof(struct bl_file_header);

        for (off = hsize; off + bh <= size;) {
                uint8_t *p = memmem(buf + off, size - off, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
                size_t stored;

                if (!p || (size_t)(p - buf) + bh > size)
                        break;
                stored = get_le32(p + offsetof(struct bl_block_header, stored_size));
                if (stored <= size - (size_t)(p - buf) - bh)
                        put_le32(p + offsetof(struct bl_block_header, payload_crc),
                                 bl_crc32c(0, p + bh, stored));
                put_le32(p + offsetof(struct bl_block_header, header_crc),
                         bl_crc32c(0, p, offsetof(struct bl_block_header, header_crc)));
                fixed = true;
                off = (size_t)(p - buf) + BL_BLOCK_MAGIC_SIZE;
        }
        return fixed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *copy;

        run(data, size);

        copy = malloc(size ? size : 1);
        FUZZ_CHECK(copy);
        if (size)
                memcpy(copy, data, size);
        if (fix_checksums(copy, size) && memcmp(copy, data, size) != 0)
                run(copy, size);
        free(copy);
        return 0;
}
