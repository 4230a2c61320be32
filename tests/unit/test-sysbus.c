/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "macro.h"
#include "sysbus.h"

#define MANAGER "org.freedesktop.systemd1.Manager"
#define PATH    "/org/freedesktop/systemd1"

static ssize_t build_signal(uint8_t *buf, size_t size, uint32_t serial, const char *path, const char *member,
                            size_t body_size)
{
        struct sysbus_message m = {
                .type = SYSBUS_SIGNAL,
                .serial = serial,
                .path = path,
                .interface = MANAGER,
                .member = member,
                .signature = body_size > 0 ? "ay" : NULL,
        };
        uint8_t *body = NULL;
        ssize_t n;

        if (body_size > 0) {
                /* An "ay": length, then that many bytes. */
                body = calloc(1, body_size);
                assert_non_null(body);
                body[0] = (uint8_t)(body_size - 4);
                body[1] = (uint8_t)((body_size - 4) >> 8);
                body[2] = (uint8_t)((body_size - 4) >> 16);
        }
        n = sysbus_build(buf, size, &m, body, body_size);
        free(body);
        return n;
}

/* A reply to reply_serial: a variant of signature vsig holding value (8 bytes for "t", a string for "s"). */
static ssize_t build_get_reply(uint8_t *buf, size_t size, uint32_t reply_serial, const char *vsig,
                               uint64_t value)
{
        struct sysbus_message m = {
                .type = SYSBUS_METHOD_RETURN,
                .serial = 77,
                .reply_serial = reply_serial,
                .signature = "v",
        };
        uint8_t body[16] = { 1, (uint8_t)vsig[0], 0 };

        if (vsig[0] == 't')
                for (int i = 0; i < 8; i++)
                        body[8 + i] = (uint8_t)(value >> (8 * i));
        else {
                /* "s": length 1 at offset 4, "x", NUL. */
                body[4] = 1;
                body[8] = 'x';
        }
        return sysbus_build(buf, size, &m, body, vsig[0] == 't' ? 16 : 10);
}

static void test_build_parse(void **state)
{
        static const char *const args[] = { MANAGER, "FinishTimestampMonotonic" };
        struct sysbus_message m = {
                .type = SYSBUS_METHOD_CALL,
                .serial = 2,
                .destination = "org.freedesktop.systemd1",
                .path = PATH,
                .interface = "org.freedesktop.DBus.Properties",
                .member = "Get",
                .signature = "ss",
        }, p;
        uint8_t body[128], buf[512];
        ssize_t body_size, n;
        size_t need;

        body_size = sysbus_marshal_strings(body, sizeof(body), args, 2);
        /* 4 + 32 + 1, padded to 40, + 4 + 24 + 1 */
        assert_int_equal(body_size, 69);
        n = sysbus_build(buf, sizeof(buf), &m, body, (size_t)body_size);
        assert_true(n > 0);
        {
                uint8_t small[64];
                assert_int_equal(sysbus_build(small, sizeof(small), &m, body, (size_t)body_size), -ENOBUFS);
        }

        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &p, &need), 1);
        assert_int_equal(p.type, SYSBUS_METHOD_CALL);
        assert_false(p.big_endian);
        assert_int_equal(p.serial, 2);
        assert_int_equal(p.reply_serial, 0);
        assert_string_equal(p.path, PATH);
        assert_string_equal(p.interface, "org.freedesktop.DBus.Properties");
        assert_string_equal(p.member, "Get");
        assert_string_equal(p.destination, "org.freedesktop.systemd1");
        assert_string_equal(p.signature, "ss");
        assert_null(p.error_name);
        assert_int_equal(p.header_size % 8, 0);
        assert_int_equal(p.body_size, body_size);
        assert_int_equal(p.header_size + p.body_size, n);
        assert_memory_equal(buf + p.header_size, body, (size_t)body_size);

        /* Every shorter prefix: "more", and how much at least; never a wrong parse. */
        for (size_t len = 0; len < p.header_size; len++) {
                need = 0;
                assert_int_equal(sysbus_parse_header(buf, len, &p, &need), 0);
                assert_true(need > len && need <= p.header_size);
        }
}

