/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sd_notify, the bus signal of start-up's end and journald's native
 * protocol, spoken by bootlogd itself; see sysbus.h.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "macro.h"
#include "sysbus.h"

/* Header fields (D-Bus specification, "Message Format"). */
enum {
        FIELD_PATH = 1,
        FIELD_INTERFACE = 2,
        FIELD_MEMBER = 3,
        FIELD_ERROR_NAME = 4,
        FIELD_REPLY_SERIAL = 5,
        FIELD_DESTINATION = 6,
        FIELD_SENDER = 7,
        FIELD_SIGNATURE = 8,
        FIELD_UNIX_FDS = 9,
};

/* Larger headers are refused: ours and systemd's are a few hundred bytes. */
#define FIELDS_MAX 4096
/* The specification's limit for a whole message; bodies we only skip may be this large. */
#define MESSAGE_MAX (UINT32_C(128) * 1024 * 1024)
/* Room for the biggest header we accept plus the one body we read (a variant holding a uint64). */
#define IN_SIZE (16 + FIELDS_MAX + 8 + 64)
/* The longest SASL line we wait for. */
#define AUTH_LINE_MAX 512

#define SERIAL_SUBSCRIBE 1
#define SERIAL_GET       2

#define SYSTEMD_NAME      "org.freedesktop.systemd1"
#define SYSTEMD_PATH      "/org/freedesktop/systemd1"
#define MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

int sysbus_notify(const char *path, const char *text)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        size_t len;
        socklen_t salen;

        if (!path || !*path)
                return 0;
        if (path[0] != '/' && path[0] != '@')
                return -EAFNOSUPPORT;
        len = strlen(path);
        if (len >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, len);
        if (path[0] == '@')
                /* Abstract: the name is the bytes after the NUL, exactly as long as given. */
                sa.sun_path[0] = 0;
        else
                len++;
        salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (sendto(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa, salen) < 0)
                return negative_errno();
        return 0;
}

/* Reading, bounds-checked; alignment counts from the start of buf, as D-Bus counts from the message's. */
struct reader {
        const uint8_t *buf;
        size_t end, pos;
        bool big_endian;
};

static bool read_align(struct reader *r, size_t a)
{
        size_t to = (r->pos + a - 1) & ~(a - 1);

        if (to > r->end)
                return false;
        for (; r->pos < to; r->pos++)
                if (r->buf[r->pos] != 0)
                        return false;
        return true;
}

static bool read_u8(struct reader *r, uint8_t *ret)
{
        if (r->pos >= r->end)
                return false;
        *ret = r->buf[r->pos++];
        return true;
}

