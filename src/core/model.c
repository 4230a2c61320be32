/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process tree, rebuilt from events in file order (the kernel's causal
 * order; timestamps of different CPUs may disagree slightly, so nothing here
 * orders events by timestamp).
 *
 * Each pid maps, in an open-addressing table, to the newest process that had
 * it; that process is the live one unless its exit was seen. Older processes
 * with the same pid hang off it (prev_same_pid) for bl_model_find().
 *
 * Children and roots are kept ordered by (start_ns, index). Appending in file
 * order is nearly sorted, so a child is moved into place when it is only a
 * few slots off; otherwise the array is marked dirty and sorted on the next
 * read access. Re-linking a snapshot process under its real forker leaves a
 * stale entry in the old array, dropped at the same time. Every process is
 * re-linked at most once, so the whole build is O(n log n).
 *
 * Memory is what limits the size of a recording this can show, so a process
 * costs little: nodes and first execs come from chunks (no allocator header
 * each), array capacities follow from their lengths instead of being stored,
 * and the strings of exec infos are shared: a million runs of the same
 * command hold one copy of its argv.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/*
 * A snapshot and a fork event describe the same process when their start
 * times are this close: /proc start times have tick precision and the fork
 * event may still have been queued when /proc was read.
 */
#define SAME_START_NS (20 * NSEC_PER_MSEC)

/* How far bl_process_image_at() climbs for an inherited image: bounds the cost per call on fork chains. */
#define INHERIT_DEPTH_MAX 4096

/* How far an out-of-order child is moved into place at once; further, the array is sorted lazily. */
#define INSERT_SCAN_MAX 16

/* How far the ancestors of a new parent are searched for a cycle before a re-link is refused. */
#define RELINK_DEPTH_MAX 4096

#define CHUNK_FIRST 64
#define CHUNK_MAX   65536

struct node {
        struct bl_process p;        /* first: model.h's view of the process */
        struct node *prev_same_pid; /* the process that had this pid before */
};

#define NODE(proc) ((struct node *)(proc))

struct pid_slot {
        pid_t pid;
        struct node *head; /* newest process with this pid; NULL: free slot */
};

/* Strings or argv vectors, each content once; power-of-two size, at most half full; no deletions. */
struct shared_slot {
        uint64_t hash;
        void *p; /* char *, or char ** of shared strings; NULL: free slot */
};

struct shared_table {
        struct shared_slot *slots;
        size_t cap, n;
};

struct bl_model {
        struct bl_process **procs; /* every process, by index */
        size_t n_procs, procs_cap;
        uint64_t *dirty_bits; /* by index: the children need compacting and sorting (on the dirty list) */
        size_t dirty_bits_cap;

        struct bl_process **roots;
        size_t n_roots, roots_cap;
        bool roots_dirty;

        struct node **dirty; /* nodes whose children need settling */
        size_t n_dirty, dirty_cap;

        struct pid_slot *pids; /* power-of-two size, at most half full; no deletions */
        size_t pids_cap, n_pids;
        unsigned pids_shift;

        struct node **chunks; /* nodes are allocated in growing chunks: stable pointers, cheap free */
        size_t n_chunks, chunks_cap, chunk_size, chunk_used;

        struct bl_exec **exec_blocks; /* first execs: most processes exec once or never */
        size_t n_exec_blocks, exec_blocks_cap, exec_block_size, exec_block_used;

        struct shared_table strings, vectors;

        struct bl_model_stats stats;
};

static int grow_array(void **array, size_t *cap, size_t need, size_t size, size_t min)
{
        size_t c;
        void *a;

        if (need <= *cap)
                return 0;
        c = MAX(*cap * 2, min);
        if (c < need)
                c = need;
        a = reallocarray(*array, c, size);
        if (!a)
                return -ENOMEM;
        *array = a;
        *cap = c;
        return 0;
}

#define GROW(array, cap, need, min) grow_array((void **)&(array), &(cap), (need), sizeof(*(array)), (min))

/*
 * The capacity of an array that holds n elements and grew by doubling from
 * min: not stored, it follows from n. An array that shrank (settle_array())
 * holds at least this much.
 */
static size_t derived_cap(size_t n, size_t min)
{
        if (n <= min)
                return min;
        return (size_t)1 << (64 - __builtin_clzll((unsigned long long)n - 1));
}

/* As GROW() for an array with a derived capacity, which holds n elements. */
static int grow_derived(void **array, size_t n, size_t need, size_t size, size_t min)
{
        size_t cap = *array ? derived_cap(n, min) : 0;
        void *a;

        if (need <= cap)
                return 0;
        a = reallocarray(*array, derived_cap(need, min), size);
        if (!a)
                return -ENOMEM;
        *array = a;
        return 0;
}

