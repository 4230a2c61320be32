/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader on files it did not get from this writer: bad headers give the
 * documented errors, a longer header and unknown compatible flags are read,
 * and records of unknown types or with fields from a newer version are
 * skipped without losing the events around them.
 */
#include <endian.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "crc32c.h"
#include "format-def.h"
#include "journal-fixture.h"
#include "varint.h"

/* ---- header errors ---- */

static int open_bytes(const void *data, size_t n)
{
        struct bl_reader *r = NULL;
        int fd = new_memfd(), k;

        assert_int_equal(write(fd, data, n), (ssize_t)n);
        k = bl_reader_open_fd(fd, &r);
        if (k == 0)
                bl_reader_free(r);
        else
                assert_null(r);
        return k;
}

static void fix_header_crc(uint8_t *file, size_t header_size)
{
        le32_t crc = htole32(bl_crc32c(0, file, header_size - 4));

        memcpy(file + header_size - 4, &crc, 4);
}

static void test_header_errors(void **state)
{
        struct evlist in = {}, out = {};
        struct bl_reader *r;
        uint8_t *file, *big;
        struct stat s;
        int fd = new_memfd();
        const size_t hs = sizeof(struct bl_file_header);
        uint64_t flags;
        uint32_t v;

        rng_state = 14;
        make_random_events(&in, 20);
        write_events(fd, &in, 0);
        assert_int_equal(fstat(fd, &s), 0);
        file = malloc(s.st_size);
        assert_non_null(file);
        assert_int_equal(pread(fd, file, s.st_size, 0), s.st_size);

        assert_int_equal(open_bytes(file, s.st_size), 0);
        assert_int_equal(open_bytes(file, 0), -EBADMSG);
        assert_int_equal(open_bytes(file, 4), -EBADMSG);
        assert_int_equal(open_bytes(file, 8), -EBADMSG);
        assert_int_equal(open_bytes(file, hs - 1), -EBADMSG);
        assert_int_equal(open_bytes(file, hs), 0); /* a header and no block yet: a file just started */
        assert_int_equal(open_bytes("#!/bin/sh\necho hello, this is not a journal file at all\n", 57),
                         -EBADMSG);
        assert_int_equal(bl_reader_open("/nonexistent/bootlog.journal", &r), -ENOENT);

        /* Any flipped bit in the header: the CRC says no. */
        file[100] ^= 0x10;
        assert_int_equal(open_bytes(file, s.st_size), -EBADMSG);
        file[100] ^= 0x10;
        file[0] = 'b';
        assert_int_equal(open_bytes(file, s.st_size), -EBADMSG);
        file[0] = 'B';

        /* A newer version, an unknown incompatible flag: refused, even with a good CRC. */
        v = htole32(BL_FORMAT_VERSION + 1);
        memcpy(file + offsetof(struct bl_file_header, version), &v, 4);
        fix_header_crc(file, hs);
        assert_int_equal(open_bytes(file, s.st_size), -EPROTONOSUPPORT);
        v = htole32(BL_FORMAT_VERSION);
        memcpy(file + offsetof(struct bl_file_header, version), &v, 4);
        flags = htole64(BL_HEADER_INCOMPAT_COMPRESSED_ZSTD | (UINT64_C(1) << 40));
        memcpy(file + offsetof(struct bl_file_header, incompatible_flags), &flags, 8);
        fix_header_crc(file, hs);
        assert_int_equal(open_bytes(file, s.st_size), -EPROTONOSUPPORT);

        /* An unknown compatible flag is fine, and reported. */
        flags = htole64(BL_HEADER_INCOMPAT_COMPRESSED_ZSTD);
        memcpy(file + offsetof(struct bl_file_header, incompatible_flags), &flags, 8);
        flags = htole64(UINT64_C(1) << 3);
        memcpy(file + offsetof(struct bl_file_header, compatible_flags), &flags, 8);
        fix_header_crc(file, hs);
        assert_int_equal(pwrite(fd, file, hs, 0), (ssize_t)hs);
        r = read_events(fd, &out);
        assert_int_equal(bl_reader_get_info(r)->compatible_flags, UINT64_C(1) << 3);
        assert_int_equal(out.n, in.n + 1);
        bl_reader_free(r);
        evlist_done(&out);

        /* A longer header from a newer minor revision: fields appended before the CRC, blocks after it. */
        big = calloc(1, s.st_size + 16);
        assert_non_null(big);
        memcpy(big, file, hs - 4);
        memset(big + hs - 4, 0xee, 16);
        v = htole32(hs + 16);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        fix_header_crc(big, hs + 16);
        memcpy(big + hs + 16, file + hs, s.st_size - hs);
        {
                int fd2 = new_memfd();

                assert_int_equal(write(fd2, big, s.st_size + 16), s.st_size + 16);
                r = read_events(fd2, &out);
                assert_int_equal(out.n, in.n + 1);
                for (size_t i = 0; i < in.n; i++)
                        assert_event_equal(&in.ev[i], &out.ev[i]);
                assert_no_damage(r);
                bl_reader_free(r);
                evlist_done(&out);
                close(fd2);
        }
        /* header_size smaller than version 1's, or past the end of the file. */
        v = htole32(hs - 8);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        assert_int_equal(open_bytes(big, s.st_size + 16), -EBADMSG);
        v = htole32(s.st_size + 100);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        assert_int_equal(open_bytes(big, s.st_size + 16), -EBADMSG);

        free(big);
        free(file);
        evlist_done(&in);
        close(fd);
}

