/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON for the views' --json output and export: objects built with one
 * error check, strings made valid UTF-8; see json-util.h.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>

#include "escape.h"
#include "event.h"
#include "json-util.h"
#include "macro.h"
#include "model.h"

char *utf8_fix(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        char *fixed, *p;

        /* Each invalid byte becomes three: U+FFFD is EF BF BD. */
        fixed = malloc(strlen(s) * 3 + 1);
        if (!fixed)
                return NULL;
        p = fixed;
        while (*u) {
                size_t n = bl_utf8_valid_len((const char *)u);

                if (n == 0) {
                        p = stpcpy(p, "\xef\xbf\xbd");
                        u++;
                        continue;
                }
                p = mempcpy(p, u, n);
                u += n;
        }
        *p = 0;
        return fixed;
}

static bool utf8_is_valid(const char *s)
{
        for (size_t i = 0; s[i];) {
                size_t n = bl_utf8_valid_len(s + i);

                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

struct json_object *json_string_utf8(const char *s, bool *ret_oom)
{
        _cleanup_free_ char *fixed = NULL;
        struct json_object *j;

        *ret_oom = false;
        if (!s)
                return NULL;
        /* json-c copies invalid bytes through: JSON text must be UTF-8. */
        if (utf8_is_valid(s))
                j = json_object_new_string(s);
        else {
                fixed = utf8_fix(s);
                j = fixed ? json_object_new_string(fixed) : NULL;
        }
        *ret_oom = !j;
        return j;
}

struct jobj jobj_new(void)
{
        struct jobj j = { .o = json_object_new_object() };

        if (!j.o)
                j.r = -ENOMEM;
        return j;
}

void jobj_put(struct jobj *j, const char *key, struct json_object *v)
{
        if (j->r < 0) {
                json_object_put(v);
                return;
        }
        if (!v) {
                j->r = -ENOMEM;
                return;
        }
        if (json_object_object_add(j->o, key, v) < 0) {
                json_object_put(v);
                j->r = -ENOMEM;
        }
}

void jobj_null(struct jobj *j, const char *key)
{
        if (j->r >= 0 && json_object_object_add(j->o, key, NULL) < 0)
                j->r = -ENOMEM;
}

void jobj_int(struct jobj *j, const char *key, int64_t v)
{
        if (j->r >= 0)
                jobj_put(j, key, json_object_new_int64(v));
}

void jobj_bool(struct jobj *j, const char *key, bool v)
{
        if (j->r >= 0)
                jobj_put(j, key, json_object_new_boolean(v));
}

void jobj_str(struct jobj *j, const char *key, const char *s)
{
        struct json_object *v;
        bool oom;

        if (j->r < 0)
                return;
        v = json_string_utf8(s, &oom);
        if (oom)
                j->r = -ENOMEM;
        else if (!v)
                jobj_null(j, key);
        else
                jobj_put(j, key, v);
}

void jobj_strv(struct jobj *j, const char *key, char *const *l)
{
        struct json_object *a;

        if (j->r < 0)
                return;
        if (!l) {
                jobj_null(j, key);
                return;
        }
        a = json_object_new_array();
        jobj_put(j, key, a);
        if (j->r < 0)
                return;
        STRV_FOREACH (s, l) {
                struct json_object *v;
                bool oom;

                v = json_string_utf8(*s, &oom);
                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        j->r = -ENOMEM;
                        return;
                }
        }
}

void jobj_put_obj(struct jobj *j, const char *key, struct jobj *sub)
{
        if (sub->r < 0) {
                json_object_put(sub->o);
                if (j->r >= 0)
                        j->r = sub->r;
                return;
        }
        jobj_put(j, key, sub->o);
}

int json_array_append(struct json_object *a, struct jobj *sub)
{
        if (sub->r < 0) {
                json_object_put(sub->o);
                return sub->r;
        }
        if (json_object_array_add(a, sub->o) < 0) {
                json_object_put(sub->o);
                return -ENOMEM;
        }
        return 0;
}

int jobj_finish(struct jobj *j)
{
        if (j->r < 0) {
                json_object_put(j->o);
                j->o = NULL;
                return j->r;
        }
        return 0;
}

int json_print(struct json_object *o)
{
        const char *s;

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        /* Write errors show in flush_stdout(). */
        fputs(s, stdout);
        putchar('\n');
        return 0;
}

/* "12.345678901", "-0.120000000": seconds without floating point (the locale's decimal point). */
struct json_object *json_seconds(int64_t ns)
{
        char buf[48];
        uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;

        snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", a / NSEC_PER_SEC,
                 a % NSEC_PER_SEC);
        return json_object_new_double_s((double)ns / 1e9, buf);
}

