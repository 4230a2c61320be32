/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlogd: records every process event of a boot into a journal file.
 *
 * Lifecycle of a boot recording:
 *  - started first thing (initramfs hook, a unit in a systemd initrd, the
 *    real root's unit, or init= mode), it writes /run/bootlog/BOOT_ID.bootlog;
 *  - when PID 1 execs (the switch from the initramfs to the real root ends in
 *    an exec of the real init), it follows PID 1 into the new root, so paths
 *    such as /var/log and /run/systemd mean the real root's; the proc
 *    connector knows nothing of roots, so no event is missed across it;
 *  - once /var/log is writable it moves the recording to
 *    /var/log/bootlog/BOOT_ID.bootlog and keeps appending there, and prunes
 *    old boots (KeepBoots=, MaxUse=);
 *  - it stops at systemd's StartupFinished plus a tail, after a duration, on
 *    SIGTERM/SIGINT (`bootlog stop`), or at a safety limit; it then writes a
 *    one-line summary to stderr and to the systemd journal.
 * Nothing here may delay or break boot: failures are logged and recording
 * goes on where it can, or ends cleanly.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "conf.h"
#include "config.h"
#include "format.h"
#include "forward.h"
#include "privs.h"
#include "log.h"
#include "loop.h"
#include "recorder.h"
#include "sysbus.h"

#define EXIT_USAGE 2
/* Distinct status for "this kernel or context cannot deliver process events", so units can tell. */
#define EXIT_NO_CONNECTOR     3
#define RUNTIME_DIR           "/run/bootlog"
#define DEFAULT_PID_FILE      RUNTIME_DIR "/bootlogd.pid"
#define DEFAULT_CONFIG        SYSCONFDIR "/bootlog.conf"
#define SUMMARY_MESSAGE_ID    "9a5b6c1e2f3d4a8b9c7d0e1f2a3b4c5d"
#define RETRY_NS              NSEC_PER_SEC
#define INIT_READY_TIMEOUT_MS 5000
/* The summary may wait this long for room in journald's queue; events never wait. */
#define SUMMARY_TIMEOUT_MS 1000

static const char *arg_config = DEFAULT_CONFIG;
static char *arg_output;
static const char *arg_pid_file;
static bool arg_force;
static uint64_t arg_flush_interval_ns;
static size_t arg_block_size;
static int arg_rcvbuf;
static bool arg_no_snapshot;
static bool arg_sync = true;
static bool arg_daemon;
static bool arg_condition;
/* Command line settings, applied over the config file and the kernel command line. */
static const char *arg_until, *arg_tail, *arg_max_duration, *arg_directory, *arg_forward;
/* --argv, parsed once; handed to the settings by load_settings(). */
static struct bl_argv_policy *arg_argv_policy;
static enum bl_argv_capture arg_argv_capture = _BL_ARGV_CAPTURE_INVALID; /* unset */
static bool arg_no_cost = false;
static bool arg_no_persist;

struct context {
        struct settings settings;
        struct bl_loop *event;
        struct bl_recorder *recorder;
        struct forwarder *forwarder; /* Forward=journal */
        int proc_fd; /* /proc as it was at start: it stays valid when the mount moves to the new root */
        char *path;  /* the recording's current file */
        char *name;  /* its file name: BOOT_ID[-N].bootlog */
        const char *pid_file;
        bool persist; /* move the recording to settings.directory when possible */
        bool persisted;
        bool persist_failed_logged;
        int persist_errno; /* why the last try to persist found the directory unusable, for the end */
        struct bl_loop_source *persist_timer, *bus_timer, *stop_timer, *limit_timer, *reroot_source;
        struct sysbus *bus; /* to systemd, until startup finished */
        struct bl_loop_source *bus_source;
        bool startup_finished;
        enum bl_stop_reason reason;
        int notify_fd; /* --daemon / init mode: tells the waiting parent we are recording */
};

static void help(void)
{
        printf("Usage: bootlogd [OPTIONS]\n"
               "\n"
               "Record every process event (fork, exec, exit, ...) with the arguments\n"
               "of each exec into a journal file, from early boot until boot-up finished.\n"
               "\n"
               "Options:\n"
               "  -o, --output=PATH             record to PATH instead of\n"
               "                                " RUNTIME_DIR "/BOOT_ID.bootlog, moved to the\n"
               "                                persistent directory once it is writable\n"
               "      --force                   replace PATH if it exists\n"
               "      --until=WHEN              stop at 'startup-finished' (systemd), after a\n"
               "                                duration such as '90s', or 'stop' (only on\n"
               "                                SIGTERM or 'bootlog stop'); default: auto\n"
               "      --tail=DURATION           keep recording this long after startup\n"
               "                                finished (default: 5s)\n"
               "      --max-duration=DURATION   stop after this long in any case (default: 10min;\n"
               "                                0: never)\n"
               "      --directory=DIR           persistent directory (default: /var/log/bootlog)\n"
               "      --no-persist              stay in " RUNTIME_DIR "\n"
               "      --forward=journal[:EVENTS]\n"
               "                                also send events to the journal as they happen\n"
               "                                (EVENTS: exec, exit, failed-exit, fork, ...;\n"
               "                                default: exec,failed-exit); 'no': do not\n"
               "      --argv=POLICY             which command lines to record: 'all' (default),\n"
               "                                'none', or only those of programs matching\n"
               "                                PATTERN,... (exe path, comm or argv[0])\n"
               "      --argv-capture=auto|proc  capture command lines in the kernel at each exec\n"
               "                                when it allows (auto, the default), or only\n"
               "                                read them from /proc afterwards\n"
               "      --no-cost                 do not record what each process cost (CPU,\n"
               "                                I/O, delays: the kernel's taskstats)\n"
               "      --daemon                  run in the background; return once recording\n"
               "      --pid-file=PATH           write the pid here (default with the default\n"
               "                                output: " DEFAULT_PID_FILE ")\n"
               "      --condition               exit 0 if no recorder runs for this boot, 1 if\n"
               "                                one does (for ExecCondition=)\n"
               "      --config=FILE             settings file (default: " DEFAULT_CONFIG ")\n"
               "      --flush-interval=SECONDS  write a block at least this often (default: 1)\n"
               "      --block-size=BYTES        write a block when it holds this much (default: 65536)\n"
               "      --receive-buffer=BYTES    netlink receive buffer (default: 33554432)\n"
               "      --no-snapshot             do not record the processes already running\n"
               "      --no-sync                 do not fdatasync() each block\n"
               "  -h, --help                    show this help\n"
               "      --version                 show the version\n"
               "\n"
               "Exit status: 0 stopped cleanly, 1 error, 2 usage error,\n"
               "3 process events unavailable (no proc connector, or not permitted).\n");
}

static int parse_size(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_FORCE = 0x100,
                ARG_FLUSH,
                ARG_BLOCK,
                ARG_RCVBUF,
                ARG_NO_SNAPSHOT,
                ARG_NO_SYNC,
                ARG_VERSION,
                ARG_UNTIL,
                ARG_TAIL,
                ARG_MAX_DURATION,
                ARG_DIRECTORY,
                ARG_NO_PERSIST,
                ARG_DAEMON,
                ARG_PID_FILE,
                ARG_CONDITION,
                ARG_CONFIG,
                ARG_FORWARD,
                ARG_ARGV,
                ARG_ARGV_CAPTURE,
                ARG_NO_COST,
        };
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "force", no_argument, NULL, ARG_FORCE },
                { "flush-interval", required_argument, NULL, ARG_FLUSH },
                { "block-size", required_argument, NULL, ARG_BLOCK },
                { "receive-buffer", required_argument, NULL, ARG_RCVBUF },
                { "no-snapshot", no_argument, NULL, ARG_NO_SNAPSHOT },
                { "no-sync", no_argument, NULL, ARG_NO_SYNC },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "tail", required_argument, NULL, ARG_TAIL },
                { "max-duration", required_argument, NULL, ARG_MAX_DURATION },
                { "directory", required_argument, NULL, ARG_DIRECTORY },
                { "no-persist", no_argument, NULL, ARG_NO_PERSIST },
                { "daemon", no_argument, NULL, ARG_DAEMON },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "condition", no_argument, NULL, ARG_CONDITION },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "forward", required_argument, NULL, ARG_FORWARD },
                { "argv", required_argument, NULL, ARG_ARGV },
                { "argv-capture", required_argument, NULL, ARG_ARGV_CAPTURE },
                { "no-cost", no_argument, NULL, ARG_NO_COST },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        struct forward_spec spec;
        enum until_mode mode;
        unsigned long v;
        uint64_t ns;
        char *end;
        double d;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("bootlogd %s\n", PACKAGE_VERSION); return 0;
                case 'o':
                        free(arg_output);
                        arg_output = strdup(optarg);
                        if (!arg_output)
                                return log_oom();
                        break;
                case ARG_FORCE: arg_force = true; break;
                case ARG_FLUSH:
                        errno = 0;
                        d = strtod(optarg, &end);
                        if (errno || end == optarg || *end || d <= 0 || d > 3600)
                                return log_error_errno(EINVAL, "Invalid --flush-interval '%s'.", optarg);
                        arg_flush_interval_ns = (uint64_t)(d * 1e9);
                        break;
                case ARG_BLOCK:
                        if (parse_size(optarg, 4096, 64 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --block-size '%s' (4096..67108864).",
                                                       optarg);
                        arg_block_size = v;
                        break;
                case ARG_RCVBUF:
                        if (parse_size(optarg, 65536, 1024 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --receive-buffer '%s'.", optarg);
                        arg_rcvbuf = (int)v;
                        break;
                case ARG_NO_SNAPSHOT: arg_no_snapshot = true; break;
                case ARG_NO_SYNC: arg_sync = false; break;
                case ARG_UNTIL:
                        if (parse_until(optarg, &mode, &ns) < 0)
                                return log_error_errno(
                                    EINVAL,
                                    "Invalid --until '%s' (startup-finished, stop, auto or "
                                    "a duration such as 90s).",
                                    optarg);
                        arg_until = optarg;
                        break;
                case ARG_TAIL:
                        if (parse_duration(optarg, &ns) < 0)
                                return log_error_errno(EINVAL, "Invalid --tail '%s'.", optarg);
                        arg_tail = optarg;
                        break;
                case ARG_MAX_DURATION:
                        if (parse_duration(optarg, &ns) < 0)
                                return log_error_errno(EINVAL, "Invalid --max-duration '%s'.", optarg);
                        arg_max_duration = optarg;
                        break;
                case ARG_DIRECTORY:
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL, "--directory needs an absolute path.");
                        arg_directory = optarg;
                        break;
                case ARG_NO_PERSIST: arg_no_persist = true; break;
                case ARG_DAEMON: arg_daemon = true; break;
                case ARG_PID_FILE: arg_pid_file = optarg; break;
                case ARG_CONDITION: arg_condition = true; break;
                case ARG_CONFIG: arg_config = optarg; break;
                case ARG_FORWARD:
                        if (parse_forward(optarg, &spec) < 0)
                                return log_error_errno(
                                    EINVAL,
                                    "Invalid --forward '%s' (journal, journal:EVENTS with "
                                    "EVENTS a comma list such as exec,failed-exit, or no).",
                                    optarg);
                        arg_forward = optarg;
                        break;
                case ARG_ARGV: {
                        _cleanup_(bl_argv_policy_freep) struct bl_argv_policy *policy = NULL;
                        _cleanup_free_ char *error = NULL;
                        int r = bl_argv_policy_parse(optarg, &policy, &error);

                        if (r == -ENOMEM)
                                return log_oom();
                        if (r < 0)
                                return log_error_errno(EINVAL, "Invalid --argv '%s': %s.", optarg,
                                                       error ?: "not all, none or a list of patterns");
                        bl_argv_policy_free(arg_argv_policy);
                        arg_argv_policy = TAKE_PTR(policy);
                        break;
                }
                case ARG_NO_COST: arg_no_cost = true; break;
                case ARG_ARGV_CAPTURE:
                        arg_argv_capture = bl_argv_capture_from_string(optarg);
                        if (arg_argv_capture < 0)
                                return log_error_errno(EINVAL, "Invalid --argv-capture '%s' (auto or proc).",
                                                       optarg);
                        break;
                case ':':
                        return log_error_errno(EINVAL,
                                               "Option '%s' needs an argument. Try 'bootlogd --help'.",
                                               argv[optind - 1]);
                default:
                        return log_error_errno(EINVAL, "Unrecognized option '%s'. Try 'bootlogd --help'.",
                                               argv[optind - 1]);
                }
        }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument '%s'. Try 'bootlogd --help'.",
                                       argv[optind]);
        return 1;
}

