/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the proc connector decoder (bl_cnproc_decode). The first byte of
 * the input is a control byte, the rest is one datagram as recv() returns it:
 *   bit 0  the sender port is 4242, not the kernel's 0;
 *   bit 1  the callback stops dispatching (returns -ECANCELED) at the
 *          second event;
 *   bit 2  the decoder starts afresh (else it keeps each CPU's last
 *          sequence number across inputs, as the daemon's does).
 * Every event passed to the callback is checked for sanity; the return
 * value must be the number of callbacks, or the callback's error.
 */
#include <errno.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"
#include "cnproc.h"

#define CTL_FOREIGN_SENDER (1u << 0)
#define CTL_STOP_EARLY     (1u << 1)
#define CTL_FRESH_DECODER  (1u << 2)

struct state {
        unsigned calls;
        bool stop_early;
};

static int on_event(struct bl_event *ev, void *userdata)
{
        struct state *s = userdata;

        FUZZ_CHECK(ev->type > 0 && ev->type < _BL_EVENT_TYPE_MAX);
        FUZZ_CHECK(ev->type != BL_EVENT_SNAPSHOT && ev->type != BL_EVENT_START && ev->type != BL_EVENT_END);
        FUZZ_CHECK(memchr(ev->info.comm, 0, sizeof(ev->info.comm)));
        FUZZ_CHECK(!ev->info.argv && !ev->info.exe && !ev->info.cwd && !ev->info.unit);
        if (ev->type == BL_EVENT_UNKNOWN)
                FUZZ_CHECK(ev->unknown.len <= BL_UNKNOWN_DATA_MAX);
        if (ev->type == BL_EVENT_LOST) {
                FUZZ_CHECK(ev->lost.reason == BL_LOST_SEQ_GAP || ev->lost.reason == BL_LOST_BAD_MESSAGE);
                FUZZ_CHECK(ev->lost.count > 0);
        }

        s->calls++;
        if (s->stop_early && s->calls >= 2)
                return -ECANCELED;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* Lives as long as the process, as in the daemon; LeakSanitizer sees it reachable. */
        static struct bl_cnproc_decoder *d;
        struct state s = {};
        unsigned ctl;
        int r;

        if (size < 1)
                return 0;
        ctl = data[0];
        s.stop_early = ctl & CTL_STOP_EARLY;

        if (ctl & CTL_FRESH_DECODER)
                d = bl_cnproc_decoder_free(d);
        if (!d)
                FUZZ_CHECK(bl_cnproc_decoder_new(&d) >= 0);

        r = bl_cnproc_decode(d, data + 1, size - 1, ctl & CTL_FOREIGN_SENDER ? 4242 : 0, on_event, &s);
        if (r == -ECANCELED)
                FUZZ_CHECK(s.stop_early && s.calls == 2);
        else {
                FUZZ_CHECK(r >= 0);
                FUZZ_CHECK((unsigned)r == s.calls);
        }
        /* An empty or foreign datagram is one BAD_MESSAGE loss, never silence and never more. */
        if (size - 1 == 0 || (ctl & CTL_FOREIGN_SENDER))
                FUZZ_CHECK(s.calls == 1);
        return 0;
}