void jobj_process_end(struct jobj *j, const struct bl_process *p)
{
        bool core = false;
        int code, sig;
        pid_t reparented;

        if (p->exited) {
                jobj_int(j, "exit_ns", (int64_t)p->exit_ns);
                if (p->start_ns > 0 && p->exit_ns >= p->start_ns)
                        jobj_int(j, "duration_ns", (int64_t)(p->exit_ns - p->start_ns));
                else
                        jobj_null(j, "duration_ns");
                if (bl_exit_status_decode(p->exit_status, &code, &sig, &core)) {
                        jobj_int(j, "exit_code", code);
                        jobj_null(j, "signal");
                        jobj_null(j, "signal_name");
                } else {
                        jobj_null(j, "exit_code");
                        jobj_int(j, "signal", sig);
                        jobj_str(j, "signal_name", bl_signal_to_string(sig));
                }
        } else {
                jobj_null(j, "exit_ns");
                jobj_null(j, "duration_ns");
                jobj_null(j, "exit_code");
                jobj_null(j, "signal");
                jobj_null(j, "signal_name");
        }
        jobj_bool(j, "core_dumped", core || p->coredump);
        jobj_bool(j, "running", !p->exited);
        reparented = bl_process_reparented_to(p);
        if (reparented > 0)
                jobj_int(j, "reparented_to", reparented);
        else
                jobj_null(j, "reparented_to");
}

/* What json_string_write() does with each byte: 0 copy it, 1 escape it, 2 check it is valid UTF-8. */
static const uint8_t json_class[256] = {
        [0x00 ... 0x1f] = 1,
        ['"'] = 1,
        ['\\'] = 1,
        [0x80 ... 0xff] = 2,
};

char *json_string_write(char *buf, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *u = (const unsigned char *)s;
        char *p = buf;

        *p++ = '"';
        for (;;) {
                const unsigned char *run = u;
                size_t n;

                /* The common case, plain ASCII, is copied a run at a time. */
                while (json_class[*u] == 0)
                        u++;
                p = mempcpy(p, run, (size_t)(u - run));
                if (!*u)
                        break;
                if (json_class[*u] == 2) {
                        n = bl_utf8_valid_len((const char *)u);
                        if (n == 0) {
                                p = mempcpy(p, "\xef\xbf\xbd", 3);
                                u++;
                        } else {
                                p = mempcpy(p, u, n);
                                u += n;
                        }
                        continue;
                }
                *p++ = '\\';
                switch (*u) {
                case '"': *p++ = '"'; break;
                case '\\': *p++ = '\\'; break;
                case '\b': *p++ = 'b'; break;
                case '\f': *p++ = 'f'; break;
                case '\n': *p++ = 'n'; break;
                case '\r': *p++ = 'r'; break;
                case '\t': *p++ = 't'; break;
                default:
                        *p++ = 'u';
                        *p++ = '0';
                        *p++ = '0';
                        *p++ = hex[*u >> 4];
                        *p++ = hex[*u & 15];
                        break;
                }
                u++;
        }
        *p++ = '"';
        return p;
}
