/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "macro.h"
#include "recordings.h"

void settings_init(struct settings *s)
{
        *s = (struct settings){
                .enable = true,
                .cost = true,
                .until = UNTIL_AUTO,
                .tail_ns = 5 * NSEC_PER_SEC,
                .max_duration_ns = 600 * NSEC_PER_SEC,
                .directory = strdup(RECORDINGS_DIR_PERSISTENT),
                .keep_boots = 10,
                .max_use = 64 * 1024 * 1024,
                .group = strdup("adm"),
        };
}

void settings_done(struct settings *s)
{
        free(s->directory);
        free(s->group);
        free(s->init);
        bl_argv_policy_free(s->argv_policy);
}

static bool parse_bool(const char *v, bool *ret)
{
        if (streq(v, "1") || streq(v, "yes") || streq(v, "true") || streq(v, "on"))
                *ret = true;
        else if (streq(v, "0") || streq(v, "no") || streq(v, "false") || streq(v, "off"))
                *ret = false;
        else
                return false;
        return true;
}

int parse_size_suffix(const char *s, uint64_t *ret)
{
        static const char suffixes[] = "KMGT";
        unsigned long long v;
        uint64_t mult = 1;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *s == '-')
                return -EINVAL;
        if (*end) {
                const char *p = strchr(suffixes, toupper((unsigned char)*end));

                if (!p || (end[1] && !streq(end + 1, "B") && !streq(end + 1, "iB")))
                        return -EINVAL;
                for (const char *q = suffixes; q <= p; q++)
                        mult *= 1024;
        }
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* START, END and UNKNOWN records say nothing about a process: not worth a journal entry. */
#define FORWARDABLE_TYPES                                                                                   \
        (FORWARD_TYPE(BL_EVENT_FORK) | FORWARD_TYPE(BL_EVENT_EXEC) | FORWARD_TYPE(BL_EVENT_EXIT) |          \
         FORWARD_TYPE(BL_EVENT_UID) | FORWARD_TYPE(BL_EVENT_GID) | FORWARD_TYPE(BL_EVENT_SID) |             \
         FORWARD_TYPE(BL_EVENT_PTRACE) | FORWARD_TYPE(BL_EVENT_COMM) | FORWARD_TYPE(BL_EVENT_COREDUMP) |    \
         FORWARD_TYPE(BL_EVENT_SNAPSHOT) | FORWARD_TYPE(BL_EVENT_LOST) | FORWARD_TYPE(BL_EVENT_COST))

int parse_forward(const char *s, struct forward_spec *ret)
{
        struct forward_spec spec = { .enabled = true };
        _cleanup_free_ char *list = NULL;
        bool all_exits = false, on;

        if (parse_bool(s, &on) && !on) {
                *ret = (struct forward_spec){};
                return 0;
        }
        if (streq(s, "journal")) {
                *ret = (struct forward_spec){
                        .enabled = true,
                        .types = FORWARD_TYPE(BL_EVENT_EXEC) | FORWARD_TYPE(BL_EVENT_EXIT),
                        .failed_exits_only = true,
                };
                return 0;
        }
        if (strncmp(s, "journal:", 8) != 0 || !s[8])
                return -EINVAL;
        list = strdup(s + 8);
        if (!list)
                return -ENOMEM;
        /* strtok_r() would skip empty items ("exec,,exit"): a typo is better refused. */
        for (char *p = list, *w; (w = strsep(&p, ","));) {
                enum bl_event_type t;

                if (streq(w, "failed-exit")) {
                        spec.types |= FORWARD_TYPE(BL_EVENT_EXIT);
                        continue;
                }
                t = bl_event_type_from_string(w);
                if (t < 0 || !(FORWARDABLE_TYPES & FORWARD_TYPE(t)))
                        return -EINVAL;
                spec.types |= FORWARD_TYPE(t);
                if (t == BL_EVENT_EXIT)
                        all_exits = true;
        }
        spec.failed_exits_only = !all_exits;
        *ret = spec;
        return 0;
}

int parse_until(const char *s, enum until_mode *ret_mode, uint64_t *ret_ns)
{
        if (streq(s, "startup-finished")) {
                *ret_mode = UNTIL_STARTUP_FINISHED;
                return 0;
        }
        if (streq(s, "stop")) {
                *ret_mode = UNTIL_STOP;
                return 0;
        }
        if (streq(s, "auto")) {
                *ret_mode = UNTIL_AUTO;
                return 0;
        }
        if (parse_duration(s, ret_ns) < 0 || *ret_ns == 0)
                return -EINVAL;
        *ret_mode = UNTIL_DURATION;
        return 0;
}