/* Parses buf with byte i set to v: must be refused, or parse to something within the buffer. */
static void check_mutation(const uint8_t *good, size_t n, size_t i, uint8_t v)
{
        uint8_t buf[512];
        struct sysbus_message m;
        size_t need = 0;
        int r;

        memcpy(buf, good, n);
        buf[i] = v;
        r = sysbus_parse_header(buf, n, &m, &need);
        assert_true(r == -EBADMSG || r == 0 || r == 1);
        if (r == 0)
                assert_true(need > n);
        if (r == 1) {
                const char *strs[] = { m.path,       m.interface,   m.member,
                                       m.error_name, m.destination, m.signature };

                assert_true(m.header_size <= n);
                for (size_t k = 0; k < ELEMENTSOF(strs); k++)
                        if (strs[k])
                                assert_true((const uint8_t *)strs[k] >= buf &&
                                            (const uint8_t *)strs[k] + strlen(strs[k]) <
                                                buf + m.header_size);
        }
}

static void test_parse_corrupt(void **state)
{
        uint8_t good[512], buf[512];
        struct sysbus_message m;
        ssize_t n;
        size_t need;

        n = build_signal(good, sizeof(good), 9, PATH, "StartupFinished", 0);
        assert_true(n > 0);
        assert_int_equal(sysbus_parse_header(good, (size_t)n, &m, &need), 1);
        assert_int_equal(m.type, SYSBUS_SIGNAL);
        assert_string_equal(m.member, "StartupFinished");

#define CORRUPT(offset, value)                                                                              \
        do {                                                                                                \
                memcpy(buf, good, (size_t)n);                                                               \
                buf[offset] = (value);                                                                      \
                assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, &need), -EBADMSG);                 \
        } while (0)

        CORRUPT(0, 'x'); /* endianness */
        CORRUPT(1, 0);   /* type */
        CORRUPT(3, 2);   /* protocol version */
        /* Serial 0. */
        memcpy(buf, good, (size_t)n);
        memset(buf + 8, 0, 4);
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, &need), -EBADMSG);
        /* A header larger than we take: refused at once, not waited for. */
        CORRUPT(15, 0xff);
        CORRUPT(13, 0x40);
        /* A body beyond the protocol's limit. */
        CORRUPT(7, 0x20);
        /* The first field is PATH: code at 16, signature "o" at 17..19, string length at 20. */
        assert_int_equal(good[16], 1);
        assert_int_equal(good[18], 'o');
        CORRUPT(18, 's');  /* PATH as a string */
        CORRUPT(20, 0xf0); /* its length past the array */
        CORRUPT(21, 0x10);
        CORRUPT(24 + strlen(PATH), 'x'); /* its NUL */
        CORRUPT(26, 0);                  /* a NUL inside it */
        CORRUPT(17, 2);                  /* the variant's signature length */
        /* Padding after PATH (it ends at 24 + 25 + 1 = 50; the next field starts at 56). */
        CORRUPT(52, 1);
        /* The field array's length cut: its last field overruns it. */
        memcpy(buf, good, (size_t)n);
        assert_true(buf[12] >= 3);
        buf[12] -= 3;
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, &need), -EBADMSG);

        /* A signal without a member. */
        n = build_signal(buf, sizeof(buf), 9, PATH, NULL, 0);
        assert_true(n > 0);
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, &need), -EBADMSG);

        /* Every byte of a message with a body, set to a few telling values: never out of bounds. */
        n = build_signal(good, sizeof(good), 10, PATH, "UnitNew", 40);
        assert_true(n > 0);
        for (size_t i = 0; i < (size_t)n; i++) {
                static const uint8_t values[] = { 0, 1, 2, 7, 8, 'o', 's', 'g', 'u', 'v', 0x7f, 0x80, 0xff };

                for (size_t v = 0; v < ELEMENTSOF(values); v++)
                        check_mutation(good, (size_t)n, i, values[v]);
        }
        /* And truncated anywhere: "more" or refused, never parsed from bytes that are not there. */
        for (size_t len = 0; len < (size_t)n; len++) {
                int r = sysbus_parse_header(good, len, &m, &need);

                assert_true(r == 0 || (r == 1 && m.header_size <= len));
        }
}

