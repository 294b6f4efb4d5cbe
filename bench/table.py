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
base = sys.argv[6] if len(sys.argv) > 6 else None
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

ECHO = ["epoll", "netkit", "loop", "uv", "event"]
HTTP = ["epoll", "loop", "uv", "event"]
ROWS = [
    ("pingpong", "64-byte ping-pong, round trips/s", ["raw", "netkit"]),
    ("bulk", "1 GiB in 64 KiB writes, MiB/s", ["raw", "netkit"]),
    ("cycles", "connect/accept/close, cycles/s", ["raw", "netkit"]),
    ("reply", "16 B header + 1 KiB body replies, req/s", ["two", "iov"]),
    ("replycalls", "system calls per header+body reply", ["two", "iov"]),
    ("tlsconns", "TLS connections/s (handshake, 1 B each way)",
     ["bare", "tls"]),
    ("tlsbulk", "TLS, 512 MiB in 64 KiB writes, MiB/s", ["bare", "tls"]),
    ("echo256", "echo, 256 clients, requests/s", ECHO),
    ("echo1000", "echo, 1000 clients, requests/s", ECHO),
    ("syscalls", "echo: system calls per request (256 clients)", ECHO),
    ("instructions", "echo: user instructions per request (256)", ECHO),
    ("http", "http-hello, wrk -t2 -c100, requests/s", HTTP),
    ("httpcalls", "http: system calls per request (ab -k -c 50)", HTTP),
    ("httpinstr", "http: user instructions per request", HTTP),
]
NAMES = {"raw": "raw system calls", "netkit": "netkit poller",
         "loop": "netkit loop",
         "epoll": "raw epoll", "uv": "libuv", "event": "libevent",
         "two": "2 x send_all", "iov": "send_all_iov",
         "bare": "bare OpenSSL", "tls": "netkit tls"}


def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


print(f"rounds: {rounds}; echo: {echo_rounds} rounds of {reqs} requests, "
      f"ratio = median of the rounds' ratios; "
      f"strace over {trace} requests; callgrind over {trace}" +
      (f" less a run of {base}" if base else "") + " requests")
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

# System calls per request by kind, from the same strace runs.
KINDS = ["send", "recv", "wait", "other"]
print(f"\nsystem calls per request by kind "
      f"(send: sendto/sendmsg/write/writev; recv: recvfrom/recvmsg/read/"
      f"readv; wait: epoll_wait/poll; other: the rest)")
print(f"{'benchmark':14} {'implementation':17} "
      + " ".join(f"{k:>7}" for k in KINDS))
for key, title, modes in [("syscalls", "echo, 256", ECHO),
                          ("httpcalls", "http, ab -k", HTTP)]:
    for i, m in enumerate(modes):
        mix = [vals.get(("callmix", f"{key}.{m}.{k}")) for k in KINDS]
        if not any(mix):
            continue
        cells = " ".join(f"{v[0]:7.3f}" if v else f"{0:7.3f}" for v in mix)
        print(f"{title if i == 0 else '':14} {NAMES[m]:17} {cells}")
