# SPDX-License-Identifier: MIT
"""Raw-socket clients for the servers on the connection layer
(examples/http-hello.c, examples/resp-server.c). Loopback only; every
wait bounded by WAIT seconds; every load bounded in bytes and time.
PROTO is http or resp. Exit status 0 when every check held; the reason
on stderr otherwise.

  loop_peer.py pipeline PROTO HOST PORT WAIT
      Sends three requests in one send, reads three answers and checks
      them (http: 200, 404, 200 with "Connection: close", then the end
      of the stream; resp: PONG, the echo, a bulk string).
  loop_peer.py junk PROTO HOST PORT WAIT
      Garbage, an over-long line and an over-long head (http) or a
      protocol error and an over-long command (resp): each gets its
      error answer and the end of the stream.
  loop_peer.py inline HOST PORT WAIT
      resp only: inline commands, and a binary-safe value.
  loop_peer.py full HOST PORT WAIT
      resp only: SETs up to the table's key limit, then one more is
      refused with "-ERR table full"; the keys are deleted again.
  loop_peer.py bad PROTO HOST PORT WAIT PID
      One client pipelines requests and never reads (up to 50 MB or
      5 s) until the server stops taking them; then another client's
      requests are timed: some try of five requests must have each
      answered within 100 ms (up to 10 tries). The bad client must have
      been slowed down, and the server's VmHWM must stay within 16 MiB
      of its VmRSS before (64 MiB under valgrind's memcheck).
  loop_peer.py full-fds PROTO HOST PORT WAIT PID
      100 idle clients against a server whose descriptor limit is 32:
      one of the accepted ones is still served; the server's CPU time
      over 2 s must stay under 200 ms (some of up to 5 tries); after
      they all close, a new client is served.
"""
import os
import select
import socket
import sys
import time

HTTP_GET = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
RESP_PING = b"*1\r\n$4\r\nPING\r\n"
HELLO = b"Hello, World!"


def fail(why):
    sys.exit("FAIL: " + why)