static void test_variant(void **state)
{
        uint8_t buf[256];
        struct sysbus_message m;
        uint64_t v = 0;
        ssize_t n;

        n = build_get_reply(buf, sizeof(buf), 2, "t", UINT64_C(0x1122334455667788));
        assert_true(n > 0);
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, NULL), 1);
        assert_int_equal(m.reply_serial, 2);
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), 0);
        assert_true(v == UINT64_C(0x1122334455667788));

        /* A string where a uint64 was asked for. */
        n = build_get_reply(buf, sizeof(buf), 2, "s", 0);
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, NULL), 1);
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), -EBADMSG);

        /* A body too short for its value, or longer than it. */
        n = build_get_reply(buf, sizeof(buf), 2, "t", 5);
        assert_int_equal(sysbus_parse_header(buf, (size_t)n, &m, NULL), 1);
        m.body_size = 12;
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), -EBADMSG);
        m.body_size = 17;
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), -EBADMSG);
        m.body_size = 16;
        /* Non-zero padding between the signature and the value. */
        buf[m.header_size + 5] = 1;
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), -EBADMSG);
        buf[m.header_size + 5] = 0;
        /* Not a variant at all. */
        m.signature = "t";
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), -EBADMSG);
        m.signature = "v";
        assert_int_equal(sysbus_parse_variant_u64(&m, buf + m.header_size, &v), 0);
        assert_int_equal(v, 5);

        /* Big-endian, written out by hand: a reply to serial 2 holding 3. */
        {
                static const uint8_t be[] = {
                        'B', 2,   0,   1, 0, 0,   0, 16,
                        0,   0,   0,   5, 0, 0,   0, 15, /* fixed part */
                        5,   1,   'u', 0, 0, 0,   0, 2,
                        8,   1,   'g', 0, 1, 'v', 0, 0, /* REPLY_SERIAL, SIGNATURE */
                        1,   't', 0,   0, 0, 0,   0, 0,
                        0,   0,   0,   0, 0, 0,   0, 3, /* body */
                };

                assert_int_equal(sysbus_parse_header(be, sizeof(be), &m, NULL), 1);
                assert_true(m.big_endian);
                assert_int_equal(m.reply_serial, 2);
                assert_int_equal(m.header_size, 32);
                assert_int_equal(sysbus_parse_variant_u64(&m, be + m.header_size, &v), 0);
                assert_int_equal(v, 3);
        }
}

struct peer {
        struct sysbus *bus;
        int fd; /* the test's side: plays systemd */
};

static void peer_open(struct peer *p, uid_t uid)
{
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(sysbus_open_fd(sv[0], uid, &p->bus), 0);
        p->fd = sv[1];
}

static void peer_close(struct peer *p)
{
        p->bus = sysbus_free(p->bus);
        p->fd = safe_close(p->fd);
}

static size_t peer_read(struct peer *p, uint8_t *buf, size_t size)
{
        ssize_t n = recv(p->fd, buf, size, MSG_DONTWAIT);

        assert_true(n >= 0);
        return (size_t)n;
}

static void peer_write(struct peer *p, const void *buf, size_t size)
{
        assert_int_equal(send(p->fd, buf, size, MSG_NOSIGNAL), (ssize_t)size);
}

