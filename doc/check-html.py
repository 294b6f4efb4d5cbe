#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the generated HTML reference as a reader would see it.

usage: check-html.py HTMLDIR INCLUDEDIR
       check-html.py --self-test

Doxygen can build with zero warnings and still print raw markup into a
page. This fails (exit 1, one line per problem) when:

- markup leaks into the text a reader sees: Doxygen's internal
  `\\ilinebr`, table tags shown as text (`<td`, `</tr>`, ...), commands
  left unparsed (`@ref`, `\\ref`, `@param`, ...), a stray backtick, or the
  curly quotes Doxygen makes of a code span that holds a `'`;
- a markdown table of a header comment loses rows or cells: every table
  in INCLUDEDIR's comments must appear in some page with as many rows,
  and every row with as many cells as the table has columns;
- a public function (every NETKIT_EXPORT name in INCLUDEDIR) has no
  documented entry (a member title and a description) in any page.
"""
import html.parser
import os
import re
import sys
import tempfile

# Leaks that are wrong anywhere in a page's text, code included.
HARD_LEAKS = ['\\ilinebr', '<td', '</td', '<tr', '</tr', '<th', '</th',
              'markdownTable']
# Leaks that are wrong in prose (code blocks may hold them).
PROSE_LEAKS = ['@ref', '\\ref', '@param', '@return', '@retval', '@note',
               '@code', '@endcode', '@p ', '\\p ', '`', '\u2018', '\u2019']
CODE_TAGS = {'code', 'pre', 'tt'}
FUNC = re.compile(r'NETKIT_EXPORT\b[^;{}()]*?\b(netkit_\w+)\s*\(')


class Page(html.parser.HTMLParser):
    """Collects a page's text runs (prose or code), its markdown tables
    (rows of cells' text) and its documented members."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.tables = []
        self.titles = []
        self.stack = []
        self.code = 0
        self.table = None
        self.row = None
        self.cell = None
        self.title = None
        self.memdoc = None
        self.described = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get('class') or ''
        if tag in ('br', 'img', 'hr', 'meta', 'link', 'input'):
            return
        fragment = tag == 'div' and 'fragment' in cls.split()
        self.stack.append((tag, tag in CODE_TAGS or fragment))
        if tag in CODE_TAGS or fragment:
            self.code += 1
        if tag == 'table' and cls == 'markdownTable':
            self.table = []
        elif tag == 'tr' and self.table is not None:
            self.row = []
        elif tag in ('td', 'th') and self.row is not None:
            self.cell = []
        elif tag == 'h2' and cls == 'memtitle':
            self.title = []
        elif tag == 'div' and cls == 'memdoc' and self.titles:
            self.memdoc = [len(self.stack), self.titles[-1], []]

    def handle_endtag(self, tag):
        while self.stack:
            t, code = self.stack.pop()
            if code:
                self.code -= 1
            self.finish(t)
            if t == tag:
                break

    def finish(self, tag):
        if tag in ('td', 'th') and self.cell is not None:
            self.row.append(norm(''.join(self.cell)))
            self.cell = None
        elif tag == 'tr' and self.row is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == 'table' and self.table is not None:
            self.tables.append(self.table)
            self.table = None
        elif tag == 'h2' and self.title is not None:
            self.titles.append(norm(''.join(self.title)))
            self.title = None
        elif tag == 'div' and self.memdoc and \
                len(self.stack) < self.memdoc[0]:
            if norm(''.join(self.memdoc[2])):
                self.described.add(self.memdoc[1])
            self.memdoc = None

    def handle_data(self, data):
        self.texts.append((self.code > 0, data))
        if self.cell is not None:
            self.cell.append(data)
        if self.title is not None:
            self.title.append(data)
        if self.memdoc is not None:
            self.memdoc[2].append(data)


def norm(text):
    return ' '.join(text.replace('\u25c6', ' ').split())


def source_tables(path):
    """The markdown tables of a header's comments: (line, header cells,
    rows of cells), the separator row left out."""
    tables, cur = [], None
    with open(path) as f:
        lines = f.read().split('\n')
    for no, line in enumerate(lines, 1):
        m = re.match(r'^\s*\*\s?(\|.*\|)\s*$', line)
        if m:
            cells = split_row(m.group(1))
            if cur is None:
                cur = (no, [])
                tables.append(cur)
            if not all(re.fullmatch(r':?-+:?', c) for c in cells):
                cur[1].append(cells)
        else:
            cur = None
    return [(no, rows) for no, rows in tables if len(rows) >= 1]


def split_row(row):
    cells, cur, tick = [], '', False
    for ch in row.strip()[1:-1]:
        if ch == '`':
            tick = not tick
        if ch == '|' and not tick:
            cells.append(cur.strip())
            cur = ''
        else:
            cur += ch
    cells.append(cur.strip())
    return cells


def plain(cell):
    """What a reader sees of a markdown cell, near enough to match."""
    cell = re.sub(r'[@\\]ref\s+\S+', '', cell)
    return norm(cell.replace('`', ''))


def exported(include):
    names = []
    for root, _, files in os.walk(include):
        for n in sorted(files):
            if n.endswith('.h'):
                with open(os.path.join(root, n)) as f:
                    src = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
                names += FUNC.findall(src)
    return sorted(set(names))


def check(htmldir, include):
    problems, pages = [], {}
    for n in sorted(os.listdir(htmldir)):
        # *_source.html pages show the headers verbatim, comments and all.
        if n.endswith('.html') and not n.endswith('_source.html'):
            p = Page()
            with open(os.path.join(htmldir, n), encoding='utf-8') as f:
                p.feed(f.read())
            p.close()
            pages[n] = p
    for n, p in pages.items():
        for code, text in p.texts:
            for leak in HARD_LEAKS + ([] if code else PROSE_LEAKS):
                if leak in text:
                    problems.append('%s: markup shown as text: %r in %r'
                                    % (n, leak, norm(text)[:70]))
        for t in p.tables:
            width = len(t[0]) if t else 0
            for r in t:
                if len(r) != width:
                    problems.append('%s: table "%s": row "%s" has %d cells '
                                    'of %d' % (n, t[0][0], r[0][:40],
                                               len(r), width))
    html_tables = [(n, t) for n, p in pages.items() for t in p.tables]
    for root, _, files in os.walk(include):
        for f in sorted(files):
            if not f.endswith('.h'):
                continue
            path = os.path.join(root, f)
            for no, rows in source_tables(path):
                key = [plain(c) for c in rows[1]] if len(rows) > 1 else None
                found = [(n, t) for n, t in html_tables
                         if t and [plain(c) for c in rows[0]] == t[0]
                         and (key is None or len(t) > 1 and
                              t[1][:1] == key[:1])]
                if not found:
                    problems.append('%s:%d: table not found in any page'
                                    % (path, no))
                for n, t in found:
                    if len(t) != len(rows):
                        problems.append('%s:%d: table has %d rows, %s shows '
                                        '%d' % (path, no, len(rows), n,
                                                len(t)))
    documented = set()
    for p in pages.values():
        for t in p.described:
            documented.add(t.rstrip('()').strip())
    for name in exported(include):
        if name not in documented:
            problems.append('%s: no documentation entry in any page' % name)
    return problems, len(pages), len(html_tables), len(exported(include))


def self_test():
    """Each check fails on a page that breaks it, and passes a good one."""
    good = ('<table class="markdownTable"><tr><th>a</th><th>b</th></tr>'
            '<tr><td><code>x(\'y\')</code></td><td>z</td></tr></table>'
            '<h2 class="memtitle">netkit_f()</h2><div class="memdoc">'
            '<p>Does f.</p></div>')
    header = ('/**\n * | a | b |\n * | --- | --- |\n'
              ' * | ``x(\'y\')`` | z |\n */\nNETKIT_EXPORT int\n'
              'netkit_f(void);\n')
    bad = {
        'ilinebr': good.replace('z</td>', 'z \\ilinebr </td>'),
        'raw td': good.replace('z</td>', 'z &lt;td class="x"&gt;</td>'),
        'ref': good.replace('Does f.', 'Does @ref f.'),
        'quote': good.replace('Does f.', 'Does \u2018f\u2019.'),
        'lost row': good.replace('<tr><td><code>', '<td><code>')
                        .replace('</td></tr></table>', '</td></table>'),
        'cells': good.replace('<td>z</td>', ''),
        'no entry': good.replace('netkit_f()', 'netkit_g()'),
        'no text': good.replace('<p>Does f.</p>', ''),
    }
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        inc = os.path.join(d, 'include')
        os.mkdir(inc)
        with open(os.path.join(inc, 't.h'), 'w') as f:
            f.write(header)
        for name, page in [('good', good)] + list(bad.items()):
            out = os.path.join(d, name.replace(' ', '_'))
            os.mkdir(out)
            with open(os.path.join(out, 'index.html'), 'w') as f:
                f.write('<html><body>%s</body></html>' % page)
            problems = check(out, inc)[0]
            if (name == 'good') == bool(problems):
                print('self-test: %s page: %s' %
                      (name, problems or 'no problem found'))
                failed = 1
    print('self-test: %d broken pages caught, good page clean'
          % len(bad) if not failed else 'self-test: FAILED')
    return failed


def main(argv):
    if argv[1:] == ['--self-test']:
        return self_test()
    if len(argv) != 3:
        sys.exit(__doc__)
    problems, npages, ntables, nfuncs = check(argv[1], argv[2])
    for p in problems:
        print(p)
    print('docs-html: %d pages, %d tables, %d public functions: %d problems'
          % (npages, ntables, nfuncs, len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
