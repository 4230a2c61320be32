/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the taskstats decoder (bl_taskstats_decode). The input is one
 * datagram as recv() returns it from the listener's socket. Every record
 * passed to the callback is checked for sanity; the return value must be the
 * number of records, or -EBADMSG. The records then go through the pending
 * table of a detached listener and out again, each exactly once.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "taskstats.h"

struct state {
        unsigned calls, out;
        struct bl_taskstats *t;
};

static int on_unpaired(const struct bl_taskstats_record *rec, void *userdata)
{
        struct state *s = userdata;

        FUZZ_CHECK(rec->tid > 0);
        s->out++;
        return 0;
}

static int on_record(const struct bl_taskstats_record *rec, void *userdata)
{
        struct state *s = userdata;

        FUZZ_CHECK(rec->tid > 0);
        FUZZ_CHECK(rec->tgid >= 0);
        FUZZ_CHECK((rec->tgid == 0) == !!(rec->cost.flags & BL_COST_NO_TGID));
        FUZZ_CHECK((rec->cost.flags & ~(BL_COST_IO_DELAYS | BL_COST_NO_TGID)) == 0);
        s->calls++;
        FUZZ_CHECK(bl_taskstats_push(s->t, rec, on_unpaired, s) >= 0);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* Aligned, as a socket's receive buffer is: netlink messages are read in place. */
        static uint8_t buf[65536] __attribute__((aligned(8)));
        struct state s = {};
        bool acked = false;
        int error = 0, r;

        if (size > sizeof(buf))
                return 0;
        memcpy(buf, data, size);
        FUZZ_CHECK(bl_taskstats_new_detached(&s.t) >= 0);
        r = bl_taskstats_decode(buf, size, 0, 1, &acked, &error, on_record, &s);
        FUZZ_CHECK(r == -EBADMSG || (r >= 0 && (unsigned)r == s.calls));
        FUZZ_CHECK(!acked || error <= 0);
        /* Whatever went in comes out once: taken or flushed. */
        FUZZ_CHECK(bl_taskstats_flush(s.t, 0, 0, on_unpaired, &s) >= 0);
        FUZZ_CHECK(s.out == s.calls);
        bl_taskstats_free(s.t);
        return 0;
}
