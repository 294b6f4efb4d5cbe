# SPDX-License-Identifier: MIT
"""A Python client of the chat room (examples/chat-server.c), for the
chat tests. Loopback only; every wait bounded by WAIT seconds.

  chat_peer.py talk HOST PORT WAIT
      Reads the welcome line, sends "hello from python", then prints
      every line it receives until it has seen "hello from nc" and
      "hello from chat-client" from the others; then closes.
  chat_peer.py sleep HOST PORT WAIT
      A reader that never reads: a small receive buffer, the welcome
      line read, "ready" printed, then sleeps WAIT seconds (the test
      kills it sooner, once the server dropped it).
  chat_peer.py count HOST PORT WAIT
      Reads everything; prints the notices ("* ..." lines) as they
      come; at the line "END" from anyone, prints how many other chat
      lines came and their bytes (after the sender's "name: "), and
      closes.
"""
import socket
import sys
import time


def connect(host, port, wait, rcvbuf=0):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(wait)
    s.connect((host, port))
    return s


def text(line):
    """The chat line's text, without its sender; None for a notice."""
    if line.startswith(b"* "):
        return None
    return line.rstrip(b"\n").split(b": ", 1)[1]


def talk(s, f):
    out = sys.stdout.buffer
    out.write(f.readline())
    s.sendall(b"hello from python\n")
    want = {b"hello from nc", b"hello from chat-client"}
    while want:
        line = f.readline()
        if not line:
            sys.exit("talk: the room closed first")
        out.write(line)
        want.discard(text(line))
    out.flush()


def count(f):
    lines = size = 0
    while True:
        line = f.readline()
        if not line:
            sys.exit("count: the room closed before END")
        t = text(line)
        if t is None:
            print(line.decode().rstrip("\n"), flush=True)
        elif t == b"END":
            print("lines %d bytes %d" % (lines, size), flush=True)
            return
        else:
            lines += 1
            size += len(t)


def main():
    mode, host, port, wait = sys.argv[1:5]
    wait = float(wait)
    s = connect(host, int(port), wait, 4096 if mode == "sleep" else 0)
    f = s.makefile("rb")
    if mode == "talk":
        talk(s, f)
    elif mode == "count":
        count(f)
    else:
        sys.stdout.buffer.write(f.readline())
        print("ready", flush=True)
        time.sleep(wait)
    s.close()


main()
