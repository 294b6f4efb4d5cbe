# SPDX-License-Identifier: MIT
"""Prints bench/run.sh's table from its results file: one line per
measurement, "KEY MODE VALUE [ROUND]"; medians, min-max, ratio to raw.
Where the lines carry their round, the ratio is the median of each
round's own ratio (the modes ran in turn within a round); otherwise it
is the ratio of the medians."""
import statistics
import sys

path, rounds, reqs, trace = sys.argv[1:5]
echo_rounds = sys.argv[5] if len(sys.argv) > 5 else rounds
vals = {}
by_round = {}
for line in open(path):
    f = line.split()
    if len(f) in (3, 4):
        vals.setdefault((f[0], f[1]), []).append(float(f[2]))
    if len(f) == 4:
        by_round.setdefault((f[0], f[1]), {})[f[3]] = float(f[2])


def ratio_to(key, mode, base_mode):
    """Median of the per-round ratios, or the ratio of the medians."""
    mine, base = by_round.get((key, mode)), by_round.get((key, base_mode))
    if mine and base:
        r = [mine[k] / base[k] for k in mine if k in base and base[k] > 0]
        if r:
            return statistics.median(r)
    v, b = vals.get((key, mode)), vals.get((key, base_mode))
    return statistics.median(v) / statistics.median(b) if v and b else None

ROWS = [
    ("pingpong", "64-byte ping-pong, round trips/s", ["raw", "netkit"]),
    ("bulk", "1 GiB in 64 KiB writes, MiB/s", ["raw", "netkit"]),
    ("cycles", "connect/accept/close, cycles/s", ["raw", "netkit"]),
    ("reply", "16 B header + 1 KiB body replies, req/s", ["two", "iov"]),
    ("replycalls", "system calls per header+body reply", ["two", "iov"]),
    ("echo256", "echo, 256 clients, requests/s",
     ["epoll", "netkit", "uv", "event"]),
    ("echo1000", "echo, 1000 clients, requests/s",
     ["epoll", "netkit", "uv", "event"]),
    ("syscalls", "system calls per request (256 clients)",
     ["epoll", "netkit", "uv", "event"]),
    ("instructions", "user instructions per request (256 clients)",
     ["epoll", "netkit", "uv", "event"]),
]
NAMES = {"raw": "raw system calls", "netkit": "netkit",
         "epoll": "raw epoll", "uv": "libuv", "event": "libevent",
         "two": "2 x send_all", "iov": "send_all_iov"}


def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


print(f"rounds: {rounds}; echo: {echo_rounds} rounds of {reqs} requests, "
      f"ratio = median of the rounds' ratios; "
      f"strace/callgrind over {trace} requests")
print(f"{'benchmark':46} {'implementation':17} {'median':>10} "
      f"{'min-max':>21} {'ratio':>6}")
for key, title, modes in ROWS:
    base = vals.get((key, modes[0]))
    for i, m in enumerate(modes):
        v = vals.get((key, m))
        if not v:
            print(f"{title if i == 0 else '':46} {NAMES[m]:17} "
                  f"{'(missing)':>10}")
            continue
        med = statistics.median(v)
        spread = f"{fmt(min(v))}-{fmt(max(v))}" if len(v) > 1 else ""
        r = ratio_to(key, m, modes[0]) if base else None
        ratio = f"{r:.3f}" if r is not None else ""
        print(f"{title if i == 0 else '':46} {NAMES[m]:17} {fmt(med):>10} "
              f"{spread:>21} {ratio:>6}")