static uint32_t get_u32(const uint8_t *p, bool big_endian)
{
        if (big_endian)
                return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool read_u32(struct reader *r, uint32_t *ret)
{
        if (!read_align(r, 4) || r->end - r->pos < 4)
                return false;
        *ret = get_u32(r->buf + r->pos, r->big_endian);
        r->pos += 4;
        return true;
}

static bool read_u64(struct reader *r, uint64_t *ret)
{
        uint64_t hi, lo;

        if (!read_align(r, 8) || r->end - r->pos < 8)
                return false;
        lo = get_u32(r->buf + r->pos, r->big_endian);
        hi = get_u32(r->buf + r->pos + 4, r->big_endian);
        *ret = r->big_endian ? (lo << 32 | hi) : (hi << 32 | lo);
        r->pos += 8;
        return true;
}

/* len bytes, then a NUL, none inside. */
static bool read_chars(struct reader *r, size_t len, const char **ret)
{
        const char *s = (const char *)r->buf + r->pos;

        if (r->end - r->pos <= len || s[len] != 0 || memchr(s, 0, len))
                return false;
        r->pos += len + 1;
        *ret = s;
        return true;
}

/* STRING and OBJECT_PATH: a uint32 length. */
static bool read_string(struct reader *r, const char **ret)
{
        uint32_t len;

        return read_u32(r, &len) && read_chars(r, len, ret);
}

/* SIGNATURE: a byte length. */
static bool read_signature(struct reader *r, const char **ret)
{
        uint8_t len;

        return read_u8(r, &len) && read_chars(r, len, ret);
}

/* Skips a value of a basic (fixed or string-like) type; false for containers and junk. */
static bool skip_basic(struct reader *r, char type)
{
        const char *s;
        uint64_t v64;
        uint32_t v32;
        uint8_t v8;

        switch (type) {
        case 'y': return read_u8(r, &v8);
        case 'n':
        case 'q':
                if (!read_align(r, 2) || r->end - r->pos < 2)
                        return false;
                r->pos += 2;
                return true;
        case 'b':
        case 'i':
        case 'u':
        case 'h': return read_u32(r, &v32);
        case 'x':
        case 't':
        case 'd': return read_u64(r, &v64);
        case 's':
        case 'o': return read_string(r, &s);
        case 'g': return read_signature(r, &s);
        default: return false;
        }
}

int sysbus_parse_header(const uint8_t *buf, size_t size, struct sysbus_message *ret, size_t *ret_need)
{
        struct sysbus_message m = {};
        struct reader r;
        uint32_t fields_len;
        size_t header_size;

        if (size < 16) {
                if (ret_need)
                        *ret_need = 16;
                return 0;
        }
        if (buf[0] != 'l' && buf[0] != 'B')
                return -EBADMSG;
        m.big_endian = buf[0] == 'B';
        m.type = buf[1];
        /* buf[2]: flags, nothing for us. */
        if (m.type == 0 || buf[3] != 1)
                return -EBADMSG;
        m.body_size = get_u32(buf + 4, m.big_endian);
        m.serial = get_u32(buf + 8, m.big_endian);
        fields_len = get_u32(buf + 12, m.big_endian);
        if (m.serial == 0 || fields_len > FIELDS_MAX || m.body_size > MESSAGE_MAX)
                return -EBADMSG;
        header_size = (16 + (size_t)fields_len + 7) & ~(size_t)7;
        if (size < header_size) {
                if (ret_need)
                        *ret_need = header_size;
                return 0;
        }

        r = (struct reader){ .buf = buf, .end = 16 + fields_len, .pos = 16, .big_endian = m.big_endian };
        while (r.pos < r.end) {
                const char *sig, **str = NULL;
                uint8_t code;

                if (!read_align(&r, 8) || !read_u8(&r, &code) || !read_signature(&r, &sig))
                        return -EBADMSG;
                switch (code) {
                case FIELD_PATH:
                        if (!streq(sig, "o") || !read_string(&r, &m.path))
                                return -EBADMSG;
                        break;
                case FIELD_INTERFACE: str = &m.interface; break;
                case FIELD_MEMBER: str = &m.member; break;
                case FIELD_ERROR_NAME: str = &m.error_name; break;
                case FIELD_DESTINATION: str = &m.destination; break;
                case FIELD_REPLY_SERIAL:
                        if (!streq(sig, "u") || !read_u32(&r, &m.reply_serial) || m.reply_serial == 0)
                                return -EBADMSG;
                        break;
                case FIELD_SIGNATURE:
                        if (!streq(sig, "g") || !read_signature(&r, &m.signature))
                                return -EBADMSG;
                        break;
                default:
                        /* SENDER, UNIX_FDS and fields unknown to us: skipped, if they are simple. */
                        if (strlen(sig) != 1)
                                return -EBADMSG;
                        if (!skip_basic(&r, sig[0]))
                                return -EBADMSG;
                        break;
                }
                if (str && (!streq(sig, "s") || !read_string(&r, str)))
                        return -EBADMSG;
        }
        /* Nothing may overrun the array, and the padding after it is zero. */
        if (r.pos != r.end ||
            !read_align(&(struct reader){ .buf = buf, .end = header_size, .pos = r.end }, 8))
                return -EBADMSG;

        /* What each type needs (a body needs its signature). */
        if ((m.type == SYSBUS_METHOD_CALL && (!m.path || !m.member)) ||
            (m.type == SYSBUS_SIGNAL && (!m.path || !m.interface || !m.member)) ||
            (m.type == SYSBUS_ERROR && (!m.error_name || m.reply_serial == 0)) ||
            (m.type == SYSBUS_METHOD_RETURN && m.reply_serial == 0) || (m.body_size > 0 && !m.signature))
                return -EBADMSG;

        m.header_size = header_size;
        *ret = m;
        return 1;
}

int sysbus_parse_variant_u64(const struct sysbus_message *m, const uint8_t *body, uint64_t *ret)
{
        struct reader r = { .buf = body, .end = m->body_size, .big_endian = m->big_endian };
        const char *sig;
        uint64_t v;

        if (!m->signature || !streq(m->signature, "v"))
                return -EBADMSG;
        if (!read_signature(&r, &sig) || !streq(sig, "t") || !read_u64(&r, &v) || r.pos != r.end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* Writing: bounds-checked, little-endian; a write past the end only marks the buffer as overflowed. */
struct writer {
        uint8_t *buf;
        size_t size, pos;
        bool overflow;
};

static void write_bytes(struct writer *w, const void *p, size_t n)
{
        if (w->overflow || w->size - w->pos < n) {
                w->overflow = true;
                return;
        }
        if (n == 0) /* p may be NULL then (an empty body) */
                return;
        memcpy(w->buf + w->pos, p, n);
        w->pos += n;
}

static void write_align(struct writer *w, size_t a)
{
        static const uint8_t zero[8] = {};

        write_bytes(w, zero, ((w->pos + a - 1) & ~(a - 1)) - w->pos);
}

static void write_u32(struct writer *w, uint32_t v)
{
        uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

        write_align(w, 4);
        write_bytes(w, b, 4);
}

static void write_string(struct writer *w, const char *s)
{
        size_t len = strlen(s);

        write_u32(w, (uint32_t)len);
        write_bytes(w, s, len + 1);
}

static void write_signature(struct writer *w, const char *s)
{
        uint8_t len = (uint8_t)strlen(s);

        write_bytes(w, &len, 1);
        write_bytes(w, s, (size_t)len + 1);
}

static void write_field(struct writer *w, uint8_t code, const char *type, const char *s)
{
        if (!s)
                return;
        write_align(w, 8);
        write_bytes(w, &code, 1);
        write_signature(w, type);
        if (type[0] == 'g')
                write_signature(w, s);
        else
                write_string(w, s);
}

ssize_t sysbus_build(uint8_t *buf, size_t size, const struct sysbus_message *m, const uint8_t *body,
                     size_t body_size)
{
        struct writer w = { .buf = buf, .size = size };
        uint8_t fixed[4] = { 'l', m->type, 0, 1 };
        size_t fields_len;

        if (body_size > MESSAGE_MAX || (body_size > 0 && !m->signature))
                return -EINVAL;
        write_bytes(&w, fixed, 4);
        write_u32(&w, (uint32_t)body_size);
        write_u32(&w, m->serial);
        write_u32(&w, 0); /* the fields' length, below */
        write_field(&w, FIELD_PATH, "o", m->path);
        write_field(&w, FIELD_INTERFACE, "s", m->interface);
        write_field(&w, FIELD_MEMBER, "s", m->member);
        write_field(&w, FIELD_ERROR_NAME, "s", m->error_name);
        if (m->reply_serial != 0) {
                uint8_t code = FIELD_REPLY_SERIAL;

                write_align(&w, 8);
                write_bytes(&w, &code, 1);
                write_signature(&w, "u");
                write_u32(&w, m->reply_serial);
        }
        write_field(&w, FIELD_DESTINATION, "s", m->destination);
        write_field(&w, FIELD_SIGNATURE, "g", m->signature);
        fields_len = w.pos - 16;
        write_align(&w, 8);
        write_bytes(&w, body, body_size);
        if (w.overflow)
                return -ENOBUFS;
        buf[12] = (uint8_t)fields_len;
        buf[13] = (uint8_t)(fields_len >> 8);
        buf[14] = (uint8_t)(fields_len >> 16);
        buf[15] = (uint8_t)(fields_len >> 24);
        return (ssize_t)w.pos;
}

ssize_t sysbus_marshal_strings(uint8_t *buf, size_t size, const char *const *strings, size_t n)
{
        struct writer w = { .buf = buf, .size = size };

        for (size_t i = 0; i < n; i++)
                write_string(&w, strings[i]);
        return w.overflow ? -ENOBUFS : (ssize_t)w.pos;
}

struct sysbus {
        int fd;
        bool authenticated;
        bool finished;
        uint64_t skip; /* bytes of a message we do not want, still to come */
        size_t out_len, out_sent;
        size_t in_len;
        uint8_t out[1024];
        uint8_t in[IN_SIZE];
};

struct sysbus *sysbus_free(struct sysbus *b)
{
        if (!b)
                return NULL;
        safe_close(b->fd);
        free(b);
        return NULL;
}

static void queue(struct sysbus *b, const void *p, size_t n)
{
        /* Only our own few fixed messages go here: they fit (checked by the callers' sizes). */
        memcpy(b->out + b->out_len, p, n);
        b->out_len += n;
}

int sysbus_open_fd(int fd, uid_t uid, struct sysbus **ret)
{
        char line[64], decimal[16];
        struct sysbus *b;
        int n;

        b = calloc(1, sizeof(*b));
        if (!b) {
                safe_close(fd);
                return -ENOMEM;
        }
        b->fd = fd;
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                int r = negative_errno();
                sysbus_free(b);
                return r;
        }
        /* SASL EXTERNAL: the uid in decimal, each character hex-encoded; the kernel vouches for it. */
        snprintf(decimal, sizeof(decimal), "%u", (unsigned)uid);
        n = snprintf(line, sizeof(line), "AUTH EXTERNAL ");
        for (const char *p = decimal; *p; p++)
                n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", (unsigned)*p);
        n += snprintf(line + n, sizeof(line) - (size_t)n, "\r\n");
        /* The protocol starts with one NUL byte (where credentials could be passed). */
        queue(b, "", 1);
        queue(b, line, (size_t)n);
        *ret = b;
        return 0;
}

int sysbus_connect(const char *path, uid_t uid, struct sysbus **ret)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -EINVAL;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        /* A local stream socket connects at once or not at all (EAGAIN: backlog full; try again later). */
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = negative_errno();
                safe_close(fd);
                return r;
        }
        return sysbus_open_fd(fd, uid, ret);
}