/* ---- pid table ---- */

static size_t pid_hash(const struct bl_model *m, pid_t pid)
{
        /* Fibonacci hashing spreads the dense, sequential pids over the whole table. */
        return ((uint32_t)pid * UINT32_C(2654435769)) >> m->pids_shift;
}

static struct pid_slot *pid_slot(const struct bl_model *m, pid_t pid)
{
        size_t mask = m->pids_cap - 1;

        for (size_t i = pid_hash(m, pid);; i = (i + 1) & mask)
                if (!m->pids[i].head || m->pids[i].pid == pid)
                        return &m->pids[i];
}

static struct node *pid_head(const struct bl_model *m, pid_t pid)
{
        if (m->pids_cap == 0)
                return NULL;
        return pid_slot(m, pid)->head;
}

/* Makes room for one more pid. */
static int pid_reserve(struct bl_model *m)
{
        struct pid_slot *old = m->pids, *new;
        size_t old_cap = m->pids_cap, cap;
        unsigned bits;

        if ((m->n_pids + 1) * 2 <= m->pids_cap)
                return 0;
        cap = old_cap ? old_cap * 2 : 1024;
        new = calloc(cap, sizeof(struct pid_slot));
        if (!new)
                return -ENOMEM;
        bits = __builtin_ctzll(cap);
        m->pids = new;
        m->pids_cap = cap;
        m->pids_shift = 32 - bits;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].head)
                        *pid_slot(m, old[i].pid) = old[i];
        free(old);
        return 0;
}

/* Needs pid_reserve() first. */
static void pid_set_head(struct bl_model *m, pid_t pid, struct node *n)
{
        struct pid_slot *s = pid_slot(m, pid);

        if (!s->head) {
                s->pid = pid;
                m->n_pids++;
        }
        s->head = n;
}

static struct node *live(const struct bl_model *m, pid_t pid)
{
        struct node *n;

        if (pid <= 0)
                return NULL;
        n = pid_head(m, pid);
        return n && !n->p.exited ? n : NULL;
}

/* ---- ordered children ---- */

static int proc_cmp(const struct bl_process *a, const struct bl_process *b)
{
        if (a->start_ns != b->start_ns)
                return a->start_ns < b->start_ns ? -1 : 1;
        if (a->index != b->index)
                return a->index < b->index ? -1 : 1;
        return 0;
}

static int proc_cmp_qsort(const void *a, const void *b)
{
        return proc_cmp(*(struct bl_process *const *)a, *(struct bl_process *const *)b);
}

static int dirty_reserve(struct bl_model *m, size_t k)
{
        return GROW(m->dirty, m->dirty_cap, m->n_dirty + k, 16);
}

static bool is_dirty(const struct bl_model *m, const struct node *n)
{
        return (m->dirty_bits[n->p.index / 64] >> (n->p.index % 64)) & 1;
}

static void set_dirty(struct bl_model *m, const struct node *n, bool dirty)
{
        uint64_t bit = UINT64_C(1) << (n->p.index % 64);

        if (dirty)
                m->dirty_bits[n->p.index / 64] |= bit;
        else
                m->dirty_bits[n->p.index / 64] &= ~bit;
}

/* Needs dirty_reserve() first. parent NULL: the roots. */
static void mark_dirty(struct bl_model *m, struct node *parent)
{
        if (!parent) {
                m->roots_dirty = true;
                return;
        }
        if (is_dirty(m, parent))
                return;
        set_dirty(m, parent, true);
        m->dirty[m->n_dirty++] = parent;
}

/* Room for one more child of parent (NULL: one more root), and for marking the array dirty. */
static int children_reserve(struct bl_model *m, struct node *parent)
{
        int r;

        r = dirty_reserve(m, 1);
        if (r < 0)
                return r;
        if (!parent)
                return GROW(m->roots, m->roots_cap, m->n_roots + 1, 16);
        return grow_derived((void **)&parent->p.children, parent->p.n_children, parent->p.n_children + 1,
                            sizeof(*parent->p.children), 2);
}