/* Config file, then kernel command line, then our options. */
static int load_settings(struct settings *s)
{
        _cleanup_free_ char *cmdline = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0;
        int r;

        settings_init(s);
        if (!s->directory || !s->group)
                return log_oom();
        r = settings_load_config(s, arg_config);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                log_warning_errno(r, "Failed to read '%s', ignoring: %m", arg_config);

        f = fopen("/proc/cmdline", "re");
        if (f && getline(&cmdline, &size, f) >= 0) {
                r = settings_load_cmdline(s, cmdline);
                if (r < 0)
                        return log_oom();
        }

        if (arg_until)
                (void)parse_until(arg_until, &s->until, &s->until_ns);
        if (arg_tail)
                (void)parse_duration(arg_tail, &s->tail_ns);
        if (arg_max_duration)
                (void)parse_duration(arg_max_duration, &s->max_duration_ns);
        if (arg_directory) {
                free(s->directory);
                s->directory = strdup(arg_directory);
                if (!s->directory)
                        return log_oom();
        }
        if (arg_no_persist) {
                free(s->directory);
                s->directory = NULL;
        }
        if (arg_forward)
                (void)parse_forward(arg_forward, &s->forward);
        if (arg_argv_policy) {
                bl_argv_policy_free(s->argv_policy);
                s->argv_policy = TAKE_PTR(arg_argv_policy);
        }
        if (arg_argv_capture >= 0)
                s->argv_capture = arg_argv_capture;
        if (arg_no_cost)
                s->cost = false;
        return 0;
}

