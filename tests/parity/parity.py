#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Conformance of libnetkit with CPython's socket module.

usage: parity.py PARITY_EXE CASES MODE
       parity.py --reference CASES MODE

Reads the cases (see the head of cases.txt), answers each one with the
socket module and prints, or compares those answers line by line with
what PARITY_EXE (tests/parity/parity.c, the same cases through netkit)
prints. MODE is "all", or "local" to leave out the cases of class "dns".
Both sides print "N: FUNC ARGS -> ANSWER" in one canonical form; a
Python exception becomes "error KIND" with KIND as netkit_errname()
names netkit's code for it.
"""
import errno
import socket
import subprocess
import sys
import urllib.parse

HERROR = {1: "NETKIT_ENONAME", 2: "NETKIT_EAGAIN_RESOLVE",
          3: "NETKIT_ERESOLVE", 4: "NETKIT_ENONAME"}


def gai_kind(code):
    table = {
        socket.EAI_NONAME: "NETKIT_ENONAME",
        socket.EAI_AGAIN: "NETKIT_EAGAIN_RESOLVE",
        socket.EAI_SERVICE: "NETKIT_ENOSERVICE",
        socket.EAI_MEMORY: "ENOMEM",
    }
    for name, kind in (("EAI_NODATA", "NETKIT_ENONAME"),
                       ("EAI_ADDRFAMILY", "NETKIT_ENOADDR")):
        if hasattr(socket, name):
            table[getattr(socket, name)] = kind
    return table.get(code, "NETKIT_ERESOLVE")


# OSErrors that Python raises with a message and no errno.
MESSAGES = {
    "illegal IP address string passed to inet_aton": "EINVAL",
    "illegal IP address string passed to inet_pton": "EINVAL",
    "service/proto not found": "NETKIT_ENOSERVICE",
    "port/proto not found": "NETKIT_ENOSERVICE",
    "no interface with this name": "ENODEV",
    "wildcard resolved to multiple address": "NETKIT_ERESOLVE",
}


def error_kind(e):
    if isinstance(e, (ValueError, TypeError, OverflowError)):
        return "EINVAL"          # UnicodeError is a ValueError
    if isinstance(e, socket.gaierror):
        return gai_kind(e.errno)
    if isinstance(e, socket.herror):
        return HERROR.get(e.errno, "NETKIT_ERESOLVE")
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, "E%d" % e.errno)
    if isinstance(e, OSError) and str(e) in MESSAGES:
        return MESSAGES[str(e)]
    return "%s(%s)" % (type(e).__name__, e)


def const(text):
    value = 0
    for name in text.split("|"):
        value |= int(getattr(socket, name))
    return value


def arg(token):
    kind, _, text = token.partition(":")
    if kind == "s":
        return urllib.parse.unquote(text)
    if kind == "n":
        return None
    if kind == "i":
        return int(text)
    if kind == "b":
        return bytes.fromhex(text)
    if kind == "c":
        return const(text)
    if kind == "h":
        return socket.gethostname()
    raise SystemExit("bad argument %r" % token)


def q(s):
    return "'%s'" % s


def fmt_list(items):
    return "[" + ", ".join(q(x) for x in items) + "]"


def fmt(func, r):
    if isinstance(r, bytes):
        return "bytes " + r.hex()
    if isinstance(r, int):
        return "%d" % r
    if isinstance(r, str):
        return q(r)
    if func in ("gethostbyname_ex", "gethostbyaddr"):
        return "(%s, %s, %s)" % (q(r[0]), fmt_list(r[1]), fmt_list(r[2]))
    if func == "getnameinfo":
        return "(%s, %s)" % (q(r[0]), q(r[1]))
    if func == "if_nameindex":
        return "[" + ", ".join("(%d, %s)" % (i, q(n))
                               for i, n in sorted(r)) + "]"
    if func == "getaddrinfo":
        return "; ".join("%d %d %d %s %s %d" % (int(f), int(t), p, q(c),
                                                 sa[0], sa[1])
                         for f, t, p, c, sa in r)
    raise SystemExit("no format for %s" % func)


def call(func, args):
    if func == "getaddrinfo":
        host, port, family, type_, flags = args
        return socket.getaddrinfo(host, port, family, type_, 0, flags)
    if func == "getnameinfo":
        ip, port, flags = args
        return socket.getnameinfo((ip, port), flags)
    if func in ("getservbyname", "getservbyport") and args[1] is None:
        args = args[:1]         # proto omitted: any protocol
    return getattr(socket, func)(*args)


def answer(func, args):
    try:
        return fmt(func, call(func, args))
    except Exception as e:      # every exception is an answer here
        return "error " + error_kind(e)


def cases(path, mode):
    """Yields (line number, class, text, known-difference note)."""
    with open(path, encoding="ascii") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            text, _, why = line.partition(" ## ")
            cls, _, text = text.partition(" ")
            if cls not in ("pure", "local", "dns"):
                raise SystemExit("%s:%d: bad class %r" % (path, n, cls))
            if cls == "dns" and mode != "all":
                continue
            yield n, cls, text, why


def reference(path, mode):
    out = []
    for n, _, text, _ in cases(path, mode):
        func, *tokens = text.split(" ")
        out.append("%d: %s -> %s" % (n, text,
                                     answer(func, [arg(t) for t in tokens])))
    return out


def compare(exe, path, mode):
    mine = subprocess.run([exe, path, mode], check=True, text=True,
                          stdout=subprocess.PIPE).stdout.splitlines()
    ref = reference(path, mode)
    known = {n: why for n, _, _, why in cases(path, mode) if why}
    if len(mine) != len(ref):
        print("netkit printed %d answers for %d cases" % (len(mine), len(ref)))
        return 1
    match = failed = explained = 0
    for m, r in zip(mine, ref):
        n = int(r.split(":", 1)[0])
        if m == r:
            match += 1
            continue
        if n in known:
            explained += 1
            print("KNOWN DIFFERENCE (%s)\n  python: %s\n  netkit: %s"
                  % (known[n], r, m))
            continue
        failed += 1
        print("DIFFERS\n  python: %s\n  netkit: %s" % (r, m))
    print("parity: %d cases (%s), %d match Python, %d known differences, "
          "%d unexplained differences"
          % (len(ref), "all" if mode == "all" else "DNS cases skipped",
             match, explained, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--reference":
        print("\n".join(reference(argv[2], argv[3])))
        return 0
    if len(argv) == 4:
        return compare(argv[1], argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
