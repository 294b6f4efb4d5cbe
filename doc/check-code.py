#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds and runs the whole programs of the guides, as a reader would.

usage: check-code.py CC INCLUDEDIR LIBRARY PAGE.md...
       check-code.py --self-test CC

A guide's C blocks (```c fences) that define main() are whole programs
a reader copies. Each is compiled with CC against INCLUDEDIR and linked
with LIBRARY (the shared libnetkit just built), strict: -std=c99
-Wall -Wextra -Wpedantic -Werror. A program whose first comment line
starts "line-echo [port]" is also run as the guide says to use it: on
a free loopback port, two lines sent in one segment come back, the
client's end of input gets the server's end after the echo (its
graceful close), and SIGTERM ends it with status 0.

This fails (exit 1, one line per problem) on a page with no whole
program, on any compiler warning, and on any difference in the run.
The fragments (blocks without main) are excerpts and are not built.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

FENCE = re.compile(r'^```c\n(.*?)^```$', flags=re.S | re.M)
MAIN = re.compile(r'^int\s*\nmain\s*\(|^int\s+main\s*\(', flags=re.M)
CFLAGS = ['-std=c99', '-D_POSIX_C_SOURCE=200809L', '-Wall', '-Wextra',
          '-Wpedantic', '-Werror']
# Bounds against a hang, not measurements: a run takes milliseconds.
GUARD_S = 20


def programs(path):
    with open(path, encoding='utf-8') as f:
        return [b for b in FENCE.findall(f.read()) if MAIN.search(b)]


def build(cc, include, library, source, out):
    """Compiles and links one program: [] or the compiler's complaint."""
    src = out + '.c'
    with open(src, 'w', encoding='utf-8') as f:
        f.write(source)
    libdir = os.path.dirname(os.path.abspath(library)) if library else None
    # include: one directory, or several joined by ':' (the source
    # tree's and the build tree's, where <netkit/features.h> is made).
    incs = [a for d in include.split(os.pathsep) for a in ('-I', d)]
    cmd = [cc] + CFLAGS + incs + [src, '-o', out]
    if library:
        cmd += [library, '-Wl,-rpath,' + libdir]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if r.returncode != 0 or r.stdout.strip():
        return ['%s: %s' % (' '.join(cmd[:1] + CFLAGS), r.stdout.strip()
                            or 'exit %d' % r.returncode)]
    return []


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def recv_all(s, want, until):
    """Reads until want bytes came, the peer's end, or the guard: the
    bytes, and whether the peer's end came."""
    got = b''
    while len(got) < want and time.monotonic() < until:
        s.settimeout(max(0.01, until - time.monotonic()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            return got, True
        got += chunk
    return got, False


def connect(port, proc, until):
    while time.monotonic() < until and proc.poll() is None:
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=1)
        except OSError:
            time.sleep(0.02)
    return None


def run_line_echo(prog):
    """The echo, the graceful close after the client's end, SIGTERM."""
    for _ in range(3):      # another process may take the free port first
        port = free_port()
        proc = subprocess.Popen([prog, str(port)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        until = time.monotonic() + GUARD_S
        s = connect(port, proc, until)
        if s is not None:
            break
        proc.wait(timeout=GUARD_S)
    else:
        err = proc.stderr.read().decode(errors='replace').strip()
        return ['line-echo never listened on a free port: %s' % err]
    problems = []
    try:
        sent = b'hello\nworld\n'
        s.sendall(sent)                     # two requests in one segment
        got = recv_all(s, len(sent), until)[0]
        if got != sent:
            problems.append('line-echo: sent %r, got back %r' % (sent, got))
        s.sendall(b'last')                  # no newline, then our end
        s.shutdown(socket.SHUT_WR)
        rest, end = recv_all(s, 1 << 20, until)
        if rest != b'last' or not end:
            problems.append('line-echo: after the end of input, got %r '
                            'then %s, not b\'last\' then the end' %
                            (rest, 'the end' if end else 'nothing for %d s'
                             % GUARD_S))
    finally:
        s.close()
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout=GUARD_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return problems + ['line-echo: still running %d s after SIGTERM'
                           % GUARD_S]
    err = proc.stderr.read().decode(errors='replace').strip()
    if status != 0:
        problems.append('line-echo: exit status %d after SIGTERM (%s)'
                        % (status, err or 'no message'))
    elif err:
        problems.append('line-echo: printed %r for a clean session' % err)
    return problems


def check(cc, include, library, pages, tmp):
    problems, built = [], 0
    for page in pages:
        progs = programs(page)
        if not progs:
            problems.append('%s: no whole program (a ```c block with main)'
                            % page)
        for i, source in enumerate(progs):
            out = os.path.join(tmp, '%s-%d' % (
                os.path.basename(page).rsplit('.', 1)[0], i))
            more = build(cc, include, library, source, out)
            problems += ['%s, program %d: %s' % (page, i + 1, p)
                         for p in more]
            if more:
                continue
            built += 1
            first = source.lstrip().split('\n', 1)[0]
            if re.match(r'/\*\s*line-echo \[port\]', first):
                problems += ['%s, program %d: %s' % (page, i + 1, p)
                             for p in run_line_echo(out)]
    return problems, built


def self_test(cc):
    """A good page passes; a warning, a missing program and a wrong
    echo fail."""
    good = ('# T\n\n```c\n/* line-echo [port]: test */\n'
            '#include <stdio.h>\nint\nmain(void)\n{\n\treturn 0;\n}\n```\n')
    cases = {
        'warning': good.replace('return 0;', 'int unused; return 0;'),
        'no program': '# T\n\n```c\nint x;\n```\n',
    }
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        inc = os.path.join(d, 'include')
        os.mkdir(inc)
        for name, text in [('good', good.replace('line-echo', 'other'))] + \
                list(cases.items()):
            page = os.path.join(d, name.replace(' ', '_') + '.md')
            with open(page, 'w') as f:
                f.write(text)
            problems = check(cc, inc, None, [page], d)[0]
            if (name == 'good') == bool(problems):
                print('self-test: %s page: %s'
                      % (name, problems or 'no problem found'))
                failed = 1
        # A "server" that exits at once echoes nothing: caught.
        page = os.path.join(d, 'mute.md')
        with open(page, 'w') as f:
            f.write(good)
        if not check(cc, inc, None, [page], d)[0]:
            print('self-test: a line-echo that echoes nothing passed')
            failed = 1
    print('self-test: FAILED' if failed else
          'self-test: %d broken pages caught, good page clean'
          % (len(cases) + 1))
    return failed


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        return self_test(argv[2])
    if len(argv) < 5:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        problems, built = check(argv[1], argv[2], argv[3], argv[4:], tmp)
    for p in problems:
        print(p)
    print('docs-code: %d programs built and run from %d pages: %d problems'
          % (built, len(argv) - 4, len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