static bool in_initrd(void)
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

/* The pid of a running recorder according to the pid file, or 0. */
static pid_t running_recorder(const char *pid_file)
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

static int write_pid_file(const char *path)
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
                if (asprintf(&a, RUNTIME_DIR "/%s", name) < 0 ||
                    asprintf(&b, "%s/%s", s->directory ?: RUNTIME_DIR, name) < 0)
                        return -ENOMEM;
                if (access(a, F_OK) < 0 && access(b, F_OK) < 0) {
                        *ret = TAKE_PTR(name);
                        return 0;
                }
        }
        return -EEXIST;
}

static int open_output(struct context *c)
{
        gid_t gid = lookup_group(&c->settings);
        _cleanup_close_ int dfd = -1;
        int fd, r;

        if (arg_output) {
                c->path = strdup(arg_output);
                if (!c->path)
                        return log_oom();
                c->pid_file = arg_pid_file;
        } else {
                if (mkdir(RUNTIME_DIR, 0750) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Failed to create '%s': %m", RUNTIME_DIR);
                /* Never through a symbolic link: the file is created relative to this fd. */
                dfd = open(RUNTIME_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        return log_error_errno(errno, "Failed to open '%s' (not a directory?): %m",
                                               RUNTIME_DIR);
                if (gid != (gid_t)-1)
                        (void)fchown(dfd, 0, gid);
                r = pick_name(&c->settings, &c->name);
                if (r < 0)
                        return log_error_errno(r, "Failed to choose a file name for this boot: %m");
                if (asprintf(&c->path, RUNTIME_DIR "/%s", c->name) < 0)
                        return log_oom();
                c->pid_file = arg_pid_file ?: DEFAULT_PID_FILE;
                c->persist = c->settings.directory && *c->settings.directory;
        }

        fd = dfd >= 0 ? bl_output_create_at(dfd, c->name, arg_force) : bl_output_create(c->path, arg_force);
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

/* Keeps the newest KeepBoots recordings (this one included) within MaxUse; never removes this one. */
static void prune(struct context *c, int dfd)
{
        struct entry {
                char *name;
                time_t mtime;
                uint64_t size;
        } *list = NULL, *e;
        _cleanup_close_ int dup_fd = -1;
        struct dirent *de;
        uint64_t total = 0;
        size_t n = 0, keep;
        struct stat st;
        DIR *d;

        dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return;
        d = fdopendir(dup_fd);
        if (!d)
                return;
        dup_fd = -1;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);

                if (len < 9 || !streq(de->d_name + len - 8, ".bootlog") || streq(de->d_name, c->name))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                e = reallocarray(list, n + 1, sizeof(*list));
                if (!e)
                        break;
                list = e;
                list[n].name = strdup(de->d_name);
                if (!list[n].name)
                        break;
                list[n].mtime = st.st_mtime;
                list[n].size = (uint64_t)st.st_size;
                total += list[n].size;
                n++;
        }
        closedir(d);
        if (fstatat(dfd, c->name, &st, 0) == 0)
                total += (uint64_t)st.st_size;

        /* Newest first. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && list[j].mtime > list[j - 1].mtime; j--) {
                        struct entry t = list[j];
                        list[j] = list[j - 1];
                        list[j - 1] = t;
                }
        keep = c->settings.keep_boots > 0 ? c->settings.keep_boots - 1 : 0;
        for (size_t i = n; i-- > 0;) {
                if (i < keep && total <= c->settings.max_use)
                        break;
                if (unlinkat(dfd, list[i].name, 0) == 0) {
                        log_info("Removed old recording '%s/%s'.", c->settings.directory, list[i].name);
                        total -= list[i].size;
                } else
                        log_warning_errno(errno, "Failed to remove old recording '%s/%s', ignoring: %m",
                                          c->settings.directory, list[i].name);
        }
        for (size_t i = 0; i < n; i++)
                free(list[i].name);
        free(list);
}

/*
 * Moves the recording to the persistent directory if it is writable now.
 * Returns 1 when moved (or nothing to do), 0 to try again later.
 */
static int try_persist(struct context *c)
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
                                    s->directory, RUNTIME_DIR);
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
                                          s->directory, c->name, RUNTIME_DIR);
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

