/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recording's file: its name and creation (in RECORDINGS_DIR_RUNTIME,
 * or --output), the pid file, the move to the persistent directory once it
 * is writable (like journald's flush), and pruning old recordings there.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "bootlogd-shared.h"
#include "format.h"
#include "recordings.h"

bool in_initrd(void)
{
        struct statfs sfs;

        /* systemd's convention, and what an initramfs's root file system is. */
        if (access("/etc/initrd-release", F_OK) == 0)
                return true;
        return statfs("/", &sfs) == 0 && (sfs.f_type == RAMFS_MAGIC || sfs.f_type == TMPFS_MAGIC);
}

/* The gid of name in a group(5) file, or -ENOENT. */
static int group_from_file(const char *path, const char *name, gid_t *ret)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0, len = strlen(name);

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        /* name:password:GID:members */
        while (getline(&line, &size, f) > 0) {
                unsigned long gid;
                char *p, *end;

                if (strncmp(line, name, len) != 0 || line[len] != ':')
                        continue;
                p = strchr(line + len + 1, ':');
                if (!p)
                        continue;
                errno = 0;
                gid = strtoul(p + 1, &end, 10);
                if (errno || end == p + 1 || *end != ':' || gid >= (unsigned long)(gid_t)-1)
                        continue;
                *ret = (gid_t)gid;
                return 0;
        }
        return -ENOENT;
}

/*
 * Group= from /etc/group, read directly: that is all an initramfs has, and NSS does not work in a static
 * binary. A dynamic build asks NSS too, for groups kept elsewhere.
 */
static gid_t lookup_group(const struct settings *s)
{
        gid_t gid;

        if (!s->group || !*s->group)
                return (gid_t)-1;
        if (group_from_file("/etc/group", s->group, &gid) == 0)
                return gid;
#if !BOOTLOGD_STATIC
        {
                struct group *g = getgrnam(s->group);
                if (g)
                        return g->gr_gid;
        }
#endif
        return (gid_t)-1;
}

pid_t running_recorder(const char *pid_file)
{
        char buf[32], comm[32], path[64];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        long pid;

        fd = open(pid_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        pid = strtol(buf, NULL, 10);
        if (pid <= 0 || pid == getpid())
                return 0;
        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        safe_close(fd);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, comm, sizeof(comm) - 1);
        if (n <= 0)
                return 0;
        comm[n] = 0;
        return strncmp(comm, "bootlogd", 8) == 0 ? (pid_t)pid : 0;
}

int write_pid_file(const char *path)
{
        _cleanup_close_ int fd = -1;
        char buf[32];
        int n;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
        if (write(fd, buf, (size_t)n) != n)
                return -EIO;
        return 0;
}

/* Picks BOOT_ID.bootlog, or BOOT_ID-N.bootlog if this boot already has recordings in either place. */
static int pick_name(const struct settings *s, char **ret)
{
        struct bl_file_info info;
        char id[33];
        int r;

        r = bl_file_info_from_system(&info);
        if (r < 0)
                return r;
        bl_id128_to_string(info.boot_id, id);
        for (unsigned i = 1; i < 1000; i++) {
                _cleanup_free_ char *name = NULL, *a = NULL, *b = NULL;

                if ((i == 1 ? asprintf(&name, "%s.bootlog", id) : asprintf(&name, "%s-%u.bootlog", id, i)) <
                    0)
                        return -ENOMEM;
                if (asprintf(&a, RECORDINGS_DIR_RUNTIME "/%s", name) < 0 ||
                    asprintf(&b, "%s/%s", s->directory ?: RECORDINGS_DIR_RUNTIME, name) < 0)
                        return -ENOMEM;
                if (access(a, F_OK) < 0 && access(b, F_OK) < 0) {
                        *ret = TAKE_PTR(name);
                        return 0;
                }
        }
        return -EEXIST;
}