/* ---- forward compatibility of records ---- */

static uint8_t *put_v(uint8_t *p, uint64_t v)
{
        return p + bl_varint_encode(p, v);
}

/* Appends a block of raw records (stored, not compressed) with correct checksums. */
static void append_raw_block(int fd, const uint8_t *payload, size_t n, uint32_t n_events, uint64_t seq)
{
        struct bl_block_header h = {};
        struct stat s;

        memcpy(h.magic, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
        h.seq = htole64(seq);
        h.flags = htole32(BL_BLOCK_COMPRESSION_NONE);
        h.stored_size = htole32(n);
        h.uncompressed_size = htole32(n);
        h.n_events = htole32(n_events);
        h.payload_crc = htole32(bl_crc32c(0, payload, n));
        h.header_crc = htole32(bl_crc32c(0, &h, offsetof(struct bl_block_header, header_crc)));
        assert_int_equal(fstat(fd, &s), 0);
        assert_int_equal(pwrite(fd, &h, sizeof(h), s.st_size), sizeof(h));
        assert_int_equal(pwrite(fd, payload, n, s.st_size + sizeof(h)), (ssize_t)n);
}

static void test_unknown_record_types_skipped(void **state)
{
        struct bl_file_info info = test_info();
        struct evlist out = {};
        struct bl_reader *r;
        struct bl_writer *w;
        uint8_t payload[128], body[64], *p = payload, *b;
        int fd = new_memfd();

        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, NULL, &w), 0);
        bl_writer_free(w);

        /* Type 200 from some future version: common fields, then 5 bytes of its own. */
        b = body;
        b = put_v(b, bl_zigzag_encode(1000)); /* ts 1000 */
        b = put_v(b, 2);                      /* cpu */
        b = put_v(b, bl_zigzag_encode(500));  /* pid 500 */
        b = put_v(b, 0);                      /* tid = pid */
        memcpy(b, "\xff\xff\xff\xff\x7f", 5);
        b += 5;
        *p++ = 200;
        p = put_v(p, b - body);
        memcpy(p, body, b - body);
        p += b - body;

        /* A fork with a field appended by a future version: the known fields come back, the rest is skipped.
         */
        b = body;
        b = put_v(b, bl_zigzag_encode(5));  /* ts 1005: the delta chain goes through the skipped record */
        b = put_v(b, 1);                    /* cpu */
        b = put_v(b, bl_zigzag_encode(3));  /* pid 503 */
        b = put_v(b, bl_zigzag_encode(1));  /* tid 504 */
        b = put_v(b, bl_zigzag_encode(-3)); /* parent pid 500 */
        b = put_v(b, 0);                    /* parent tid 500 */
        b = put_v(b, 123456);               /* the future field */
        *p++ = BL_EVENT_FORK;
        p = put_v(p, b - body);
        memcpy(p, body, b - body);
        p += b - body;

        append_raw_block(fd, payload, p - payload, 2, 0);
        r = read_events(fd, &out);
        assert_int_equal(out.n, 1);
        assert_int_equal(out.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(out.ev[0].ts_ns, 1005);
        assert_int_equal(out.ev[0].cpu, 1);
        assert_int_equal(out.ev[0].pid, 503);
        assert_int_equal(out.ev[0].tid, 504);
        assert_int_equal(out.ev[0].fork.parent_pid, 500);
        assert_int_equal(out.ev[0].fork.parent_tid, 500);
        assert_no_damage(r);
        bl_reader_free(r);
        evlist_done(&out);
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_errors),
                cmocka_unit_test(test_unknown_record_types_skipped),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