/* Tells the service manager, if one waits for it ($NOTIFY_SOCKET); failures change nothing for us. */
static void notify(const char *text)
{
        int r;

        r = sysbus_notify(getenv("NOTIFY_SOCKET"), text);
        if (r < 0)
                log_debug_errno(r, "Failed to notify the service manager, ignoring: %m");
}

static void stop(struct context *c, enum bl_stop_reason reason)
{
        if (c->reason == BL_STOP_UNKNOWN)
                c->reason = reason;
        notify("STOPPING=1");
        bl_loop_exit(c->event, 0);
}

static int on_persist_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        if (try_persist(c))
                return 0; /* a oneshot: off now */
        return bl_loop_source_arm(s, when_ns + RETRY_NS);
}

static int on_stop_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        stop(c, c->startup_finished ? BL_STOP_STARTUP_FINISHED : BL_STOP_DURATION);
        return 0;
}

static int on_limit_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        log_info("Stopping after the maximum duration.");
        stop(c, BL_STOP_MAX_DURATION);
        return 0;
}

static void startup_finished(struct context *c)
{
        if (c->startup_finished)
                return;
        c->startup_finished = true;
        log_debug("Startup finished; recording %" PRIu64 " ms more.", c->settings.tail_ns / NSEC_PER_MSEC);
        c->stop_timer = bl_loop_source_free(c->stop_timer);
        if (bl_loop_add_time(c->event, &c->stop_timer, bl_loop_now(c->event) + c->settings.tail_ns,
                             on_stop_timer, c) < 0)
                stop(c, BL_STOP_STARTUP_FINISHED);
}