int sysbus_get_fd(const struct sysbus *b)
{
        return b->fd;
}

uint32_t sysbus_get_events(const struct sysbus *b)
{
        return EPOLLIN | (b->out_sent < b->out_len ? EPOLLOUT : 0);
}

static int flush_out(struct sysbus *b)
{
        while (b->out_sent < b->out_len) {
                ssize_t n =
                    send(b->fd, b->out + b->out_sent, b->out_len - b->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return negative_errno();
                }
                b->out_sent += (size_t)n;
        }
        b->out_len = b->out_sent = 0;
        return 0;
}

static int queue_call(struct sysbus *b, uint32_t serial, const char *interface, const char *member,
                      const char *signature, const char *const *args, size_t n_args)
{
        struct sysbus_message m = {
                .type = SYSBUS_METHOD_CALL,
                .serial = serial,
                .destination = SYSTEMD_NAME,
                .path = SYSTEMD_PATH,
                .interface = interface,
                .member = member,
                .signature = signature,
        };
        uint8_t body[256];
        ssize_t body_size = 0, n;

        if (n_args > 0) {
                body_size = sysbus_marshal_strings(body, sizeof(body), args, n_args);
                if (body_size < 0)
                        return (int)body_size;
        }
        n = sysbus_build(b->out + b->out_len, sizeof(b->out) - b->out_len, &m, body, (size_t)body_size);
        if (n < 0)
                return (int)n;
        b->out_len += (size_t)n;
        return 0;
}

