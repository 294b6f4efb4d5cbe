#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the installed documentation as a reader meets it.

usage: check-installed.py ROOT SRCDIR

ROOT is an installed tree: a `meson install --destdir` or the Debian
packages unpacked together. The man pages name files; this fails (exit
1, one line per problem) unless they are there:

- netkit(7) is installed (man7/netkit.7, or .7.gz as Debian ships it),
  and the files it names exist: the HTML reference's index.html and the
  examples' directory, which holds every example it lists and every
  examples/*.c of SRCDIR, byte for byte; the netkit-*(3) pages of its
  SEE ALSO are installed too;
- every directory a section 3 page names for its examples ("Examples
  (in DIR):") exists, with each example listed under it;
- the installed HTML reference passes check-html.py's checks (against
  the installed headers and examples): a search box, examples linked
  to their sources, no markup shown as text.
"""
import glob
import gzip
import importlib.util
import os
import re
import sys

EXAMPLES_HEADING = re.compile(r'^\\fBExamples\\fP \(in \\fI(.+)\\fP\):$')
C_FILE = re.compile(r'[\w.-]+\.c\b')


def read_page(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt', encoding='utf-8') as f:
        return f.read()


def unroff(text):
    """What a reader sees of a roff line's words: font changes and
    zero-width marks gone, escaped minus and backslash plain."""
    text = re.sub(r'\\f[BIRP]', '', text)
    return text.replace('\\&', '').replace('\\-', '-').replace('\\e', '\\')


def under(root, path):
    return os.path.join(root, path.lstrip('/'))


def sections(page):
    """{section name: its lines}, for a page's .SH sections."""
    out, name = {}, None
    for line in page.split('\n'):
        m = re.match(r'^\.SH\s+"?([^"]+)"?\s*$', line)
        if m:
            name = m.group(1)
            out[name] = []
        elif name:
            out[name].append(line)
    return out


def find_pages(root, pattern):
    return sorted(glob.glob(os.path.join(root, '**', pattern),
                            recursive=True))


def check_netkit7(root, src):
    pages = find_pages(root, 'man7/netkit.7*')
    if len(pages) != 1:
        return ['man7/netkit.7: %d installed' % len(pages)], None, None
    page = sections(read_page(pages[0]))
    problems = []
    files = [unroff(line.split(None, 1)[1]).strip()
             for line in page.get('FILES', []) if line.startswith('.I ')]
    html = [f for f in files if f.endswith('/html/index.html')]
    exdirs = [f for f in files if f.endswith('/examples')]
    if not html or not exdirs:
        return ['netkit.7: FILES names no %s' %
                ('html/index.html' if not html else 'examples directory')], \
            None, None
    for f in files:
        if not os.path.exists(under(root, f)):
            problems.append('netkit.7 names %s, which is not installed' % f)
    exdir = under(root, exdirs[0])
    listed = set(C_FILE.findall(unroff('\n'.join(
        line for line in page.get('EXAMPLES', []) if line.startswith('.B')))))
    for n in sorted(listed):
        if not os.path.isfile(os.path.join(exdir, n)):
            problems.append('netkit.7 lists example %s, not in %s'
                            % (n, exdirs[0]))
    srcdir = os.path.join(src, 'examples')
    for n in sorted(os.listdir(srcdir)):
        if not n.endswith('.c'):
            continue
        path = os.path.join(exdir, n)
        if not os.path.isfile(path):
            problems.append('example %s is not installed in %s'
                            % (n, exdirs[0]))
            continue
        with open(path, 'rb') as a, open(os.path.join(srcdir, n), 'rb') as b:
            if a.read() != b.read():
                problems.append('%s/%s differs from its source'
                                % (exdirs[0], n))
        if n not in listed:
            problems.append('netkit.7 does not list example %s' % n)
    for ref in re.findall(r'^\.BR (netkit\\-\w+) \(3\)',
                          '\n'.join(page.get('SEE ALSO', [])), flags=re.M):
        name = unroff(ref)
        if not find_pages(root, 'man3/%s.3*' % name):
            problems.append('netkit.7 refers to %s(3), not installed' % name)
    return problems, os.path.dirname(under(root, html[0])), exdir


def check_man3(root):
    problems, cited = [], 0
    for path in find_pages(root, 'man3/*.3*'):
        if os.path.islink(path):
            continue
        lines = read_page(path).split('\n')
        for i, line in enumerate(lines):
            m = EXAMPLES_HEADING.match(line)
            if not m:
                continue
            exdir = unroff(m.group(1))
            names = C_FILE.findall(unroff(' '.join(
                lines[i + 1:i + 3])).replace('.in +1c', ''))
            if not names:
                problems.append('%s:%d: no example under the heading'
                                % (os.path.basename(path), i + 1))
            for n in names:
                cited += 1
                if not os.path.isfile(os.path.join(under(root, exdir), n)):
                    problems.append('%s:%d: %s/%s is not installed'
                                    % (os.path.basename(path), i + 1,
                                       exdir, n))
    if cited == 0:
        problems.append('man3: no page names an installed example')
    return problems, cited


def check_html(htmldir, root, exdir):
    spec = importlib.util.spec_from_file_location(
        'check_html', os.path.join(os.path.dirname(__file__),
                                   'check-html.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    headers = find_pages(root, 'include/netkit.h')
    if len(headers) != 1:
        return ['include/netkit.h: %d installed' % len(headers)]
    include = os.path.dirname(headers[0])
    return ['html: ' + p for p in
            mod.check(htmldir, include, exdir)[0]]


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    root, src = argv[1], argv[2]
    problems, htmldir, exdir = check_netkit7(root, src)
    more, cited = check_man3(root)
    problems += more
    if htmldir and os.path.isdir(htmldir) and os.path.isdir(exdir):
        problems += check_html(htmldir, root, exdir)
    for p in problems:
        print(p)
    print('installed docs: netkit.7, %d examples cited by man3 pages, '
          'HTML in %s: %d problems'
          % (cited, os.path.relpath(htmldir, root) if htmldir else '-',
             len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
