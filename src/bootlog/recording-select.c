/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing the recording a reading verb reads: -f, -b and -D, and the list
 * of recorded boots they choose from; see recording-select.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "format.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "recording-select.h"
#include "recording.h"
#include "time-util.h"

/* "0", "-1", "+2", "3": a boot offset. */
static int parse_boot_offset(const char *s, int64_t *ret)
{
        const char *digits = s[0] == '-' || s[0] == '+' ? s + 1 : s;
        long long v;
        char *end;

        if (!(*digits >= '0' && *digits <= '9'))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A boot ID or offset into s; s is left alone if arg is neither. */
static int parse_boot(const char *arg, struct selection *s)
{
        uint8_t id[BL_ID128_SIZE];
        int64_t offset;

        if (bl_id128_from_string(arg, id) >= 0) {
                s->boot_by_id = true;
                memcpy(s->boot_id, id, BL_ID128_SIZE);
                return 0;
        }
        if (parse_boot_offset(arg, &offset) >= 0) {
                s->boot_by_id = false;
                s->boot_offset = offset;
                return 0;
        }
        return -EINVAL;
}

int selection_parse_option(struct selection *s, const char *verb, int c, int argc, char *argv[])
{
        switch (c) {
        case 'f': s->file = optarg; return 0;
        case 'D': s->directory = optarg; return 0;
        case 'b':
                s->boot = true;
                s->boot_by_id = false;
                s->boot_offset = 0;
                if (optarg) {
                        if (parse_boot(optarg, s) < 0) {
                                usage_error(verb,
                                            "invalid boot '%s' (an offset such as 0, -1 or 1, or a boot ID)",
                                            optarg);
                                return -EINVAL;
                        }
                } else if (optind < argc && parse_boot(argv[optind], s) >= 0)
                        /* "-b -1", "--boot 2": the value as the next argument, as journalctl takes it. */
                        optind++;
                return 0;
        default: usage_error(verb, "unexpected option %d", c); return -EINVAL;
        }
}

int selection_check(const struct selection *s, const char *verb)
{
        if (s->file && s->boot) {
                usage_error(verb, "--file and -b/--boot cannot be combined");
                return -EINVAL;
        }
        if (s->file && s->directory) {
                usage_error(verb, "--file and -D/--directory cannot be combined");
                return -EINVAL;
        }
        return 0;
}

static void boot_entry_done(struct boot_entry *e)
{
        free(e->path);
        *e = (struct boot_entry){};
}

void boot_list_done(struct boot_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                boot_entry_done(&l->entries[i]);
        free(l->entries);
        free(l->where);
        *l = (struct boot_list){};
}

const char *boot_entry_error(const struct boot_entry *e)
{
        if (e->error == -EBADMSG)
                return "not a bootlog recording";
        if (e->error == -EPROTONOSUPPORT)
                return "a recording format version or feature this bootlog cannot read";
        return strerror(-e->error);
}

/* A recording found by bl_recordings_scan() in one of the directories looked at. */
struct found {
        struct bl_recording rec;
        const char *dir; /* as given */
        unsigned source; /* as boot_entry.source */
};

struct found_list {
        struct found *f;
        size_t n, alloc;
};

static void found_list_done(struct found_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                bl_recording_done(&l->f[i].rec);
        free(l->f);
        *l = (struct found_list){};
}

/* The recordings of dir, appended to l. */
static int scan_directory(const char *dir, unsigned source, bool missing_ok, struct found_list *l)
{
        _cleanup_(bl_recordings_done) struct bl_recordings recs = {};
        _cleanup_close_ int fd = -1;
        int r;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && missing_ok)
                        return 0;
                return log_error_errno(negative_errno(), "Failed to open directory '%s': %m", dir);
        }
        r = bl_recordings_scan(fd, &recs);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to read directory '%s': %m", dir);

        if (l->n + recs.n > l->alloc) {
                size_t a = MAX(l->alloc * 2, l->n + recs.n);
                struct found *p = reallocarray(l->f, a, sizeof(*p));

                if (!p)
                        return log_oom();
                l->f = p;
                l->alloc = a;
        }
        for (size_t i = 0; i < recs.n; i++) {
                l->f[l->n++] = (struct found){ .rec = recs.entries[i], .dir = dir, .source = source };
                recs.entries[i] = (struct bl_recording){};
        }
        return 0;
}

/*
 * While the recording of the current boot is moved from /run to /var/log,
 * both hold it: the /var/log copy counts once it is complete (as large).
 * Different recordings of one boot (a recorder started twice) all count.
 */
static void drop_duplicates(struct found_list *l)
{
        bool *drop = calloc(l->n ?: 1, sizeof(bool));
        size_t k = 0;

        if (!drop)
                return; /* both are shown: not worth failing for */
        for (size_t i = 0; i < l->n; i++) {
                const struct found *run = &l->f[i];

                if (run->source != 1 || run->rec.error < 0)
                        continue;
                for (size_t j = 0; j < l->n && !drop[i]; j++) {
                        const struct found *var = &l->f[j];

                        if (var->source != 0 || var->rec.error < 0 || drop[j] ||
                            !bl_recording_same(&var->rec.info, &run->rec.info))
                                continue;
                        if (var->rec.size >= run->rec.size)
                                drop[i] = true;
                        else
                                drop[j] = true;
                }
        }
        for (size_t i = 0; i < l->n; i++)
                if (drop[i])
                        bl_recording_done(&l->f[i].rec);
                else
                        l->f[k++] = l->f[i];
        l->n = k;
        free(drop);
}