int open_output(struct context *c)
{
        gid_t gid = lookup_group(&c->settings);
        _cleanup_close_ int dfd = -1;
        int fd, r;

        if (c->opts->output) {
                c->path = strdup(c->opts->output);
                if (!c->path)
                        return log_oom();
                c->pid_file = c->opts->pid_file;
        } else {
                if (mkdir(RECORDINGS_DIR_RUNTIME, 0750) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Failed to create '%s': %m", RECORDINGS_DIR_RUNTIME);
                /* Never through a symbolic link: the file is created relative to this fd. */
                dfd = open(RECORDINGS_DIR_RUNTIME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        return log_error_errno(errno, "Failed to open '%s' (not a directory?): %m",
                                               RECORDINGS_DIR_RUNTIME);
                if (gid != (gid_t)-1)
                        (void)fchown(dfd, 0, gid);
                r = pick_name(&c->settings, &c->name);
                if (r < 0)
                        return log_error_errno(r, "Failed to choose a file name for this boot: %m");
                if (asprintf(&c->path, RECORDINGS_DIR_RUNTIME "/%s", c->name) < 0)
                        return log_oom();
                c->pid_file = c->opts->pid_file ?: RECORDER_PID_FILE;
                c->persist = c->settings.directory && *c->settings.directory;
        }

        fd = dfd >= 0 ? bl_output_create_at(dfd, c->name, c->opts->force)
                      : bl_output_create(c->path, c->opts->force);
        if (fd == -EEXIST)
                return log_error_errno(fd, "'%s' already exists; use --force to replace it.", c->path);
        if (fd == -EBUSY)
                return log_error_errno(fd, "'%s' is being recorded by another process; not replacing it.",
                                       c->path);
        if (fd < 0)
                return log_error_errno(fd, "Failed to create '%s': %m", c->path);
        /* bl_output_create() locked it: readers and `bootlog boots` tell a recording in progress by it. */
        if (gid != (gid_t)-1)
                (void)fchown(fd, 0, gid);
        return fd;
}

/*
 * Keeps the newest KeepBoots recordings (this one included) within MaxUse. Which files are recordings and
 * which are older is recordings.h's one definition, the reader's: hidden files are not recordings, and a
 * file whose header cannot be read goes before the others, which go by the start time in their header.
 * Never removes this recording, nor another one a recorder still writes (locked); those count all the same.
 */
static void prune(struct context *c, int dfd)
{
        _cleanup_(bl_recordings_done) struct bl_recordings l = {};
        size_t keep, left = 0;
        uint64_t total = 0;
        int r;

        r = bl_recordings_scan(dfd, &l);
        if (r < 0) {
                log_warning_errno(r, "Failed to list '%s', not removing old recordings: %m",
                                  c->settings.directory);
                return;
        }
        for (size_t i = 0; i < l.n; i++) {
                total += l.entries[i].size;
                if (!streq(l.entries[i].name, c->name))
                        left++;
        }

        keep = c->settings.keep_boots > 0 ? c->settings.keep_boots - 1 : 0;
        /* Oldest first: the unreadable ones (after the readable ones in the list), then the readable ones.
         */
        for (size_t k = 0; k < l.n; k++) {
                const struct bl_recording *e = &l.entries[(l.n_readable + k) % l.n];

                if (streq(e->name, c->name))
                        continue;
                if (left <= keep && total <= c->settings.max_use)
                        break;
                left--;
                if (e->locked)
                        continue;
                if (unlinkat(dfd, e->name, 0) == 0) {
                        log_info("Removed old recording '%s/%s'.", c->settings.directory, e->name);
                        total -= e->size;
                } else
                        log_warning_errno(errno, "Failed to remove old recording '%s/%s', ignoring: %m",
                                          c->settings.directory, e->name);
        }
}

int try_persist(struct context *c)
{
        const struct settings *s = &c->settings;
        _cleanup_close_ int dfd = -1;
        _cleanup_free_ char *new_path = NULL;
        gid_t gid;
        int fd, r;

        if (!c->persist || c->persisted)
                return 1;
        if (in_initrd())
                return 0;

        gid = lookup_group(s);
        if (mkdir(s->directory, 0750) == 0) {
                if (gid != (gid_t)-1)
                        (void)chown(s->directory, 0, gid);
                /* mkdir() does not take the setgid bit from the mode; new files get the group this way. */
                (void)chmod(s->directory, 02750);
        } else if (errno != EEXIST) {
                /* Read-only, or /var not mounted yet: tried again later, and said at the end. */
                c->persist_errno = errno;
                return 0;
        }
        dfd = open(s->directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                if (errno == ELOOP || errno == ENOTDIR) {
                        /* Never followed: whoever planted the link would choose where root writes. */
                        log_warning("'%s' is a symbolic link or not a directory; not following it, keeping "
                                    "the recording in %s.",
                                    s->directory, RECORDINGS_DIR_RUNTIME);
                        c->persist_failed_logged = true;
                        c->persist = false;
                        return 1;
                }
                c->persist_errno = errno;
                return 0;
        }
        fd = openat(dfd, c->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd < 0) {
                if (errno == EROFS || errno == EACCES) {
                        c->persist_errno = errno;
                        return 0;
                }
                if (!c->persist_failed_logged)
                        log_warning_errno(errno, "Failed to create '%s/%s', keeping the recording in %s: %m",
                                          s->directory, c->name, RECORDINGS_DIR_RUNTIME);
                c->persist_failed_logged = true;
                return errno == ENOSPC || errno == EDQUOT ? 0 : 1;
        }
        (void)flock(fd, LOCK_EX | LOCK_NB);
        if (gid != (gid_t)-1)
                (void)fchown(fd, 0, gid);

        r = bl_recorder_relocate(c->recorder, fd);
        if (r < 0) {
                (void)unlinkat(dfd, c->name, 0);
                if (!c->persist_failed_logged)
                        log_warning_errno(r, "Failed to move the recording to '%s', will retry: %m",
                                          s->directory);
                c->persist_failed_logged = true;
                return 0;
        }
        if (asprintf(&new_path, "%s/%s", s->directory, c->name) < 0)
                return log_oom(), 1;
        if (unlink(c->path) < 0)
                log_warning_errno(errno, "Failed to remove '%s', ignoring: %m", c->path);
        log_debug("Moved the recording to '%s'.", new_path);
        free(c->path);
        c->path = TAKE_PTR(new_path);
        c->persisted = true;
        prune(c, dfd);
        return 1;
}

int on_persist_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        if (try_persist(c))
                return 0; /* a oneshot: off now */
        return bl_loop_source_arm(s, when_ns + RETRY_NS);
}