static void bus_close(struct context *c)
{
        c->bus_source = bl_loop_source_free(c->bus_source);
        c->bus = sysbus_free(c->bus);
}

static int on_bus_io(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct context *c = userdata;
        int r;

        r = sysbus_process(c->bus);
        if (r > 0) {
                /* Nothing more to hear from systemd. */
                bus_close(c);
                startup_finished(c);
                return 0;
        }
        if (r < 0) {
                /* PID 1 re-executed (switch root, daemon-reexec), or would not answer: connect again. */
                log_debug_errno(r, "Connection to systemd ended, will retry: %m");
                bus_close(c);
                if (!c->startup_finished && c->bus_timer)
                        return bl_loop_source_arm(c->bus_timer, bl_loop_now(c->event) + RETRY_NS);
                return 0;
        }
        return bl_loop_source_set_io_events(s, sysbus_get_events(c->bus));
}

/*
 * Talks to systemd over its private socket (no D-Bus daemon needed, so this
 * works from early boot): subscribes to StartupFinished, and checks whether
 * startup has finished already (sysbus_process() tells, from on_bus_io()).
 * Returns 1 when connected, 0 to retry later.
 */
static int try_bus(struct context *c)
{
        struct sysbus *bus = NULL;
        int r;

        if (c->bus)
                return 1;
        if (in_initrd() || access(SYSTEMD_PRIVATE_SOCKET, F_OK) < 0)
                return 0;
        r = sysbus_connect(SYSTEMD_PRIVATE_SOCKET, getuid(), &bus);
        if (r >= 0)
                r = bl_loop_add_io(c->event, &c->bus_source, sysbus_get_fd(bus), sysbus_get_events(bus),
                                   on_bus_io, c);
        if (r < 0) {
                sysbus_free(bus);
                log_debug_errno(r, "Failed to talk to systemd, will retry: %m");
                return 0;
        }
        c->bus = bus;
        log_debug("Connected to systemd.");
        return 1;
}

static int on_bus_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        if (try_bus(c) || c->startup_finished)
                return 0; /* a oneshot: off now */
        return bl_loop_source_arm(s, when_ns + RETRY_NS);
}

/* PID 1 exec'd: the initramfs handed over to the real root. Follow it there. */
static int on_reroot(struct bl_loop_source *s, void *userdata)
{
        struct context *c = userdata;
        _cleanup_close_ int root = -1;
        uint64_t now;

        c->reroot_source = bl_loop_source_free(c->reroot_source);
        root = openat(c->proc_fd, "1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0 || fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                log_warning_errno(errno, "Failed to follow PID 1 into its root, ignoring: %m");
                return 0;
        }
        log_debug("Followed PID 1 into its root.");
        /* Paths mean the real root's now: look for /var/log and systemd again, right away. */
        now = bl_loop_now(c->event);
        if (c->persist_timer && !c->persisted)
                (void)bl_loop_source_arm(c->persist_timer, now);
        if (c->bus_timer && !c->bus && !c->startup_finished)
                (void)bl_loop_source_arm(c->bus_timer, now);
        if (c->forwarder)
                forwarder_retry_now(c->forwarder);
        return 0;
}

static int on_event(struct bl_event *ev, void *userdata)
{
        struct context *c = userdata;

        if (c->forwarder)
                forwarder_event(c->forwarder, ev);

        if (ev->type == BL_EVENT_EXEC && ev->pid == 1 && c->event && !c->reroot_source)
                /* Not from inside the recorder's dispatch: do it from the loop. */
                (void)bl_loop_add_defer(c->event, &c->reroot_source, on_reroot, c);
        return 0;
}

static int on_signal(struct bl_loop_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *c = userdata;

        if (si->ssi_signo == SIGUSR1) {
                (void)try_persist(c);
                return 0;
        }
        stop(c, BL_STOP_SIGNAL);
        return 0;
}

static void notify_parent(struct context *c, uint8_t status)
{
        int null_fd, log_fd;

        if (c->notify_fd < 0)
                return;
        (void)!write(c->notify_fd, &status, 1);
        c->notify_fd = safe_close(c->notify_fd);
        if (status != 0)
                return;

        /*
         * Let go of the caller's terminal or pipes (a caller reading our output would wait for us
         * otherwise); later messages go to the kernel log, which exists from the first moment of boot.
         */
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        log_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (null_fd >= 0) {
                (void)dup2(null_fd, STDIN_FILENO);
                (void)dup2(null_fd, STDOUT_FILENO);
                (void)dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
        }
        safe_close(null_fd);
        safe_close(log_fd);
}

/*
 * The summary, to the journal with its MESSAGE_ID (see units/bootlog.catalog). Not with sd_journal_send(),
 * which would wait as long as journald's queue stays full: a stopped journald must not keep bootlogd from
 * exiting. journald may not run (yet, or at all): then stderr has the line.
 */
