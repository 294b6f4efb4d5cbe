# SPDX-License-Identifier: MIT
"""Prints bench/run.sh's table from its results file: one line per
measurement, "KEY MODE VALUE"; medians, min-max, ratio to raw."""
import statistics
import sys

path, rounds, reqs, trace = sys.argv[1:5]
vals = {}
for line in open(path):
    f = line.split()
    if len(f) == 3:
        vals.setdefault((f[0], f[1]), []).append(float(f[2]))

ROWS = [
    ("pingpong", "64-byte ping-pong, round trips/s", ["raw", "netkit"]),
    ("bulk", "1 GiB in 64 KiB writes, MiB/s", ["raw", "netkit"]),
    ("cycles", "connect/accept/close, cycles/s", ["raw", "netkit"]),
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
         "epoll": "raw epoll", "uv": "libuv", "event": "libevent"}


def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


print(f"rounds: {rounds}; echo rounds of {reqs} requests; "
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
        ratio = f"{med / statistics.median(base):.3f}" if base else ""
        print(f"{title if i == 0 else '':46} {NAMES[m]:17} {fmt(med):>10} "
              f"{spread:>21} {ratio:>6}")