/* Authenticates; returns the serials of the two calls after checking them. */
static void peer_handshake(struct peer *p)
{
        uint8_t buf[2048];
        struct sysbus_message m;
        size_t n, off;

        assert_int_equal(sysbus_process(p->bus), 0);
        n = peer_read(p, buf, sizeof(buf));
        assert_int_equal(n, 19);
        assert_memory_equal(buf, "\0AUTH EXTERNAL 30\r\n", 19);
        /* Nothing more until the server agreed. */
        assert_int_equal(sysbus_get_events(p->bus), EPOLLIN);

        peer_write(p, "OK 0123456789abcdef0123456789abcdef\r\n", 37);
        assert_int_equal(sysbus_process(p->bus), 0);
        n = peer_read(p, buf, sizeof(buf));
        assert_true(n > 7);
        assert_memory_equal(buf, "BEGIN\r\n", 7);
        off = 7;
        assert_int_equal(sysbus_parse_header(buf + off, n - off, &m, NULL), 1);
        assert_int_equal(m.type, SYSBUS_METHOD_CALL);
        assert_string_equal(m.member, "Subscribe");
        assert_string_equal(m.interface, MANAGER);
        assert_string_equal(m.path, PATH);
        assert_string_equal(m.destination, "org.freedesktop.systemd1");
        assert_int_equal(m.serial, 1);
        off += m.header_size + m.body_size;
        assert_int_equal(sysbus_parse_header(buf + off, n - off, &m, NULL), 1);
        assert_string_equal(m.member, "Get");
        assert_string_equal(m.interface, "org.freedesktop.DBus.Properties");
        assert_string_equal(m.signature, "ss");
        assert_int_equal(m.serial, 2);
        /* Its arguments: the interface and the property. */
        assert_int_equal(buf[off + m.header_size], strlen(MANAGER));
        assert_string_equal((const char *)buf + off + m.header_size + 4, MANAGER);
        assert_string_equal((const char *)buf + off + m.header_size + 44, "FinishTimestampMonotonic");
        off += m.header_size + m.body_size;
        assert_int_equal(off, n);
}

static void peer_reply(struct peer *p, uint32_t reply_serial)
{
        struct sysbus_message m = { .type = SYSBUS_METHOD_RETURN,
                                    .serial = 50 + reply_serial,
                                    .reply_serial = reply_serial };
        uint8_t buf[128];
        ssize_t n = sysbus_build(buf, sizeof(buf), &m, NULL, 0);

        assert_true(n > 0);
        peer_write(p, buf, (size_t)n);
}

static void test_conversation(void **state)
{
        struct peer p;
        uint8_t buf[512], *big;
        size_t big_size = 200 * 1024, sent = 0;
        ssize_t n;

        peer_open(&p, 0);
        peer_handshake(&p);
        peer_reply(&p, 1);
        n = build_get_reply(buf, sizeof(buf), 2, "t", 0);
        peer_write(&p, buf, (size_t)n);
        /* Not finished yet: FinishTimestampMonotonic is 0. */
        assert_int_equal(sysbus_process(p.bus), 0);

        /* A large signal of no interest, arriving in pieces: skipped, not buffered. */
        big = malloc(big_size + 512);
        assert_non_null(big);
        n = build_signal(big, big_size + 512, 11, "/org/freedesktop/systemd1/unit/foo", "UnitNew", big_size);
        assert_true(n > (ssize_t)big_size);
        while (sent < (size_t)n) {
                size_t chunk = MIN((size_t)n - sent, (size_t)7000);

                peer_write(&p, big + sent, chunk);
                sent += chunk;
                assert_int_equal(sysbus_process(p.bus), 0);
        }
        free(big);

        /* StartupFinished from elsewhere does not count; then the real one, split mid-header. */
        n = build_signal(buf, sizeof(buf), 12, "/org/freedesktop/other", "StartupFinished", 0);
        peer_write(&p, buf, (size_t)n);
        assert_int_equal(sysbus_process(p.bus), 0);
        n = build_signal(buf, sizeof(buf), 13, PATH, "StartupFinished", 48);
        peer_write(&p, buf, 30);
        assert_int_equal(sysbus_process(p.bus), 0);
        peer_write(&p, buf + 30, (size_t)n - 30);
        assert_int_equal(sysbus_process(p.bus), 1);
        /* It stays known even when systemd goes away. */
        p.fd = safe_close(p.fd);
        assert_int_equal(sysbus_process(p.bus), 1);
        peer_close(&p);
}

static void test_finished_already(void **state)
{
        struct peer p;
        uint8_t buf[256];
        ssize_t n;

        peer_open(&p, 1000);
        assert_int_equal(sysbus_process(p.bus), 0);
        n = (ssize_t)peer_read(&p, buf, sizeof(buf));
        /* "1000", hex-encoded. */
        assert_int_equal(n, 25);
        assert_memory_equal(buf, "\0AUTH EXTERNAL 31303030\r\n", 25);
        peer_close(&p);

        peer_open(&p, 0);
        peer_handshake(&p);
        peer_reply(&p, 1);
        n = build_get_reply(buf, sizeof(buf), 2, "t", 123456789);
        peer_write(&p, buf, (size_t)n);
        assert_int_equal(sysbus_process(p.bus), 1);
        peer_close(&p);
}

