#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the fuzzers' seed corpora, checked in beside this script.

  make-corpus.py MAKE_FIXTURE   (e.g. build/tests/helpers/make-fixture)

corpus-reader/: real recordings from tests/helpers/make-fixture (the seed
story, a small storm), each also with its zstd blocks stored uncompressed (so
mutations reach the record decoder), one cut in the middle of a block, one
with a byte flipped in a block, one with a block header torn.

corpus-cnproc/: datagrams as the kernel sends them (one per event type, an
ack, a sequence gap, several messages in one datagram) and malformed ones.
The first byte of each file is fuzz-cnproc's control byte.

corpus-taskstats/: taskstats datagrams as the kernel sends them at a task's
exit (a process, a thread, the last thread with the per-process aggregate,
an older kernel's shorter struct), acknowledgements, and malformed ones.

Run it again after a change to the file format and commit its output.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK_MAGIC = bytes([0xB1, 0x0C, ord("B"), ord("L"), ord("K"), 0x1F, 0x8E, 0x5A])
BLOCK_HEADER = 56


def crc32c(data, crc=0):
    table = crc32c.table
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


crc32c.table = _table()


def blocks(data):
    """(offset, header fields) of each block, walking from the file header."""
    off = struct.unpack_from("<I", data, 8)[0]
    while off + BLOCK_HEADER <= len(data):
        assert data[off : off + 8] == BLOCK_MAGIC, off
        seq, first, last, flags, stored, usize, n, pcrc, hcrc = struct.unpack_from("<QQQIIIIII", data, off + 8)
        yield off, flags, stored, usize
        off += BLOCK_HEADER + stored


def uncompress(data):
    """The same recording with every zstd block stored as it is."""
    hsize = struct.unpack_from("<I", data, 8)[0]
    out = bytearray(data[:hsize])
    for off, flags, stored, usize in blocks(data):
        hdr = bytearray(data[off : off + BLOCK_HEADER])
        payload = data[off + BLOCK_HEADER : off + BLOCK_HEADER + stored]
        if flags & 0xF == 1:
            payload = subprocess.run(["zstd", "-d", "-c", "-q"], input=payload, check=True,
                                     stdout=subprocess.PIPE).stdout
            assert len(payload) == usize
            struct.pack_into("<II", hdr, 32, flags & ~0xF, len(payload))
            struct.pack_into("<I", hdr, 48, crc32c(payload))
            struct.pack_into("<I", hdr, 52, crc32c(hdr[:52]))
        out += hdr + payload
    return bytes(out)


def reader_corpus(make_fixture, outdir):
    with tempfile.TemporaryDirectory() as tmp:
        seed, storm = os.path.join(tmp, "seed"), os.path.join(tmp, "storm")
        subprocess.run([make_fixture, "seed", seed, "storm", "40", storm], check=True)
        seed, storm = open(seed, "rb").read(), open(storm, "rb").read()
    seed_raw, storm_raw = uncompress(seed), uncompress(storm)
    b = list(blocks(seed))
    mid = b[len(b) // 2][0] + BLOCK_HEADER + b[len(b) // 2][2] // 2
    flipped = bytearray(seed_raw)
    flipped[list(blocks(seed_raw))[1][0] + BLOCK_HEADER + 5] ^= 0x40
    torn = bytearray(seed_raw)
    torn[list(blocks(seed_raw))[2][0] + 20] ^= 0xFF
    files = {
        "seed": seed,
        "seed-stored": seed_raw,
        "storm": storm,
        "storm-stored": storm_raw,
        "seed-truncated-mid-block": seed[:mid],
        "seed-stored-truncated-mid-block": seed_raw[: len(seed_raw) - 300],
        "seed-stored-flipped-byte": bytes(flipped),
        "seed-stored-bad-block-header": bytes(torn),
        "header-only": seed[: struct.unpack_from("<I", seed, 8)[0]],
    }
    write(outdir, files)


# linux/netlink.h, linux/connector.h, linux/cn_proc.h
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
CN_IDX_PROC = CN_VAL_PROC = 1
EV = {"none": 0, "fork": 1, "exec": 2, "uid": 4, "gid": 0x40, "sid": 0x80, "ptrace": 0x100,
      "comm": 0x200, "nonzero_exit": 0x20000000, "coredump": 0x40000000, "exit": 0x80000000}
TS = 5_000_000_000


def proc_event(what, cpu, data, ts=TS):
    body = struct.pack("<IIQ", EV[what] if isinstance(what, str) else what, cpu & 0xFFFFFFFF, ts) + data
    return body + b"\0" * (40 - len(body)) if len(body) < 40 else body


def message(pe, seq, idx=CN_IDX_PROC, val=CN_VAL_PROC, nl_type=NLMSG_DONE, cn_len=None):
    cn = struct.pack("<IIIIHH", idx, val, seq, 0, len(pe) if cn_len is None else cn_len, 0) + pe
    msg = struct.pack("<IHHII", 16 + len(cn), nl_type, 0, 0, 0) + cn
    return msg + b"\0" * (-len(msg) % 4)


def u32s(*v):
    return struct.pack("<%dI" % len(v), *(x & 0xFFFFFFFF for x in v))


def cnproc_corpus(outdir):
    ctl = b"\x00"
    fresh = b"\x04"
    events = {
        "fork": u32s(100, 100, 101, 101),
        "fork-thread": u32s(100, 100, 102, 101),
        "exec": u32s(101, 101),
        "uid": u32s(101, 101, 1000, 0),
        "gid": u32s(101, 101, 1000, 0),
        "sid": u32s(101, 101),
        "ptrace": u32s(101, 101, 90, 90),
        "comm": u32s(101, 101) + b"kworker/0:1\0\0\0\0\0",
        "coredump": u32s(101, 101, 100, 100),
        "exit": u32s(101, 101, 139, 17, 100, 100),
        "exit-thread": u32s(102, 101, 0, -1, 100, 100),
        "nonzero_exit": u32s(101, 101, 256),
    }
    files = {}
    for i, (name, data) in enumerate(events.items()):
        what = name.split("-")[0]
        files["event-" + name] = fresh + message(proc_event(what, 0, data), seq=i)
    files["ack"] = fresh + message(proc_event("none", 1, u32s(0)), seq=7)
    files["ack-old-kernel"] = fresh + message(proc_event("none", -1, u32s(0)), seq=1)
    fork = proc_event("fork", 2, events["fork"])
    files["seq-gap"] = fresh + message(fork, seq=10) + message(fork, seq=15)
    files["seq-wrap"] = fresh + message(fork, seq=0xFFFFFFFF) + message(fork, seq=1)
    files["several-cpus"] = fresh + b"".join(message(proc_event("exec", c, events["exec"]), seq=3) for c in range(4))
    files["stop-early"] = b"\x06" + b"".join(message(fork, seq=s) for s in range(20, 24))
    files["persistent-gap"] = ctl + message(fork, seq=40)
    files["foreign-sender"] = b"\x05" + message(fork, seq=1)
    files["empty"] = fresh
    files["short-nlmsghdr"] = fresh + b"\x10\0\0"
    files["nlmsg-len-too-big"] = fresh + message(fork, seq=1)[:-8]
    files["noop-error-overrun"] = fresh + b"".join(message(fork, 1, nl_type=t) for t in (NLMSG_NOOP, NLMSG_ERROR, NLMSG_OVERRUN))
    files["wrong-connector"] = fresh + message(fork, seq=1, idx=2)
    files["cn-len-too-big"] = fresh + message(fork, seq=1, cn_len=200)
    files["cn-len-short"] = fresh + message(fork, seq=1, cn_len=20)
    files["exit-truncated"] = fresh + message(proc_event("exit", 0, events["exit"])[:36], seq=1)
    files["unknown-type"] = fresh + message(proc_event(0x1000, 0, bytes(range(24))), seq=1)
    files["unknown-long"] = fresh + message(proc_event(0x1000, 0, bytes(range(100))), seq=1)
    files["cpu-huge"] = fresh + message(proc_event("fork", 70000, events["fork"]), seq=1)
    files["cpu-high"] = fresh + message(proc_event("fork", 4000, events["fork"]), seq=1)
    files["unaligned-last"] = fresh + message(proc_event("sid", 0, events["sid"])[:26], seq=1).rstrip(b"\0")[:-1]
    files["garbage"] = fresh + bytes((i * 37 + 11) & 0xFF for i in range(97))
    write(outdir, files)


# struct taskstats of <linux/taskstats.h> version 13 (416 bytes): the offsets used here.
TS_SIZE = 416
TS_OFF = {"version": (0, "H"), "ac_exitcode": (4, "I"), "cpu_run_virtual_total": (72, "Q"), "ac_pid": (128, "I"),
          "ac_utime": (152, "Q"), "ac_stime": (160, "Q"), "write_bytes": (256, "Q"), "ac_tgid": (368, "I")}
TASKSTATS_FAMILY = 27
TASKSTATS_CMD_NEW = 2
TYPE_PID, TYPE_TGID, TYPE_STATS, TYPE_AGGR_PID, TYPE_AGGR_TGID = 1, 2, 3, 4, 5
NLA_F_NESTED = 0x8000


def taskstats(tid, tgid, version=13, size=TS_SIZE):
    b = bytearray(TS_SIZE)
    for name, v in (("version", version), ("ac_exitcode", 256), ("cpu_run_virtual_total", 1234567),
                    ("ac_pid", tid), ("ac_utime", 4000), ("ac_stime", 8000), ("write_bytes", 1 << 20),
                    ("ac_tgid", tgid)):
        off, fmt = TS_OFF[name]
        struct.pack_into("<" + fmt, b, off, v)
    return bytes(b[:size]) + bytes(max(0, size - TS_SIZE))


def nla(t, data):
    a = struct.pack("<HH", 4 + len(data), t) + data
    return a + b"\0" * (-len(a) % 4)


def genl_message(attrs, seq=0, cmd=TASKSTATS_CMD_NEW, nl_type=TASKSTATS_FAMILY):
    body = struct.pack("<BBH", cmd, 1, 0) + attrs
    return struct.pack("<IHHII", 16 + len(body), nl_type, 0, seq, 0) + body


def exit_message(tid, tgid, with_tgid=False, **kw):
    attrs = nla(TYPE_AGGR_PID | NLA_F_NESTED, nla(TYPE_PID, u32s(tid)) + nla(TYPE_STATS, taskstats(tid, tgid, **kw)))
    if with_tgid:
        attrs += nla(TYPE_AGGR_TGID | NLA_F_NESTED, nla(TYPE_TGID, u32s(tgid)) + nla(TYPE_STATS, taskstats(0, tgid)))
    return genl_message(attrs)


def taskstats_corpus(outdir):
    files = {}
    files["exit"] = exit_message(4242, 4242)
    files["exit-thread"] = exit_message(4243, 4242)
    files["exit-last-thread-with-tgid"] = exit_message(4242, 4242, with_tgid=True)
    files["exit-old-kernel"] = exit_message(77, 0, version=8, size=344)
    files["exit-newer-kernel"] = exit_message(78, 78, size=TS_SIZE + 24)
    files["stats-too-short"] = exit_message(79, 79, size=40)
    files["two-messages"] = exit_message(80, 80) + exit_message(81, 80)
    files["same-tid-twice"] = exit_message(82, 82) + exit_message(82, 82)
    files["ack"] = struct.pack("<IHHII", 36, 2, 0, 1, 0) + struct.pack("<i", 0) + struct.pack("<IHHII", 16, 0, 0, 1, 0)
    files["nack-eperm"] = struct.pack("<IHHII", 36, 2, 0, 1, 0) + struct.pack("<i", -1) + struct.pack("<IHHII", 16, 0, 0, 1, 0)
    files["no-pid-attr"] = genl_message(nla(TYPE_AGGR_PID | NLA_F_NESTED, nla(TYPE_STATS, taskstats(5, 5))))
    files["other-cmd"] = genl_message(nla(TYPE_AGGR_PID | NLA_F_NESTED, nla(TYPE_PID, u32s(5))), cmd=1)
    files["truncated"] = exit_message(83, 83)[:100]
    files["empty"] = b""
    write(outdir, files)


def write(outdir, files):
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    total = sum(len(d) for d in files.values())
    print("%s: %d files, %d bytes" % (os.path.relpath(outdir), len(files), total))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    reader_corpus(sys.argv[1], os.path.join(HERE, "corpus-reader"))
    cnproc_corpus(os.path.join(HERE, "corpus-cnproc"))
    taskstats_corpus(os.path.join(HERE, "corpus-taskstats"))


if __name__ == "__main__":
    main()