/*
 * The recordings' one order (recordings.h). Files of one name and start in
 * both directories (both unreadable, or two recordings that began in the same
 * nanosecond) go as their paths sort: /run's first.
 */
static int found_compare(const void *a, const void *b)
{
        const struct found *x = a, *y = b;
        int r;

        r = bl_recording_compare(&x->rec, &y->rec);
        if (r != 0)
                return r;
        return strcmp(x->dir, y->dir);
}

int boot_list_load(const char *directory, struct boot_list *ret)
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        _cleanup_(found_list_done) struct found_list found = {};
        int r;

        if (directory) {
                r = scan_directory(directory, 0, false, &found);
                if (r < 0)
                        return r;
                l.where = strdup(directory);
        } else {
                r = scan_directory(RECORDINGS_DIR_PERSISTENT, 0, true, &found);
                if (r < 0)
                        return r;
                r = scan_directory(RECORDINGS_DIR_RUNTIME, 1, true, &found);
                if (r < 0)
                        return r;
                drop_duplicates(&found);
                l.where = strdup(RECORDINGS_DIR_PERSISTENT " or " RECORDINGS_DIR_RUNTIME);
        }
        if (!l.where)
                return log_oom();

        if (found.n > 0) {
                qsort(found.f, found.n, sizeof(*found.f), found_compare);
                l.entries = calloc(found.n, sizeof(*l.entries));
                if (!l.entries)
                        return log_oom();
        }
        for (size_t i = 0; i < found.n; i++) {
                const struct found *f = &found.f[i];
                size_t dlen = strlen(f->dir);
                struct boot_entry *e = &l.entries[l.n];

                /* "DIR/name", not "DIR//name", whatever DIR ends with. */
                while (dlen > 1 && f->dir[dlen - 1] == '/')
                        dlen--;
                if (asprintf(&e->path, "%.*s/%s", (int)dlen, f->dir, f->rec.name) < 0)
                        return log_oom();
                e->error = f->rec.error;
                e->info = f->rec.info;
                e->size = f->rec.size;
                e->source = f->source;
                e->locked = f->rec.locked;
                l.n++;
                if (e->error >= 0)
                        l.n_readable = l.n;
        }

        *ret = l;
        l = (struct boot_list){};
        return 0;
}

/* The running kernel's boot id. */
static int current_boot_id(uint8_t ret[BL_ID128_SIZE])
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[64];

        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (!f)
                return negative_errno();
        if (!fgets(line, sizeof(line), f))
                return -EIO;
        line[strcspn(line, "\n")] = 0;
        return bl_id128_from_string(line, ret);
}

/* Index into l->entries of the boot s asks for; logs why there is none. */
static int boot_list_pick(const struct boot_list *l, const struct selection *s, size_t *ret)
{
        size_t n = l->n_readable;
        uint8_t id[BL_ID128_SIZE];
        char idstr[33];

        if (n == 0) {
                if (l->n > 0)
                        log_error("No readable recordings in %s: '%s': %s.", l->where, l->entries[0].path,
                                  boot_entry_error(&l->entries[0]));
                else
                        log_error("No recordings in %s.", l->where);
                return -ENOENT;
        }

        if (!s->boot) {
                /* The current boot's recording if there is one, else the newest. */
                if (current_boot_id(id) >= 0)
                        for (size_t i = n; i > 0; i--)
                                if (memcmp(l->entries[i - 1].info.boot_id, id, BL_ID128_SIZE) == 0) {
                                        *ret = i - 1;
                                        return 0;
                                }
                *ret = n - 1;
                return 0;
        }

        if (s->boot_by_id) {
                /* Several recordings of one boot (bootlog record): the newest. */
                for (size_t i = n; i > 0; i--)
                        if (memcmp(l->entries[i - 1].info.boot_id, s->boot_id, BL_ID128_SIZE) == 0) {
                                *ret = i - 1;
                                return 0;
                        }
                log_error("Boot %s not found in %s.", bl_id128_to_string(s->boot_id, idstr), l->where);
                return -ENOENT;
        }

        if (s->boot_offset <= 0 && s->boot_offset >= -(int64_t)(n - 1)) {
                *ret = (size_t)((int64_t)(n - 1) + s->boot_offset);
                return 0;
        }
        if (s->boot_offset > 0 && (uint64_t)s->boot_offset <= n) {
                *ret = (size_t)(s->boot_offset - 1);
                return 0;
        }
        log_error("No boot with offset %" PRId64 ": %zu boot%s recorded.", s->boot_offset, n,
                  n == 1 ? "" : "s");
        return -ENOENT;
}

int recording_select(const struct selection *s, bool build_model, struct recording *ret)
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        size_t i;
        int r;

        if (s->file)
                return recording_open(s->file, build_model, ret);

        r = boot_list_load(s->directory, &l);
        if (r < 0)
                return r;
        r = boot_list_pick(&l, s, &i);
        if (r < 0)
                return r;
        log_debug("Reading '%s'.", l.entries[i].path);
        return recording_open(l.entries[i].path, build_model, ret);
}