static int set_string(char **p, const char *v)
{
        char *c = strdup(v);

        if (!c)
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

/* Applies one Key=Value. Returns 0, -EINVAL for a bad value, -ENOENT for an unknown key, -ENOMEM. */
static int apply(struct settings *s, const char *key, const char *value)
{
        uint64_t v;

        if (streq(key, "Enable"))
                return parse_bool(value, &s->enable) ? 0 : -EINVAL;
        if (streq(key, "Until"))
                return parse_until(value, &s->until, &s->until_ns);
        if (streq(key, "Tail"))
                return parse_duration(value, &s->tail_ns);
        if (streq(key, "MaxDuration"))
                return parse_duration(value, &s->max_duration_ns);
        if (streq(key, "Directory")) {
                if (*value && *value != '/')
                        return -EINVAL;
                return set_string(&s->directory, value);
        }
        if (streq(key, "KeepBoots")) {
                if (parse_size_suffix(value, &v) < 0 || v < 1 || v > 100000)
                        return -EINVAL;
                s->keep_boots = (unsigned)v;
                return 0;
        }
        if (streq(key, "MaxUse"))
                return parse_size_suffix(value, &s->max_use);
        if (streq(key, "Group"))
                return set_string(&s->group, value);
        if (streq(key, "Forward"))
                return parse_forward(value, &s->forward);
        if (streq(key, "ArgvPolicy")) {
                _cleanup_free_ char *error = NULL;
                struct bl_argv_policy *p = NULL;
                int r;

                r = bl_argv_policy_parse(value, &p, &error);
                if (r == -EINVAL && error)
                        log_warning("ArgvPolicy=%s: %s.", value, error);
                if (r < 0)
                        return r;
                bl_argv_policy_free(s->argv_policy);
                s->argv_policy = p;
                return 0;
        }
        if (streq(key, "ArgvCapture")) {
                enum bl_argv_capture c = bl_argv_capture_from_string(value);

                if (c < 0)
                        return -EINVAL;
                s->argv_capture = c;
                return 0;
        }
        if (streq(key, "Cost"))
                return parse_bool(value, &s->cost) ? 0 : -EINVAL;
        if (streq(key, "Init")) {
                if (*value != '/')
                        return -EINVAL;
                return set_string(&s->init, value);
        }
        return -ENOENT;
}

static char *strip(char *s)
{
        char *e;

        while (isspace((unsigned char)*s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = 0;
        return s;
}

int settings_load_file(struct settings *s, const char *path)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        bool in_section = false;
        size_t size = 0;
        unsigned n = 0;

        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? 0 : negative_errno();

        while (getline(&line, &size, f) >= 0) {
                char *l = strip(line), *eq;
                int r;

                n++;
                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (*l == '[') {
                        in_section = streq(l, "[Recorder]");
                        if (!in_section)
                                log_warning("%s:%u: unknown section %s, ignoring.", path, n, l);
                        continue;
                }
                if (!in_section) {
                        log_warning("%s:%u: setting outside [Recorder], ignoring.", path, n);
                        continue;
                }
                eq = strchr(l, '=');
                if (!eq) {
                        log_warning("%s:%u: not Key=Value, ignoring.", path, n);
                        continue;
                }
                *eq = 0;
                r = apply(s, strip(l), strip(eq + 1));
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT)
                        log_warning("%s:%u: unknown setting '%s', ignoring.", path, n, strip(l));
                else if (r < 0)
                        log_warning("%s:%u: invalid value for %s, ignoring.", path, n, strip(l));
        }
        return 0;
}

static int filter_conf(const struct dirent *d)
{
        size_t n = strlen(d->d_name);

        return d->d_name[0] != '.' && n > 5 && streq(d->d_name + n - 5, ".conf");
}

int settings_load_config(struct settings *s, const char *path)
{
        _cleanup_free_ char *dir = NULL;
        struct dirent **list;
        int r, n;

        r = settings_load_file(s, path);
        if (r < 0)
                return r;
        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        n = scandir(dir, &list, filter_conf, alphasort);
        if (n < 0)
                return 0;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;

                if (r >= 0 && asprintf(&p, "%s/%s", dir, list[i]->d_name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = settings_load_file(s, p);
                free(list[i]);
        }
        free(list);
        return r;
}

int settings_load_cmdline(struct settings *s, const char *cmdline)
{
        _cleanup_free_ char *copy = strdup(cmdline);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
                char *eq;
                int r = 0;

                if (strncmp(w, "bootlog.", 8) != 0)
                        continue;
                eq = strchr(w, '=');
                if (!eq)
                        continue;
                *eq = 0;
                if (streq(w, "bootlog.enable"))
                        r = apply(s, "Enable", eq + 1);
                else if (streq(w, "bootlog.until"))
                        r = apply(s, "Until", eq + 1);
                else if (streq(w, "bootlog.tail"))
                        r = apply(s, "Tail", eq + 1);
                else if (streq(w, "bootlog.init"))
                        r = apply(s, "Init", eq + 1);
                else if (streq(w, "bootlog.forward"))
                        r = apply(s, "Forward", eq + 1);
                else if (streq(w, "bootlog.argv"))
                        r = apply(s, "ArgvPolicy", eq + 1);
                else if (streq(w, "bootlog.argv_capture"))
                        r = apply(s, "ArgvCapture", eq + 1);
                else if (streq(w, "bootlog.cost"))
                        r = apply(s, "Cost", eq + 1);
                else if (streq(w, "bootlog.initramfs"))
                        ; /* read by the initramfs hooks */
                else
                        log_warning("Unknown kernel command line option %s=, ignoring.", w);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_warning("Invalid value for %s= on the kernel command line, ignoring.", w);
        }
        return 0;
}