static void journal_summary(const struct context *c, const struct bl_recorder_stats *st, const char *message,
                            const struct forward_stats *fst)
{
        _cleanup_(journal_conn_freep) struct journal_conn *j = NULL;
        _cleanup_(journal_entry_done) struct journal_entry e = {};
        int r;

        journal_entry_add_string(&e, "MESSAGE_ID", SUMMARY_MESSAGE_ID);
        journal_entry_add_string(&e, "PRIORITY", "6");
        journal_entry_add_string(&e, "SYSLOG_IDENTIFIER", "bootlogd");
        journal_entry_add_string(&e, "MESSAGE", message);
        journal_entry_addf(&e, "BOOTLOG_PROCESSES", "%" PRIu64, st->processes);
        journal_entry_addf(&e, "BOOTLOG_EVENTS", "%" PRIu64, st->events);
        journal_entry_addf(&e, "BOOTLOG_LOST", "%" PRIu64, st->lost);
        journal_entry_addf(&e, "BOOTLOG_BYTES", "%" PRIu64, st->bytes);
        journal_entry_add_string(&e, "BOOTLOG_FILE", c->path);
        journal_entry_add_string(&e, "BOOTLOG_STOP_REASON",
                                 bl_stop_reason_to_string(c->reason) ?: "unknown");
        if (fst) {
                journal_entry_addf(&e, "BOOTLOG_FORWARDED", "%" PRIu64, fst->forwarded);
                journal_entry_addf(&e, "BOOTLOG_NOT_FORWARDED", "%" PRIu64, fst->not_forwarded);
        }
        r = journal_conn_new(JOURNAL_SOCKET, &j);
        if (r >= 0)
                r = journal_conn_send(j, &e, SUMMARY_TIMEOUT_MS);
        if (r < 0)
                log_debug_errno(r, "Failed to send the summary to the journal, ignoring: %m");
}

/* "Recorded 233 processes, ...; stopped: signal; forwarded 230 events, 12 not (journald unavailable)." */
static void summary(const struct context *c, const struct bl_recorder_stats *st)
{
        _cleanup_free_ char *forwarded = NULL, *message = NULL;
        const char *reason = bl_stop_reason_to_string(c->reason) ?: "unknown";
        struct forward_stats fst;

        if (c->forwarder) {
                forwarder_get_stats(c->forwarder, &fst);
                forwarded = forward_stats_describe(&fst);
                if (!forwarded)
                        log_oom(); /* the journal still gets the counts */
        }
        if (asprintf(&message,
                     "Recorded %" PRIu64 " processes, %" PRIu64 " events (%" PRIu64 " lost) in %" PRIu64
                     " bytes to '%s'; stopped: %s%s%s.",
                     st->processes, st->events, st->lost, st->bytes, c->path, reason, forwarded ? "; " : "",
                     forwarded ?: "") < 0) {
                log_oom();
                return;
        }
        /* Under systemd stderr goes to the journal too: the structured message is enough there. */
        if (!getenv("JOURNAL_STREAM"))
                log_info("%s", message);
        journal_summary(c, st, message, c->forwarder ? &fst : NULL);
}