/* Needs children_reserve() first. Sets child's parent. */
static void children_insert(struct bl_model *m, struct node *parent, struct node *child)
{
        struct bl_process **a = parent ? parent->p.children : m->roots;
        size_t *n = parent ? &parent->p.n_children : &m->n_roots;
        bool dirty = parent ? is_dirty(m, parent) : m->roots_dirty;
        size_t i = *n;

        child->p.parent = parent ? &parent->p : NULL;
        if (!dirty) {
                size_t stop = i > INSERT_SCAN_MAX ? i - INSERT_SCAN_MAX : 0;

                while (i > stop && proc_cmp(a[i - 1], &child->p) > 0)
                        i--;
                if (i > 0 && proc_cmp(a[i - 1], &child->p) > 0) {
                        i = *n;
                        mark_dirty(m, parent);
                }
        }
        memmove(a + i + 1, a + i, (*n - i) * sizeof(*a));
        a[i] = &child->p;
        (*n)++;
}

/* Drops entries re-linked elsewhere and sorts. */
static void settle_array(struct bl_process **a, size_t *n, const struct bl_process *owner)
{
        size_t j = 0;

        for (size_t i = 0; i < *n; i++)
                if (a[i]->parent == owner)
                        a[j++] = a[i];
        *n = j;
        qsort(a, j, sizeof(*a), proc_cmp_qsort);
}

/*
 * Readers get a const model, but must see ordered arrays: settling is not
 * observable otherwise, and every model comes from bl_model_new(), so
 * writing through the cast is defined.
 */
static void settle(const struct bl_model *cm)
{
        struct bl_model *m = (struct bl_model *)cm;

        for (size_t i = 0; i < m->n_dirty; i++) {
                struct node *d = m->dirty[i];

                settle_array(d->p.children, &d->p.n_children, &d->p);
                set_dirty(m, d, false);
        }
        m->n_dirty = 0;
        if (m->roots_dirty) {
                settle_array(m->roots, &m->n_roots, NULL);
                m->roots_dirty = false;
        }
}

/* ---- processes ---- */

static int node_reserve(struct bl_model *m)
{
        struct node *chunk;
        size_t size;
        int r;

        if (m->n_chunks > 0 && m->chunk_used < m->chunk_size)
                return 0;
        r = GROW(m->chunks, m->chunks_cap, m->n_chunks + 1, 16);
        if (r < 0)
                return r;
        size = m->n_chunks > 0 ? MIN(m->chunk_size * 2, CHUNK_MAX) : CHUNK_FIRST;
        chunk = malloc(size * sizeof(struct node));
        if (!chunk)
                return -ENOMEM;
        m->chunks[m->n_chunks++] = chunk;
        m->chunk_size = size;
        m->chunk_used = 0;
        return 0;
}

/* A new process with this pid, now the live one, under parent (NULL: a root). */
static int new_process(struct bl_model *m, pid_t pid, uint64_t start_ns, struct node *parent,
                       struct node **ret)
{
        struct node *n;
        int r;

        r = GROW(m->procs, m->procs_cap, m->n_procs + 1, 256);
        if (r < 0)
                return r;
        if (m->n_procs / 64 >= m->dirty_bits_cap) {
                size_t old = m->dirty_bits_cap;

                r = GROW(m->dirty_bits, m->dirty_bits_cap, m->n_procs / 64 + 1, 16);
                if (r < 0)
                        return r;
                memset(m->dirty_bits + old, 0, (m->dirty_bits_cap - old) * sizeof(*m->dirty_bits));
        }
        r = pid_reserve(m);
        if (r < 0)
                return r;
        r = children_reserve(m, parent);
        if (r < 0)
                return r;
        r = node_reserve(m);
        if (r < 0)
                return r;

        n = &m->chunks[m->n_chunks - 1][m->chunk_used++];
        *n = (struct node){
                .p = {
                        .pid = pid,
                        .start_ns = start_ns,
                        .uid = UINT32_MAX,
                        .index = m->n_procs,
                },
                .prev_same_pid = pid_head(m, pid),
        };
        m->procs[m->n_procs++] = &n->p;
        pid_set_head(m, pid, n);
        children_insert(m, parent, n);
        *ret = n;
        return 0;
}

/* The live process with this pid, or a placeholder for it: no fork seen, start unknown, a root. */
static int live_or_placeholder(struct bl_model *m, pid_t pid, struct node **ret)
{
        struct node *n = live(m, pid);

        if (n) {
                *ret = n;
                return 0;
        }
        return new_process(m, pid, 0, NULL, ret);
}

/* Room for relink(): done before the caller changes anything. */
static int relink_reserve(struct bl_model *m, struct node *parent)
{
        int r;

        r = dirty_reserve(m, 2);
        if (r < 0)
                return r;
        return children_reserve(m, parent);
}

/*
 * Moves n under parent (NULL: to the roots) after its start time or parent
 * became known; needs relink_reserve(). Refuses a parent that descends from
 * n: only a corrupt recording produces one, and a cycle would hang every
 * view.
 */