def connect(host, port, wait):
    s = socket.create_connection((host, port), timeout=wait)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Stream:
    """Buffered reading of answers off a socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        data = self.s.recv(65536)
        if not data:
            fail("the server closed early; had %r" % self.buf[:200])
        self.buf += data

    def until(self, mark):
        while mark not in self.buf:
            self.fill()
        i = self.buf.index(mark) + len(mark)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def http(self):
        """(status, headers dict with lower-case names, body)"""
        head = self.until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        hdrs = {}
        for line in head[1:]:
            if line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        return status, hdrs, self.exact(int(hdrs["content-length"]))

    def resp(self):
        line = self.until(b"\r\n")
        if line[:1] == b"$" and int(line[1:-2]) >= 0:
            return line + self.exact(int(line[1:-2]) + 2)
        return line

    def answer(self, proto):
        return self.http() if proto == "http" else self.resp()

    def at_end(self, wait):
        self.s.settimeout(wait)
        if self.buf or self.s.recv(1) != b"":
            fail("more than expected: %r" % self.buf[:200])


def ok_answer(proto, a):
    if proto == "http":
        return a[0] == 200 and a[2] == HELLO
    return a == b"+PONG\r\n"


def pipeline(proto, host, port, wait):
    s = connect(host, port, wait)
    st = Stream(s)
    if proto == "http":
        s.sendall(HTTP_GET + b"GET /nope HTTP/1.1\r\n\r\n" +
                  b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        got = [st.http() for _ in range(3)]
        want = [(200, HELLO, "keep-alive"), (404, None, "keep-alive"),
                (200, HELLO, "close")]
        for (status, hdrs, body), (ws, wb, wc) in zip(got, want):
            if status != ws or (wb and body != wb) or \
                    hdrs.get("connection") != wc or \
                    hdrs.get("content-type") != "text/plain":
                fail("pipelined answers: %r" % got)
        st.at_end(wait)
    else:
        s.sendall(RESP_PING + b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n" +
                  b"*2\r\n$4\r\nping\r\n$2\r\nhi\r\n")
        got = [st.resp() for _ in range(3)]
        if got != [b"+PONG\r\n", b"$5\r\nhello\r\n", b"$2\r\nhi\r\n"]:
            fail("pipelined answers: %r" % got)
    print("pipeline ok")


def junk(proto, host, port, wait):
    if proto == "http":
        cases = [(b"garbage\r\n\r\n", 400),
                 (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
                 (b"GET / HTTP/9.9\r\n\r\n", 400),
                 (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n", 431),
                 # lines that fit, a head that does not (8 KiB)
                 (HTTP_GET[:-2] + (b"X-Pad: " + b"p" * 3000 + b"\r\n") * 3 +
                  b"\r\n", 431)]
    else:
        cases = [(b"*1\r\n+PING\r\n", b"-ERR protocol error\r\n"),
                 (b"*x\r\n", b"-ERR protocol error\r\n"),
                 (b"*2\r\n$3\r\nSET\r\n$100000\r\n",
                  b"-ERR command too big\r\n"),
                 (b"PING " + b"a" * 20000 + b"\r\n",
                  b"-ERR command too big\r\n"),
                 (b"*1000\r\n", b"-ERR too many arguments\r\n")]
    for req, want in cases:
        s = connect(host, port, wait)
        st = Stream(s)
        s.sendall(req)
        a = st.answer(proto)
        got = a[0] if proto == "http" else a
        if got != want:
            fail("%r...: answered %r, expected %r" % (req[:30], a, want))
        if proto == "http" and a[1].get("connection") != "close":
            fail("%r...: no Connection: close" % req[:30])
        st.at_end(wait)
        s.close()
    print("junk ok")


def inline(host, port, wait):
    s = connect(host, port, wait)
    st = Stream(s)
    value = b"a b\r\n\x00\xff" * 100
    s.sendall(b"PING\r\n  echo   two  \r\n\r\nSET k v\r\nGET k\r\n" +
              b"*3\r\n$3\r\nSET\r\n$3\r\nbin\r\n$%d\r\n%s\r\n" %
              (len(value), value) + b"GET bin\r\nDEL k bin k\r\nGET k\r\n" +
              b"NOPE x\r\nGET\r\nSET a\r\n")
    want = [b"+PONG\r\n", b"$3\r\ntwo\r\n", b"+OK\r\n", b"$1\r\nv\r\n",
            b"+OK\r\n", b"$%d\r\n%s\r\n" % (len(value), value),
            b":2\r\n", b"$-1\r\n", b"-ERR unknown command\r\n",
            b"-ERR wrong number of arguments\r\n",
            b"-ERR wrong number of arguments\r\n"]
    for w in want:
        got = st.resp()
        if got != w:
            fail("inline: %r, expected %r" % (got[:100], w[:100]))
    print("inline ok")


def full(host, port, wait):
    s = connect(host, port, wait)
    st = Stream(s)
    n, batch = 0, 1000
    limit = 100000
    while n < limit:
        s.sendall(b"".join(b"SET key:%d x\r\n" % i
                           for i in range(n, n + batch)))
        for _ in range(batch):
            if st.resp() != b"+OK\r\n":
                fail("SET %d refused" % n)
        n += batch
    s.sendall(b"SET one:more x\r\nSET key:5 y\r\nGET key:5\r\n")
    got = [st.resp() for _ in range(3)]
    if got != [b"-ERR table full\r\n", b"+OK\r\n", b"$1\r\ny\r\n"]:
        fail("past the limit: %r" % got)
    deleted = 0
    for i in range(0, limit, batch):
        s.sendall(b"DEL " + b" ".join(b"key:%d" % k
                                      for k in range(i, i + 50)) + b"\r\n")
        s.sendall(b"".join(b"DEL key:%d\r\n" % k
                           for k in range(i + 50, i + batch)))
        deleted += int(st.resp()[1:-2])
        for _ in range(batch - 50):
            deleted += int(st.resp()[1:-2])
    if deleted != limit:
        fail("deleted %d keys, expected %d" % (deleted, limit))
    s.sendall(b"SET one:more x\r\nDEL one:more\r\n")
    if [st.resp(), st.resp()] != [b"+OK\r\n", b":1\r\n"]:
        fail("the table did not take a key again")
    print("full ok")


def vm_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail("no %s for %d" % (field, pid))


def bad(proto, host, port, wait, pid):
    req = HTTP_GET if proto == "http" else RESP_PING
    rss0 = vm_kib(pid, "VmRSS")
    hog = connect(host, port, wait)
    hog.setblocking(False)
    good = connect(host, port, wait)
    gst = Stream(good)
    chunk = req * (65536 // len(req))
    sent, start, stuck = 0, time.monotonic(), None

    def push():
        # from where the last send stopped: whole requests, never cut
        nonlocal sent
        try:
            sent += hog.send(memoryview(chunk)[sent % len(chunk):])
            return True
        except BlockingIOError:
            return False

    # The hog sends until the server has taken nothing more for 0.5 s
    # (or 50 MB went, or 5 s passed); it never reads.
    while time.monotonic() - start < 5 and sent < 50 * 1048576:
        if push():
            stuck = None
        elif stuck is None:
            stuck = time.monotonic()
        elif time.monotonic() - stuck > 0.5:
            break
        else:
            time.sleep(0.01)
    # Slowed down: it could not push its 50 MB through. (Under valgrind
    # the server may still be taking requests when the 5 s are up.)
    blocked = sent < 50 * 1048576
    print("bad client: %d bytes sent in %.1f s, %s" %
          (sent, time.monotonic() - start,
           "then blocked" if stuck is not None else "still sending"))
    # The good client, while the hog's answers wait unread: some try of
    # five requests must have each answered within 100 ms.
    best = None
    for tries in range(1, 11):
        push()
        worst = 0
        for _ in range(5):
            t = time.monotonic()
            good.sendall(req)
            if not ok_answer(proto, gst.answer(proto)):
                fail("the good client got a wrong answer")
            worst = max(worst, time.monotonic() - t)
        best = worst if best is None else min(best, worst)
        print("good client: slowest of 5 answers %.1f ms (try %d)" %
              (worst * 1000, tries))
        if best < 0.1:
            break
    hwm = vm_kib(pid, "VmHWM")
    print("server VmRSS before %d KiB, VmHWM after %d KiB" % (rss0, hwm))
    if best >= 0.1:
        fail("the good client waited %.1f ms" % (best * 1000))
    if not blocked:
        fail("the bad client was never slowed down (%d bytes in 5 s)" %
             sent)
    # Two connections cost at most 2 x (output_max 1 MiB + the input
    # buffer + its state); 16 MiB leaves room for the allocator, and
    # memcheck's own bookkeeping takes about as much again.
    limit = 16 * 1024 * (4 if os.environ.get("NK_MEMCHECK") else 1)
    if hwm - rss0 > limit:
        fail("server memory grew by %d KiB (limit %d KiB)" %
             (hwm - rss0, limit))
    # The hog is still served once it reads.
    hog.setblocking(True)
    hog.settimeout(wait)
    if not hog.recv(65536):
        fail("the bad client was closed")
    hog.close()
    good.close()
    print("bad ok")


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])   # utime, stime
    return ticks * 1000 // os.sysconf("SC_CLK_TCK")


def full_fds(proto, host, port, wait, pid):
    req = HTTP_GET if proto == "http" else RESP_PING
    clients = [connect(host, port, wait) for _ in range(100)]
    # The first ones are accepted (the limit leaves room for a few);
    # the rest wait in the listen backlog. One accepted is still served.
    st = Stream(clients[0])
    clients[0].sendall(req)
    if not ok_answer(proto, st.answer(proto)):
        fail("the first client got a wrong answer")
    time.sleep(0.3)
    for tries in range(1, 6):
        c0 = cpu_ms(pid)
        time.sleep(2)
        used = cpu_ms(pid) - c0
        print("server CPU while full: %d ms in 2 s (try %d)" % (used, tries))
        if used < 200:
            break
    else:
        fail("the server kept busy while out of descriptors")
    for c in clients:
        c.close()
    s = connect(host, port, wait)
    st = Stream(s)
    s.sendall(req)
    if not ok_answer(proto, st.answer(proto)):
        fail("the new client got a wrong answer")
    print("full-fds ok")


def main():
    a = sys.argv[1:]
    what = a[0]
    if what in ("inline", "full"):
        host, port, wait = a[1], int(a[2]), float(a[3])
        {"inline": inline, "full": full}[what](host, port, wait)
        return
    proto, host, port, wait = a[1], a[2], int(a[3]), float(a[4])
    if what == "pipeline":
        pipeline(proto, host, port, wait)
    elif what == "junk":
        junk(proto, host, port, wait)
    elif what == "bad":
        bad(proto, host, port, wait, int(a[5]))
    elif what == "full-fds":
        full_fds(proto, host, port, wait, int(a[5]))
    else:
        fail("unknown command " + what)


main()