static void test_failures(void **state)
{
        struct sysbus_message m = { .type = SYSBUS_ERROR,
                                    .serial = 5,
                                    .reply_serial = 1,
                                    .error_name = "org.freedesktop.DBus.Error.AccessDenied" };
        struct peer p;
        uint8_t buf[256];
        ssize_t n;

        /* Refused. */
        peer_open(&p, 0);
        assert_int_equal(sysbus_process(p.bus), 0);
        peer_write(&p, "REJECTED EXTERNAL\r\n", 19);
        assert_int_equal(sysbus_process(p.bus), -EACCES);
        peer_close(&p);

        /* An endless SASL line. */
        peer_open(&p, 0);
        memset(buf, 'O', sizeof(buf));
        for (int i = 0; i < 4; i++)
                peer_write(&p, buf, sizeof(buf));
        assert_int_equal(sysbus_process(p.bus), -EPROTO);
        peer_close(&p);

        /* An error answer to Subscribe. */
        peer_open(&p, 0);
        peer_handshake(&p);
        n = sysbus_build(buf, sizeof(buf), &m, NULL, 0);
        peer_write(&p, buf, (size_t)n);
        assert_int_equal(sysbus_process(p.bus), -EIO);
        peer_close(&p);

        /* Garbage after the handshake. */
        peer_open(&p, 0);
        peer_handshake(&p);
        peer_write(&p, "GARBAGE GARBAGE GARBAGE", 23);
        assert_int_equal(sysbus_process(p.bus), -EBADMSG);
        peer_close(&p);

        /* A Get answer of the wrong type. */
        peer_open(&p, 0);
        peer_handshake(&p);
        n = build_get_reply(buf, sizeof(buf), 2, "s", 0);
        peer_write(&p, buf, (size_t)n);
        assert_int_equal(sysbus_process(p.bus), -EBADMSG);
        peer_close(&p);

        /* systemd went away (re-exec): the caller connects again. */
        peer_open(&p, 0);
        peer_handshake(&p);
        p.fd = safe_close(p.fd);
        assert_int_equal(sysbus_process(p.bus), -ECONNRESET);
        peer_close(&p);

        /* Nobody listening. */
        assert_int_equal(sysbus_connect("/nonexistent/bootlog-test.socket", 0, &p.bus), -ENOENT);
}

static void check_notify(const char *name)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
        char buf[64];

        memcpy(sa.sun_path, name, strlen(name));
        if (name[0] == '@')
                sa.sun_path[0] = 0;
        else
                len++;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
        assert_int_equal(sysbus_notify(name, "READY=1\nSTATUS=x"), 0);
        assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 16);
        assert_memory_equal(buf, "READY=1\nSTATUS=x", 16);
        if (name[0] == '/')
                unlink(name);
}

static void test_notify(void **state)
{
        char name[64];

        snprintf(name, sizeof(name), "/tmp/test-sysbus-%d.notify", (int)getpid());
        (void)unlink(name);
        check_notify(name);
        snprintf(name, sizeof(name), "@test-sysbus-%d", (int)getpid());
        check_notify(name);
        /* No service manager: nothing to do. */
        assert_int_equal(sysbus_notify(NULL, "READY=1"), 0);
        assert_int_equal(sysbus_notify("", "READY=1"), 0);
        assert_int_equal(sysbus_notify("relative", "READY=1"), -EAFNOSUPPORT);
        /* Nobody there. */
        assert_int_equal(sysbus_notify("/nonexistent/notify", "READY=1"), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_parse),      cmocka_unit_test(test_parse_corrupt),
                cmocka_unit_test(test_variant),          cmocka_unit_test(test_conversation),
                cmocka_unit_test(test_finished_already), cmocka_unit_test(test_failures),
                cmocka_unit_test(test_notify),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