static void relink(struct bl_model *m, struct node *n, struct node *parent)
{
        struct node *old = NODE(n->p.parent);

        if (parent == n)
                parent = old;
        else if (parent && parent != old && n->p.n_children > 0) {
                unsigned depth = 0;

                for (struct bl_process *q = parent->p.parent; q; q = q->parent)
                        if (q == &n->p || ++depth > RELINK_DEPTH_MAX) {
                                parent = old;
                                break;
                        }
        }
        /* Its start time may have changed, and if it moves, its old entry is dropped when settled. */
        mark_dirty(m, old);
        if (parent != old)
                children_insert(m, parent, n);
}

static bool same_start(uint64_t a, uint64_t b)
{
        return (a > b ? a - b : b - a) <= SAME_START_NS;
}

static void set_comm(struct bl_process *p, const char *comm)
{
        if (!comm[0])
                return;
        memcpy(p->comm, comm, BL_COMM_MAX);
        p->comm[BL_COMM_MAX - 1] = 0;
}

/* ---- shared strings ---- */

static uint64_t hash_bytes(const void *p, size_t n)
{
        const unsigned char *u = p;
        uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */

        for (size_t i = 0; i < n; i++) {
                h ^= u[i];
                h *= UINT64_C(1099511628211);
        }
        return h ^ (h >> 29); /* the slot comes from the low bits, which FNV-1a mixes least */
}

