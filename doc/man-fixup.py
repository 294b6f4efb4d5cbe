#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tidies Doxygen's section 3 man pages for installing in man3.

usage: man-fixup.py MANDIR EXAMPLESDIR

Doxygen names a group's page after the group (socket.3, inet.3, error.3,
time.3, ...) and, with MAN_LINKS, writes a link page for every member,
struct fields included (name.3, index.3, end.3, ...). Those names belong
to the C library's own pages. This keeps the API's names only:

- a group page X.3 becomes netkit-X.3 (its .TH and NAME lines too), so
  `man netkit-socket` shows the Sockets group;
- link pages for netkit_* and NETKIT_* names stay, pointed at the
  renamed group page: `man netkit_create_connection` shows Endpoints;
- link pages for any other name (struct fields) go; their struct's own
  page (netkit_addrinfo.3, ...) documents them;
- a struct's page, whose NAME line Doxygen leaves bare, gets the
  first sentence of its description as its whatis text ("name \- what
  it is"), as man(7) and lintian want;
- in code blocks (.nf to .fi) a backslash Doxygen copied as it was
  (the \\n of "%s\\n", a macro's line continuation) is written \\e,
  so man shows it instead of reading a troff escape;
- the examples a page cites (Doxygen's "Examples" lists, bare file
  names) are said to be in EXAMPLESDIR, where `meson install` puts
  their sources: "Examples (in /usr/share/doc/.../examples):";
- every page left ends with SEE ALSO netkit(7), the overview.
"""
import os
import re
import sys

API = re.compile(r'(netkit|NETKIT)_\w+\.3$')
# Doxygen's own escape in code blocks is \&; any other backslash there
# is the source's.
RAW_BACKSLASH = re.compile(r'\\(?!&)')


def escape_code(text):
    out, code = [], False
    for line in text.split('\n'):
        if line.startswith('.nf'):
            code = True
        elif line.startswith('.fi'):
            code = False
        elif code and not line.startswith('.'):
            line = RAW_BACKSLASH.sub(r'\\e', line)
        out.append(line)
    return '\n'.join(out)


def roff_path(path):
    """A path as man text: its hyphens are ASCII minus signs (\\-), so
    a path copied from the terminal is the path."""
    return path.replace('\\', '\\e').replace('-', '\\-')


def name_examples_dir(text, examples):
    return text.replace('\n\\fBExamples\\fP\n',
                        '\n\\fBExamples\\fP (in \\fI%s\\fP):\n'
                        % roff_path(examples))


def add_see_also(text):
    """SEE ALSO netkit(7), before Doxygen's closing Author section."""
    see = '.SH "SEE ALSO"\n\\fBnetkit\\fP(7)\n'
    m = re.search(r'^\.SH "Author"', text, flags=re.M)
    if not m:
        return text.rstrip('\n') + '\n' + see
    return text[:m.start()] + see + text[m.start():]


def tidy(text, examples):
    return add_see_also(name_examples_dir(escape_code(text), examples))


def add_whatis(text):
    """Gives a bare NAME line the first sentence of the description."""
    m = re.search(r'^\.SH NAME\n(\S+)\n', text, flags=re.M)
    if not m:
        return text
    d = re.search(r'^\.SH "Detailed Description"\n\.PP ?\n(.+)$', text,
                  flags=re.M)
    what = d.group(1).strip() if d else 'a libnetkit data structure'
    what = re.split(r'\\&\.', what)[0].rstrip('.')
    return text[:m.start()] + '.SH NAME\n%s \\- %s\n' % (m.group(1), what) + \
        text[m.end():]


def main(mandir, examples):
    names = sorted(n for n in os.listdir(mandir) if n.endswith('.3'))
    groups = {}
    for n in names:
        with open(os.path.join(mandir, n)) as f:
            text = f.read()
        if text.startswith('.so '):
            continue
        if not API.match(n):
            groups[n] = 'netkit-' + n
    for old, new in groups.items():
        stem, newstem = old[:-2], new[:-2]
        with open(os.path.join(mandir, old)) as f:
            text = f.read()
        text = tidy(text, examples)
        text = re.sub(r'^\.TH "%s"' % re.escape(stem),
                      '.TH "%s"' % newstem, text, count=1, flags=re.M)
        text = re.sub(r'^%s \\-' % re.escape(stem), r'%s \\-' % newstem,
                      text, count=1, flags=re.M)
        with open(os.path.join(mandir, new), 'w') as f:
            f.write(text)
        os.unlink(os.path.join(mandir, old))
    for n in names:
        path = os.path.join(mandir, n)
        if n in groups:
            continue
        with open(path) as f:
            text = f.read()
        if not text.startswith('.so '):
            with open(path, 'w') as f:
                f.write(add_whatis(tidy(text, examples)))
            continue
        if not API.match(n):
            os.unlink(path)
            continue
        target = text.split()[1]
        base = os.path.basename(target)
        if base in groups:
            with open(path, 'w') as f:
                f.write('.so man3/%s\n' % groups[base])
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