static int setup_loop(struct context *c)
{
        const struct settings *s = &c->settings;
        bool want_bus;
        uint64_t now;
        int r;

        r = bl_loop_new(&c->event);
        if (r < 0)
                return r;
        r = bl_recorder_attach_event(c->recorder, c->event);
        if (r < 0)
                return r;
        if (bl_loop_add_signal(c->event, NULL, SIGINT, on_signal, c) < 0 ||
            bl_loop_add_signal(c->event, NULL, SIGTERM, on_signal, c) < 0 ||
            bl_loop_add_signal(c->event, NULL, SIGUSR1, on_signal, c) < 0)
                return -EIO;
        now = bl_loop_now(c->event);

        if (c->persist) {
                r = bl_loop_add_time(c->event, &c->persist_timer, now, on_persist_timer, c);
                if (r < 0)
                        return r;
        }
        if (s->until == UNTIL_DURATION) {
                r = bl_loop_add_time(c->event, &c->stop_timer, now + s->until_ns, on_stop_timer, c);
                if (r < 0)
                        return r;
        }
        if (s->max_duration_ns > 0) {
                r = bl_loop_add_time(c->event, &c->limit_timer, now + s->max_duration_ns, on_limit_timer, c);
                if (r < 0)
                        return r;
        }
        want_bus = s->until == UNTIL_STARTUP_FINISHED || (s->until == UNTIL_AUTO && !arg_output);
        if (want_bus) {
                r = bl_loop_add_time(c->event, &c->bus_timer, now, on_bus_timer, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void context_done(struct context *c)
{
        c->persist_timer = bl_loop_source_free(c->persist_timer);
        c->bus_timer = bl_loop_source_free(c->bus_timer);
        c->stop_timer = bl_loop_source_free(c->stop_timer);
        c->limit_timer = bl_loop_source_free(c->limit_timer);
        c->reroot_source = bl_loop_source_free(c->reroot_source);
        bus_close(c);
        c->event = bl_loop_free(c->event);
        c->forwarder = forwarder_free(c->forwarder);
        c->proc_fd = safe_close(c->proc_fd);
        c->notify_fd = safe_close(c->notify_fd);
        settings_done(&c->settings);
        free(c->path);
        free(c->name);
}

/* Records until a stop condition; returns the exit status. */
static int run(struct context *c)
{
        struct bl_recorder_stats stats;
        struct bl_recorder_options opts;
        sigset_t mask;
        int r, fd, ret;

        c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

        fd = open_output(c);
        if (fd < 0)
                return EXIT_FAILURE;

        /* Before the recorder: the snapshot fills the forwarder's map of processes. */
        if (c->settings.forward.enabled) {
                r = forwarder_new(&c->settings.forward, JOURNAL_SOCKET, &c->forwarder);
                if (r < 0)
                        log_warning_errno(
                            r, "Failed to set up forwarding to the journal, recording without: %m");
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        opts = (struct bl_recorder_options){
                .output_fd = fd,
                .block_size = arg_block_size,
                .flush_interval_ns = arg_flush_interval_ns,
                .rcvbuf = arg_rcvbuf,
                .no_snapshot = arg_no_snapshot,
                .sync = arg_sync,
                .observer = on_event,
                .observer_userdata = c,
                .argv_policy = c->settings.argv_policy,
                .argv_capture = c->settings.argv_capture,
                .no_cost = !c->settings.cost,
        };
        r = bl_recorder_new(&opts, &c->recorder);
        if (r < 0) {
                (void)unlink(c->path);
                if (r == -EPERM || r == -EACCES) {
                        log_error("Failed to subscribe to process events: %s (needs CAP_NET_ADMIN in the "
                                  "initial network namespace).",
                                  strerror(-r));
                        /* A Type=notify unit whose process exits before READY=1 fails: this must not. */
                        notify("READY=1\nSTATUS=Process events not permitted; not recording.");
                        return EXIT_NO_CONNECTOR;
                }
                if (r == -EPROTONOSUPPORT) {
                        log_error(
                            "This kernel has no process events connector (CONFIG_PROC_EVENTS), or it is "
                            "not reachable from this network namespace.");
                        notify("READY=1\nSTATUS=No process events connector; not recording.");
                        return EXIT_NO_CONNECTOR;
                }
                log_error_errno(r, "Failed to start recording to '%s': %m", c->path);
                return EXIT_FAILURE;
        }

        {
                const char *why;

                if (bl_recorder_argv_at_exec(c->recorder, &why))
                        log_info("Command lines are captured in the kernel at each exec.");
                else if (why)
                        log_notice(
                            "Command lines are read from /proc (%s): a program that exits at once may "
                            "show none.",
                            why);
                else
                        log_info("Command lines are read from /proc (ArgvCapture=proc).");
                if (bl_recorder_cost(c->recorder, &why))
                        log_info("What each process costs is recorded from the kernel's taskstats.");
                else if (why)
                        log_notice("Costs are not recorded (%s): CPU time, I/O and delays per process "
                                   "will be missing.",
                                   why);
                else
                        log_info("Costs are not recorded (Cost=no).");
        }

        /* Subscribed: from here on nothing needs more than reading /proc, following PID 1 and writing our
         * own files. */
        r = privs_drop(PRIVS_KEEP_RECORDER);
        if (r < 0)
                log_warning_errno(r, "Failed to drop capabilities, recording with them: %m");
        else if (r > 0)
                log_debug("Capabilities dropped; the bounding set is left as it was (no CAP_SETPCAP).");

        if (c->pid_file) {
                r = write_pid_file(c->pid_file);
                if (r < 0)
                        log_warning_errno(r, "Failed to write '%s', ignoring: %m", c->pid_file);
        }

        r = setup_loop(c);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                bl_recorder_set_stop_reason(c->recorder, BL_STOP_ERROR);
                (void)bl_recorder_finish(c->recorder, NULL);
                c->recorder = NULL;
                return EXIT_FAILURE;
        }

        notify_parent(c, 0);
        {
                _cleanup_free_ char *status = NULL;

                if (asprintf(&status, "READY=1\nSTATUS=Recording process events to %s", c->path) < 0)
                        status = NULL;
                /* Without the status, still ready: a unit waiting for READY=1 must not time out. */
                notify(status ?: "READY=1");
        }
        log_debug("Recording to '%s'.", c->path);

        r = bl_loop_run(c->event);
        ret = EXIT_SUCCESS;
        if (r < 0) {
                log_error_errno(r, "Recording stopped by an error: %m");
                if (c->reason == BL_STOP_UNKNOWN)
                        c->reason = BL_STOP_ERROR;
                ret = EXIT_FAILURE;
        }

        /* A last chance to land on persistent storage before closing. */
        (void)try_persist(c);
        if (c->persist && !c->persisted && !c->persist_failed_logged && c->persist_errno != 0)
                log_warning_errno(c->persist_errno,
                                  "'%s' could not be written to (%m); the recording stays in '%s'.",
                                  c->settings.directory, c->path);
        bl_recorder_set_stop_reason(c->recorder, c->reason);
        r = bl_recorder_finish(c->recorder, &stats);
        c->recorder = NULL;
        if (r < 0)
                log_warning_errno(r, "Some events could not be written to '%s': %m", c->path);
        summary(c, &stats);
        if (c->pid_file && running_recorder(c->pid_file) == 0)
                (void)unlink(c->pid_file);
        return ret;
}

/*
 * --daemon: the parent waits until the child records (or fails), then exits
 * with the child's status, so a boot script can go on knowing nothing after
 * it is missed.
 */
static int daemonize(struct context *c)
{
        int fds[2];
        uint8_t status = EXIT_FAILURE;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to create a pipe: %m");
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid > 0) {
                ssize_t n;

                close(fds[1]);
                do
                        n = read(fds[0], &status, 1);
                while (n < 0 && errno == EINTR);
                _exit(n == 1 ? status : EXIT_FAILURE);
        }
        close(fds[0]);
        (void)setsid();
        c->notify_fd = fds[1];
        return 0;
}

/*
 * init= mode: PID 1 starts a recorder child, waits (bounded) until it
 * records, then becomes the real init. Nothing may stop that exec.
 */
static _Noreturn void run_as_init(struct context *c, char *argv[])
{
        const char *inits[] = { c->settings.init, "/sbin/init", "/lib/systemd/systemd", "/bin/sh" };
        struct statfs sfs;
        struct stat root_st, run_st;

        /* An initramfs may have started a recorder already: then there is nothing to start. */
        if (c->settings.enable && running_recorder(DEFAULT_PID_FILE) == 0) {
                int fds[2];
                pid_t pid;

                /* Nothing is mounted yet; the real init copes with what we mount (it checks first). */
                if (statfs("/proc", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                        (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
                /* The kernel's BTF, /sys/kernel/btf/vmlinux, for the exec argv capture. */
                if (statfs("/sys", &sfs) < 0 || sfs.f_type != SYSFS_MAGIC)
                        (void)mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
                if (stat("/", &root_st) == 0 && stat("/run", &run_st) == 0 &&
                    root_st.st_dev == run_st.st_dev)
                        (void)mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
                                    "mode=0755");

                if (pipe2(fds, O_CLOEXEC) == 0) {
                        int kmsg;

                        pid = fork();
                        if (pid == 0) {
                                close(fds[0]);
                                (void)setsid();
                                /* Started as .../init: answer to the name `bootlog stop` looks for. */
                                (void)prctl(PR_SET_NAME, "bootlogd");
                                /* PID 1's stderr is the console, which no log keeps: say what we do
                                 * where the journal will find it, from the first line on. */
                                kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
                                if (kmsg >= 0) {
                                        (void)dup2(kmsg, STDERR_FILENO);
                                        safe_close(kmsg);
                                }
                                c->notify_fd = fds[1];
                                _exit(run(c));
                        }
                        close(fds[1]);
                        if (pid > 0) {
                                struct pollfd p = { .fd = fds[0], .events = POLLIN };
                                (void)poll(&p, 1, INIT_READY_TIMEOUT_MS);
                        }
                        close(fds[0]);
                }
        }

        for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                if (!inits[i])
                        continue;
                argv[0] = (char *)inits[i];
                execv(inits[i], argv);
                log_error_errno(errno, "Failed to execute init '%s': %m", inits[i]);
        }
        for (;;)
                pause();
}

int main(int argc, char *argv[])
{
        struct context c = { .proc_fd = -1, .notify_fd = -1 };
        int r;

        log_set_program("bootlogd");
        /* Early boot scripts send our output to pipes that go away (dracut's console at switch_root). */
        (void)signal(SIGPIPE, SIG_IGN);

        /* init= mode: as PID 1, the kernel command line is all we are given. */
        if (getpid() == 1) {
                if (load_settings(&c.settings) < 0)
                        settings_init(&c.settings);
                run_as_init(&c, argv);
        }

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (load_settings(&c.settings) < 0)
                return EXIT_FAILURE;

        if (arg_condition) {
                pid_t pid = running_recorder(arg_pid_file ?: DEFAULT_PID_FILE);

                if (pid > 0)
                        log_info("bootlogd (pid %d) is already recording this boot.", (int)pid);
                context_done(&c);
                return pid > 0 ? 1 : 0;
        }
        if (!c.settings.enable) {
                log_info("Disabled (bootlog.enable=0 or Enable=no); not recording.");
                notify("READY=1\nSTATUS=Disabled; not recording.");
                context_done(&c);
                return EXIT_SUCCESS;
        }
        if (!arg_output) {
                pid_t pid = running_recorder(arg_pid_file ?: DEFAULT_PID_FILE);

                if (pid > 0) {
                        log_error("bootlogd (pid %d) is already recording this boot.", (int)pid);
                        context_done(&c);
                        return EXIT_FAILURE;
                }
        }
        if (arg_daemon && daemonize(&c) < 0) {
                context_done(&c);
                return EXIT_FAILURE;
        }

        r = run(&c);
        notify_parent(&c, (uint8_t)r);
        context_done(&c);
        free(arg_output);
        return r;
}