/* Authenticated: no Hello (there is no bus daemon here), straight to the calls. */
static int start_calls(struct sysbus *b)
{
        static const char *const get_args[] = { MANAGER_INTERFACE, "FinishTimestampMonotonic" };
        int r;

        queue(b, "BEGIN\r\n", 7);
        /* Subscribe first: a StartupFinished after the Get's answer is then never missed. */
        r = queue_call(b, SERIAL_SUBSCRIBE, MANAGER_INTERFACE, "Subscribe", NULL, NULL, 0);
        if (r < 0)
                return r;
        return queue_call(b, SERIAL_GET, "org.freedesktop.DBus.Properties", "Get", "ss", get_args,
                          ELEMENTSOF(get_args));
}

static void drop(struct sysbus *b, size_t n)
{
        memmove(b->in, b->in + n, b->in_len - n);
        b->in_len -= n;
}

static int handle_auth(struct sysbus *b)
{
        const uint8_t *eol = memmem(b->in, b->in_len, "\r\n", 2);
        size_t len;

        if (!eol)
                return b->in_len >= AUTH_LINE_MAX ? -EPROTO : 0;
        len = (size_t)(eol - b->in);
        if (len < 3 || memcmp(b->in, "OK ", 3) != 0)
                /* REJECTED, ERROR or anything else: this peer will not talk to us. */
                return -EACCES;
        drop(b, len + 2);
        b->authenticated = true;
        return start_calls(b) < 0 ? -ENOBUFS : 1;
}

