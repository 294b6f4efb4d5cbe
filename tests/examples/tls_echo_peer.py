# SPDX-License-Identifier: MIT
"""Clients of tls-echo-server on Python's ssl module (tests/examples).

    tls_echo_peer.py PORT CAFILE CLIENTS HANDSHAKE_MS

First one client that connects and sends half a ClientHello, then stops
(stuck mid-handshake); then CLIENTS clients at once, each in a thread:
handshake (verifying the server as localhost against CAFILE), "hello"
and "How are you?" each answered with b"Receive your message", then
its close_notify, after which it must read b"Bey" and the server's
close_notify (TLS 1.3 lets a side go on sending after the peer's
close_notify; ssl.SSLSocket.unwrap() refuses that, so the clients run
on memory BIOs). Prints one line per fact the test checks; exit 1 on
any failure.
"""
import socket
import ssl
import sys
import threading
import time

PORT, CAFILE, CLIENTS, HANDSHAKE_MS = (int(sys.argv[1]), sys.argv[2],
                                       int(sys.argv[3]), int(sys.argv[4]))
WAIT = 60


class Client:
    def __init__(self, ctx):
        self.sock = socket.create_connection(("127.0.0.1", PORT), WAIT)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out,
                                server_hostname="localhost")

    def _pump(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def call(self, func, *args):
        while True:
            try:
                result = func(*args)
                self._pump()
                return result
            except ssl.SSLWantReadError:
                self._pump()
                data = self.sock.recv(65536)
                if data:
                    self.inc.write(data)
                else:
                    self.inc.write_eof()

    def close_notify(self):
        try:
            self.obj.unwrap()
        except ssl.SSLWantReadError:
            pass
        self._pump()


def run(ctx, i, results):
    try:
        c = Client(ctx)
        c.call(c.obj.do_handshake)
        got = []
        for msg in (b"hello", b"How are you?"):
            c.call(c.obj.write, msg)
            got.append(c.call(c.obj.read, 1024))
        c.close_notify()
        got.append(c.call(c.obj.read, 1024))
        try:
            got.append(c.call(c.obj.read, 1024))
        except ssl.SSLZeroReturnError:
            got.append("close_notify")
        c.sock.close()
        results[i] = got
    except Exception as e:  # reported below
        results[i] = repr(e)


def main():
    ctx = ssl.create_default_context(cafile=CAFILE)
    t0 = time.monotonic()  # before the server can start its timer
    stuck = socket.create_connection(("127.0.0.1", PORT), WAIT)
    # A TLS handshake record header and a few bytes of a ClientHello.
    stuck.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    results = [None] * CLIENTS
    threads = [threading.Thread(target=run, args=(ctx, i, results))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    served_ms = (time.monotonic() - t0) * 1000
    want = [b"Receive your message", b"Receive your message", b"Bey",
            "close_notify"]
    ok = True
    for i, r in enumerate(results):
        if r != want:
            print("client %d: got %r" % (i, r))
            ok = False
    if ok:
        print("%d clients: replies, Bey, close_notify" % CLIENTS)
    # The stuck one is still connected now (early drop is a failure)...
    stuck.setblocking(False)
    try:
        data = stuck.recv(1)
        print("stuck client: ended early: %r" % data)
        ok = False
    except BlockingIOError:
        if served_ms < HANDSHAKE_MS:
            print("stuck client: still connected while the others "
                  "were served")
        else:
            print("late: the others took %d ms" % served_ms)
            ok = False
    # ... and dropped at its deadline, not before.
    stuck.settimeout(WAIT)
    try:
        data = stuck.recv(1)
    except OSError as e:
        data = repr(e)
    dropped_ms = (time.monotonic() - t0) * 1000
    if data == b"" and dropped_ms >= HANDSHAKE_MS:
        print("stuck client: dropped at its deadline")
    else:
        print("stuck client: %r after %d ms" % (data, dropped_ms))
        ok = False
    sys.stdout.flush()
    sys.exit(0 if ok else 1)


main()