/* Makes room for k more entries. */
static int shared_reserve(struct shared_table *t, size_t k)
{
        struct shared_slot *slots;
        size_t cap = MAX(t->cap, (size_t)64), mask;

        while ((t->n + k) * 2 > cap)
                cap *= 2;
        if (cap == t->cap)
                return 0;
        slots = calloc(cap, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        mask = cap - 1;
        for (size_t i = 0; i < t->cap; i++) {
                size_t j = t->slots[i].hash & mask;

                if (!t->slots[i].p)
                        continue;
                while (slots[j].p)
                        j = (j + 1) & mask;
                slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
        return 0;
}

/* The shared string equal to s, which is taken over (and freed if there is one already). Needs a reserve. */
static char *share_string(struct shared_table *t, char *s)
{
        uint64_t h = hash_bytes(s, strlen(s));
        size_t mask = t->cap - 1;

        for (size_t i = h & mask;; i = (i + 1) & mask) {
                struct shared_slot *slot = &t->slots[i];

                if (!slot->p) {
                        *slot = (struct shared_slot){ .hash = h, .p = s };
                        t->n++;
                        return s;
                }
                if (slot->hash == h && streq(slot->p, s)) {
                        free(s);
                        return slot->p;
                }
        }
}

/* Whether two vectors of shared strings are equal: their elements are the same pointers. */
static bool vector_equal(char *const *a, char *const *b)
{
        for (; *a && *a == *b; a++, b++)
                ;
        return *a == *b;
}

/* As share_string() for an argv whose elements are shared strings already: the array is taken over. */
static char **share_vector(struct shared_table *t, char **v)
{
        size_t n = 0, mask = t->cap - 1;
        uint64_t h;

        while (v[n])
                n++;
        h = hash_bytes(v, n * sizeof(*v));
        for (size_t i = h & mask;; i = (i + 1) & mask) {
                struct shared_slot *slot = &t->slots[i];

                if (!slot->p) {
                        *slot = (struct shared_slot){ .hash = h, .p = v };
                        t->n++;
                        return v;
                }
                if (slot->hash == h && vector_equal(slot->p, v)) {
                        free(v);
                        return slot->p;
                }
        }
}

/* Room for share_info() on info, which cannot fail then. */
static int share_reserve(struct bl_model *m, const struct bl_proc_info *info)
{
        size_t k = 3;
        int r;

        STRV_FOREACH (a, info->argv)
                k++;
        r = shared_reserve(&m->strings, k);
        if (r < 0)
                return r;
        return shared_reserve(&m->vectors, 1);
}

/* Replaces the strings of info (which the model owns) by the shared ones. */
static void share_info(struct bl_model *m, struct bl_proc_info *info)
{
        if (info->argv) {
                for (size_t i = 0; info->argv[i]; i++)
                        info->argv[i] = share_string(&m->strings, info->argv[i]);
                info->argv = share_vector(&m->vectors, info->argv);
        }
        if (info->exe)
                info->exe = share_string(&m->strings, info->exe);
        if (info->cwd)
                info->cwd = share_string(&m->strings, info->cwd);
        if (info->unit)
                info->unit = share_string(&m->strings, info->unit);
}

static void shared_table_free(struct shared_table *t)
{
        for (size_t i = 0; i < t->cap; i++)
                free(t->slots[i].p);
        free(t->slots);
}

/* ---- execs ---- */

/*
 * Room for one more exec of n. The first comes from the model's blocks;
 * from the second on, the execs move to an array of their own, doubling.
 */
static int execs_reserve(struct bl_model *m, struct node *n)
{
        struct bl_exec *a;
        size_t size;
        int r;

        if (n->p.n_execs > 1)
                return grow_derived((void **)&n->p.execs, n->p.n_execs, n->p.n_execs + 1, sizeof(*a), 2);
        if (n->p.n_execs == 1) {
                a = malloc(2 * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                a[0] = n->p.execs[0];
                n->p.execs = a;
                return 0;
        }

        size = m->n_exec_blocks > 0 ? MIN(m->exec_block_size * 2, (size_t)CHUNK_MAX) : CHUNK_FIRST;
        if (m->n_exec_blocks == 0 || m->exec_block_used == m->exec_block_size) {
                r = GROW(m->exec_blocks, m->exec_blocks_cap, m->n_exec_blocks + 1, 16);
                if (r < 0)
                        return r;
                a = malloc(size * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                m->exec_blocks[m->n_exec_blocks++] = a;
                m->exec_block_size = size;
                m->exec_block_used = 0;
        }
        n->p.execs = m->exec_blocks[m->n_exec_blocks - 1] + m->exec_block_used++;
        return 0;
}

/* Appends an image to n's exec history, taking over info. */
static int add_exec(struct bl_model *m, struct node *n, uint64_t ts_ns, bool from_snapshot,
                    struct bl_proc_info *info)
{
        struct bl_exec *e;
        int r;

        r = share_reserve(m, info);
        if (r < 0)
                return r;
        r = execs_reserve(m, n);
        if (r < 0)
                return r;
        e = &n->p.execs[n->p.n_execs++];
        e->ts_ns = ts_ns;
        e->from_snapshot = from_snapshot;
        bl_proc_info_init(&e->info);
        bl_proc_info_move(&e->info, info);
        share_info(m, &e->info);

        set_comm(&n->p, e->info.comm);
        if (e->info.uid != UINT32_MAX)
                n->p.uid = e->info.uid;
        return 0;
}

/* ---- events ---- */

static bool is_main_thread(const struct bl_event *ev)
{
        return ev->tid == ev->pid || ev->tid == 0;
}

static int handle_fork(struct bl_model *m, struct bl_event *ev)
{
        struct node *parent = NULL, *n;
        pid_t ppid = ev->fork.parent_pid;
        int r;

        if (ev->pid <= 0)
                return 0;

        if (!is_main_thread(ev)) {
                r = live_or_placeholder(m, ev->pid, &n);
                if (r < 0)
                        return r;
                n->p.n_threads++;
                m->stats.threads++;
                return 0;
        }

        /* pid 0 is the idle task: whatever it forks is a root. */
        if (ppid > 0) {
                r = live_or_placeholder(m, ppid, &parent);
                if (r < 0)
                        return r;
        }

        n = live(m, ev->pid);
        if (n && n->p.from_snapshot && !n->p.fork_seen && same_start(n->p.start_ns, ev->ts_ns)) {
                /* /proc was read while this process's fork event was still queued: the same process. */
                r = relink_reserve(m, parent);
                if (r < 0)
                        return r;
                n->p.fork_seen = true;
                n->p.start_ns = ev->ts_ns;
                relink(m, n, parent);
                return 0;
        }

        /* A live process with this pid is an earlier one whose exit we missed: it stops being live. */
        r = new_process(m, ev->pid, ev->ts_ns, parent, &n);
        if (r < 0)
                return r;
        n->p.fork_seen = true;
        return 0;
}

static int handle_exec(struct bl_model *m, struct bl_event *ev)
{
        struct node *n;
        int r;

        if (ev->pid <= 0)
                return 0;
        r = live_or_placeholder(m, ev->pid, &n);
        if (r < 0)
                return r;
        return add_exec(m, n, ev->ts_ns, false, &ev->info);
}

static int handle_exit(struct bl_model *m, struct bl_event *ev)
{
        struct node *n;
        int r;

        /* A thread's exit does not end its process. */
        if (ev->pid <= 0 || !is_main_thread(ev))
                return 0;
        n = live(m, ev->pid);
        if (!n) {
                /* Forked before the recording started and gone before the snapshot: all we have is its exit,
                 * which names its parent. Put it there rather than make it a root of its own. */
                struct node *parent = ev->exit.parent_pid > 0 ? live(m, ev->exit.parent_pid) : NULL;

                r = new_process(m, ev->pid, 0, parent, &n);
        } else
                r = 0;
        if (r < 0)
                return r;
        /* Exited: no longer live, but still the head of the pid's history. */
        n->p.exited = true;
        n->p.exit_ns = ev->ts_ns;
        n->p.exit_status = ev->exit.code;
        if (ev->exit.parent_pid > 0)
                n->p.reported_ppid = ev->exit.parent_pid;
        return 0;
}

static int handle_comm(struct bl_model *m, struct bl_event *ev)
{
        struct node *n;
        int r;

        /* Threads name themselves (prctl(PR_SET_NAME)); that is not the process's name. */
        if (ev->pid <= 0 || !is_main_thread(ev) || !ev->info.comm[0])
                return 0;
        r = live_or_placeholder(m, ev->pid, &n);
        if (r < 0)
                return r;
        set_comm(&n->p, ev->info.comm);
        return 0;
}

static int handle_uid(struct bl_model *m, struct bl_event *ev)
{
        struct node *n;
        int r;

        if (ev->pid <= 0)
                return 0;
        r = live_or_placeholder(m, ev->pid, &n);
        if (r < 0)
                return r;
        n->p.uid = ev->id.effective;
        return 0;
}

static int handle_coredump(struct bl_model *m, struct bl_event *ev)
{
        struct node *n;
        int r;

        if (ev->pid <= 0)
                return 0;
        r = live_or_placeholder(m, ev->pid, &n);
        if (r < 0)
                return r;
        n->p.coredump = true;
        return 0;
}

static void cost_add_task(struct bl_cost *acc, const struct bl_cost *c, bool first)
{
        if (first)
                acc->flags = c->flags;
        else if (!(c->flags & BL_COST_IO_DELAYS))
                acc->flags &= ~BL_COST_IO_DELAYS;
        acc->utime_us += c->utime_us;
        acc->stime_us += c->stime_us;
        acc->read_bytes += c->read_bytes;
        acc->write_bytes += c->write_bytes;
        acc->cancelled_write_bytes += c->cancelled_write_bytes;
        acc->read_chars += c->read_chars;
        acc->write_chars += c->write_chars;
        acc->nvcsw += c->nvcsw;
        acc->nivcsw += c->nivcsw;
        acc->minflt += c->minflt;
        acc->majflt += c->majflt;
        acc->hiwater_rss_kb = MAX(acc->hiwater_rss_kb, c->hiwater_rss_kb);
        acc->cpu_delay_ns += c->cpu_delay_ns;
        acc->blkio_delay_ns += c->blkio_delay_ns;
        acc->swapin_delay_ns += c->swapin_delay_ns;
        acc->cpu_ns += c->cpu_ns;
}

void bl_process_cost_add(struct bl_process_cost *acc, const struct bl_process_cost *c)
{
        bool first = acc->tasks == 0;

        cost_add_task(&acc->sum, &c->sum, first);
        acc->complete = first ? c->complete : acc->complete && c->complete;
        acc->tasks += c->tasks;
}

uint64_t bl_process_subtree_cost(const struct bl_process *p, struct bl_process_cost *ret)
{
        _cleanup_free_ const struct bl_process **stack = NULL;
        size_t n = 0, cap = 0;
        uint64_t incomplete = 0;

        *ret = (struct bl_process_cost){};
        /* Iterative: a chain of forks can be deeper than the stack allows recursion. */
        for (const struct bl_process *q = p; q; q = n > 0 ? stack[--n] : NULL) {
                if (q->cost)
                        bl_process_cost_add(ret, q->cost);
                if (!q->cost || !q->cost->complete)
                        incomplete++;
                if (q->n_children > cap - n) {
                        size_t c = MAX(cap * 2, n + q->n_children + 16);
                        const struct bl_process **s = reallocarray(stack, c, sizeof(*s));

                        if (!s)
                                return UINT64_MAX;
                        stack = s;
                        cap = c;
                }
                for (size_t i = q->n_children; i > 0; i--)
                        stack[n++] = q->children[i - 1];
        }
        return incomplete;
}

static int handle_cost(struct bl_model *m, struct bl_event *ev)
{
        struct bl_process_cost *c;
        struct node *n;

        /* The record follows its task's exit: the newest process with that pid, started before it. */
        n = ev->pid > 0 ? pid_head(m, ev->pid) : NULL;
        if (!n || n->p.start_ns > ev->ts_ns) {
                m->stats.cost_orphans++;
                return 0;
        }
        c = n->p.cost;
        if (!c) {
                c = calloc(1, sizeof(*c));
                if (!c)
                        return -ENOMEM;
                n->p.cost = c;
        }
        cost_add_task(&c->sum, &ev->cost, c->tasks == 0);
        c->tasks++;
        if (ev->tid == ev->pid || (ev->cost.flags & BL_COST_NO_TGID)) {
                if (!c->complete)
                        m->stats.cost_processes++;
                c->complete = true;
                c->sum.exit_code = ev->cost.exit_code;
                c->sum.elapsed_us = ev->cost.elapsed_us;
        }
        return 0;
}

static int handle_snapshot(struct bl_model *m, struct bl_event *ev)
{
        struct node *n, *parent;
        pid_t ppid = ev->info.ppid;
        int r;

        if (ev->pid <= 0)
                return 0;
        parent = live(m, ppid); /* snapshots come parents first */

        n = live(m, ev->pid);
        if (n && !n->p.fork_seen && !n->p.from_snapshot && n->p.start_ns == 0) {
                /*
                 * A placeholder made by an event that came before the
                 * snapshot: a live pid is one process, so this one.
                 */
                r = relink_reserve(m, parent);
                if (r < 0)
                        return r;
                n->p.from_snapshot = true;
                n->p.start_ns = ev->info.start_ns;
                n->p.reported_ppid = ppid;
                relink(m, n, parent);
                if (n->p.n_execs > 0)
                        return 0;
                return add_exec(m, n, ev->ts_ns, true, &ev->info);
        }
        if (n && (ev->info.start_ns == 0 || same_start(n->p.start_ns, ev->info.start_ns))) {
                /* Its fork event came first: keep that, add the image if no exec told us one. */
                n->p.from_snapshot = true;
                if (n->p.reported_ppid == 0)
                        n->p.reported_ppid = ppid;
                if (n->p.n_execs > 0)
                        return 0;
                return add_exec(m, n, ev->ts_ns, true, &ev->info);
        }

        r = new_process(m, ev->pid, ev->info.start_ns, parent, &n);
        if (r < 0)
                return r;
        n->p.from_snapshot = true;
        n->p.reported_ppid = ppid;
        return add_exec(m, n, ev->ts_ns, true, &ev->info);
}

static int handle_lost(struct bl_model *m, struct bl_event *ev)
{
        if (bl_lost_reason_is_event_loss(ev->lost.reason))
                m->stats.lost += ev->lost.count;
        m->stats.lost_records++;
        if (ev->lost.reason == BL_LOST_ENOBUFS)
                m->stats.overflows++;
        if (ev->lost.reason == BL_LOST_COST)
                m->stats.cost_missing += ev->lost.count;
        return 0;
}

/* Event types without a handler only count in the stats. */
static int (*const handlers[_BL_EVENT_TYPE_MAX])(struct bl_model *m, struct bl_event *ev) = {
        [BL_EVENT_FORK] = handle_fork,         [BL_EVENT_EXEC] = handle_exec,
        [BL_EVENT_EXIT] = handle_exit,         [BL_EVENT_UID] = handle_uid,
        [BL_EVENT_COMM] = handle_comm,         [BL_EVENT_COREDUMP] = handle_coredump,
        [BL_EVENT_SNAPSHOT] = handle_snapshot, [BL_EVENT_LOST] = handle_lost,
        [BL_EVENT_COST] = handle_cost,
};

int bl_model_add(struct bl_model *m, struct bl_event *ev)
{
        int r;

        /* A type this version does not know is not counted anywhere. */
        if (ev->type <= 0 || ev->type >= _BL_EVENT_TYPE_MAX)
                return 0;

        m->stats.events[ev->type]++;
        if (ev->ts_ns != 0) {
                if (m->stats.first_ts_ns == 0 || ev->ts_ns < m->stats.first_ts_ns)
                        m->stats.first_ts_ns = ev->ts_ns;
                if (ev->ts_ns > m->stats.last_ts_ns)
                        m->stats.last_ts_ns = ev->ts_ns;
        }
        if (handlers[ev->type]) {
                r = handlers[ev->type](m, ev);
                if (r < 0)
                        return r;
        }
        /* The contract: ev->info is left empty, also where the model had no use for it. */
        bl_proc_info_done(&ev->info);
        return 0;
}

/* ---- the model ---- */

int bl_model_new(struct bl_model **ret)
{
        struct bl_model *m = calloc(1, sizeof(struct bl_model));

        if (!m)
                return -ENOMEM;
        *ret = m;
        return 0;
}

struct bl_model *bl_model_free(struct bl_model *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_procs; i++) {
                struct bl_process *p = m->procs[i];

                /* The infos' strings are the shared tables', a first exec is in the blocks. */
                if (p->n_execs > 1)
                        free(p->execs);
                free(p->children);
                free(p->cost);
        }
        for (size_t i = 0; i < m->n_chunks; i++)
                free(m->chunks[i]);
        free(m->chunks);
        for (size_t i = 0; i < m->n_exec_blocks; i++)
                free(m->exec_blocks[i]);
        free(m->exec_blocks);
        shared_table_free(&m->strings);
        shared_table_free(&m->vectors);
        free(m->dirty_bits);
        free(m->procs);
        free(m->roots);
        free(m->dirty);
        free(m->pids);
        free(m);
        return NULL;
}

size_t bl_model_get_roots(const struct bl_model *m, struct bl_process *const **ret)
{
        settle(m);
        *ret = m->roots;
        return m->n_roots;
}

size_t bl_model_get_processes(const struct bl_model *m, struct bl_process *const **ret)
{
        settle(m); /* callers walk the children of what they get */
        *ret = m->procs;
        return m->n_procs;
}

struct bl_process *bl_model_find(const struct bl_model *m, pid_t pid, uint64_t ts_ns)
{
        settle(m);
        if (pid <= 0)
                return NULL;
        for (struct node *n = pid_head(m, pid); n; n = n->prev_same_pid)
                if (n->p.start_ns <= ts_ns)
                        return &n->p;
        return NULL;
}

void bl_model_get_stats(const struct bl_model *m, struct bl_model_stats *ret)
{
        *ret = m->stats;
        ret->processes = m->n_procs;
}

/* ---- images ---- */

/* p's own image at ts_ns, not looking at its parent. */
static const struct bl_exec *own_image_at(const struct bl_process *p, uint64_t ts_ns)
{
        const struct bl_exec *snap;

        /* In file order: exec events queued behind a snapshot may carry earlier timestamps. */
        for (size_t i = p->n_execs; i > 0; i--)
                if (p->execs[i - 1].ts_ns <= ts_ns)
                        return &p->execs[i - 1];

        /*
         * Before the snapshot read it, a process ran the image found then,
         * as far as we know, unless an exec before the read says otherwise.
         * A snapshot image is only ever the first one.
         */
        if (p->n_execs == 0 || !p->execs[0].from_snapshot)
                return NULL;
        snap = &p->execs[0];
        for (size_t i = 1; i < p->n_execs; i++)
                if (!p->execs[i].from_snapshot && p->execs[i].ts_ns <= snap->ts_ns)
                        return NULL;
        return snap;
}

const struct bl_exec *bl_process_image_at(const struct bl_process *p, uint64_t ts_ns, bool *ret_inherited)
{
        bool inherited = false;

        /* A loop, not recursion: fork chains can be as deep as the recording is long. */
        for (unsigned depth = 0; p && depth < INHERIT_DEPTH_MAX; depth++) {
                const struct bl_exec *e = own_image_at(p, ts_ns);

                if (e) {
                        if (ret_inherited)
                                *ret_inherited = inherited;
                        return e;
                }
                /* Not exec'd yet: it runs what its parent ran when it forked. */
                ts_ns = p->start_ns;
                p = p->parent;
                inherited = true;
        }
        if (ret_inherited)
                *ret_inherited = false;
        return NULL;
}

const struct bl_exec *bl_process_last_image(const struct bl_process *p, bool *ret_inherited)
{
        return bl_process_image_at(p, UINT64_MAX, ret_inherited);
}

char *bl_exec_label(const struct bl_exec *e, const char *fallback_comm)
{
        const char *comm = NULL;
        char *s;

        if (e) {
                if (e->info.argv && e->info.argv[0]) {
                        s = bl_argv_join(e->info.argv);
                        if (!s || s[0])
                                return s;
                        free(s); /* argv of one empty string: say something more useful */
                }
                if (e->info.exe && e->info.exe[0])
                        return strdup(e->info.exe);
                if (e->info.comm[0])
                        comm = e->info.comm;
        }
        if (!comm && fallback_comm && fallback_comm[0])
                comm = fallback_comm;
        if (!comm)
                return strdup("?");
        if (asprintf(&s, "[%.*s]", BL_COMM_MAX - 1, comm) < 0)
                return NULL;
        return s;
}

pid_t bl_process_reparented_to(const struct bl_process *p)
{
        if (p->parent && p->reported_ppid > 0 && p->reported_ppid != p->parent->pid)
                return p->reported_ppid;
        return 0;
}

bool bl_process_failed(const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        if (p->coredump)
                return true;
        if (!p->exited)
                return false;
        if (bl_exit_status_decode(p->exit_status, &code, &sig, &core))
                return code != 0;
        return true;
}