/* Handles the message at the start of the buffer. 1: consumed (or being skipped), 0: more bytes needed. */
static int handle_message(struct sysbus *b)
{
        struct sysbus_message m;
        size_t need, total, n;
        uint64_t finish;
        int r;

        r = sysbus_parse_header(b->in, b->in_len, &m, &need);
        if (r <= 0)
                return r;
        total = m.header_size + m.body_size;

        if (m.reply_serial == SERIAL_SUBSCRIBE || m.reply_serial == SERIAL_GET) {
                if (m.type == SYSBUS_ERROR)
                        return -EIO;
                if (m.type == SYSBUS_METHOD_RETURN && m.reply_serial == SERIAL_GET) {
                        if (total > sizeof(b->in))
                                return -EBADMSG;
                        if (b->in_len < total)
                                return 0;
                        r = sysbus_parse_variant_u64(&m, b->in + m.header_size, &finish);
                        if (r < 0)
                                return r;
                        if (finish > 0)
                                b->finished = true;
                }
        } else if (m.type == SYSBUS_SIGNAL && streq(m.member, "StartupFinished") &&
                   streq(m.interface, MANAGER_INTERFACE) && streq(m.path, SYSTEMD_PATH))
                b->finished = true;

        /* Whatever else (other signals after Subscribe): dropped, the part not here yet as it comes. */
        n = MIN(total, b->in_len);
        drop(b, n);
        b->skip = total - n;
        return 1;
}

static int consume(struct sysbus *b)
{
        int r;

        for (;;) {
                if (b->skip > 0) {
                        size_t n = (size_t)MIN(b->skip, (uint64_t)b->in_len);

                        drop(b, n);
                        b->skip -= n;
                        if (b->skip > 0)
                                return 0;
                }
                if (b->in_len == 0)
                        return 0;
                r = b->authenticated ? handle_message(b) : handle_auth(b);
                if (r <= 0)
                        return r;
        }
}

int sysbus_process(struct sysbus *b)
{
        int r;

        r = flush_out(b);
        if (r < 0)
                return b->finished ? 1 : r;
        for (;;) {
                ssize_t n;

                /* Cannot happen with the limits above (a header that big is refused), but never spin. */
                if (b->in_len == sizeof(b->in))
                        return -EBADMSG;
                n = recv(b->fd, b->in + b->in_len, sizeof(b->in) - b->in_len, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return negative_errno();
                }
                if (n == 0)
                        return b->finished ? 1 : -ECONNRESET;
                b->in_len += (size_t)n;
                r = consume(b);
                if (r >= 0)
                        r = flush_out(b);
                if (r < 0)
                        /* What was learnt before the failure still holds. */
                        return b->finished ? 1 : r;
        }
        return b->finished;
}
