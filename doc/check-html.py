#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the generated HTML reference as a reader would see it.

usage: check-html.py HTMLDIR INCLUDEDIR EXAMPLESDIR
       check-html.py --self-test

Doxygen can build with zero warnings and still print raw markup into a
page. This fails (exit 1, one line per problem) when:

- markup leaks into the text a reader sees: Doxygen's internal
  `\\ilinebr`, table tags shown as text (`<td`, `</tr>`, ...), commands
  left unparsed (`@ref`, `\\ref`, `@param`, ...), a stray backtick, the
  curly quotes Doxygen makes of a code span that holds a `'`, or a bold
  span left as `**text**` (Doxygen does not bold one that starts with a
  link or a code span);
- a markdown table of a header comment loses rows or cells: every table
  in INCLUDEDIR's comments must appear in some page with as many rows,
  and every row with as many cells as the table has columns;
- a public function (every NETKIT_EXPORT name in INCLUDEDIR) has no
  documented entry (a member title and a description) in any page;
- a page loads a script, style sheet or image that is not there;
- the main page has no search box, or one that needs a server: its
  menu must be built with the search on and client-side, and the
  search index (search/*.js, read by the browser from the files, so
  it works offline) must find every public function on a page that
  exists;
- an example (every .c file of EXAMPLESDIR) is not named on the main
  page by a link to a page that shows its source, every line of it.
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
# A markdown bold span shown as text (a C prototype's `char **` has no
# closing pair).
BOLD_LEAK = re.compile(r'(?<![\w*])\*\*[^\s*](?:[^*]*[^\s*])?\*\*(?![\w*])')
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
        self.ids = set()
        self.resources = []
        self.links = []
        self.link = None
        self.lines = []
        self.line = None
        self.scripts = []
        self.script = None
        self.fragments = 0
        self.flow = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get('class') or ''
        if a.get('id'):
            self.ids.add(a['id'])
        src = a.get('src') if tag in ('script', 'img') else \
            a.get('href') if tag == 'link' else None
        if src:
            self.resources.append(src)
        if tag in ('br', 'img', 'hr', 'meta', 'link', 'input'):
            return
        fragment = tag == 'div' and 'fragment' in cls.split()
        self.stack.append((tag, tag in CODE_TAGS or fragment, fragment))
        if tag in CODE_TAGS or fragment:
            self.code += 1
        if fragment:
            self.fragments += 1
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
        elif tag == 'div' and cls == 'line':
            self.line = [len(self.stack), []]
        elif tag == 'a' and a.get('href'):
            self.link = [a['href'], []]
        elif tag == 'script' and not a.get('src'):
            self.script = []

    def handle_endtag(self, tag):
        while self.stack:
            t, code, fragment = self.stack.pop()
            if code:
                self.code -= 1
            if fragment:
                self.fragments -= 1
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
        if tag == 'div' and self.line and len(self.stack) < self.line[0]:
            self.lines.append(norm(''.join(self.line[1])))
            self.line = None
        elif tag == 'a' and self.link is not None:
            self.links.append((self.link[0], norm(''.join(self.link[1]))))
            self.link = None
        elif tag == 'script' and self.script is not None:
            self.scripts.append(''.join(self.script))
            self.script = None

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)
            return
        self.texts.append((self.code > 0, data))
        if not self.fragments:
            self.flow.append(data)
        for collect in (self.line, self.link):
            if collect is not None:
                collect[-1].append(data)
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


def local_file(htmldir, page, ref):
    """The file a page's reference names, or None for a network one."""
    if re.match(r'^[a-z][a-z0-9+.-]*:', ref, flags=re.I):
        return None
    ref = ref.split('#')[0].split('?')[0]
    return os.path.normpath(os.path.join(htmldir, os.path.dirname(page),
                                         ref))


def check_resources(htmldir, pages):
    problems = []
    for n, p in pages.items():
        for ref in p.resources:
            path = local_file(htmldir, n, ref)
            if path is None:
                problems.append('%s: loads %s from the network (missing '
                                'offline)' % (n, ref))
            elif not os.path.isfile(path):
                problems.append('%s: loads %s, which is not there'
                                % (n, ref))
    return problems


SEARCH_MENU = re.compile(r"initMenu\(\s*'[^']*'\s*,\s*(true|false)\s*,"
                         r"\s*(true|false)")
SEARCH_ENTRY = re.compile(r"^\s*\['[^']*',\['([^']*)',(.*)$", flags=re.M)


def search_index(htmldir):
    """What the search box finds: {name: [pages it links to]}, from the
    index the browser loads (search/all_*.js)."""
    found, d = {}, os.path.join(htmldir, 'search')
    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not re.fullmatch(r'all_[0-9a-f]+\.js', n):
            continue
        with open(os.path.join(d, n), encoding='utf-8') as f:
            for name, rest in SEARCH_ENTRY.findall(f.read()):
                found.setdefault(name, []).extend(
                    re.findall(r"\['([^'#]+)[^']*',", rest))
    return found


def check_search(htmldir, pages, names):
    """The main page has a search box that works from the files."""
    index = pages.get('index.html')
    if index is None:
        return ['index.html: no main page']
    menus = [m for s in index.scripts for m in SEARCH_MENU.findall(s)]
    if ('true', 'false') not in menus:
        return ['index.html: no search box: the menu is built %s' %
                ('with the search off or server-side' if menus
                 else 'without a search')]
    problems = []
    if 'MSearchResultsWindow' not in index.ids:
        problems.append('index.html: no place for the search results')
    if 'search/searchdata.js' not in index.resources:
        problems.append('index.html: does not load the search index')
    found = search_index(htmldir)
    for name in names:
        targets = [local_file(htmldir, 'search/x', t)
                   for t in found.get(name, [])]
        if not targets:
            problems.append('search: finds no %s' % name)
        elif not all(t and os.path.isfile(t) for t in targets):
            problems.append('search: %s leads to a page that is not there'
                            % name)
    return problems


def source_lines(path):
    with open(path, encoding='utf-8') as f:
        return [norm(line) for line in f.read().split('\n') if norm(line)]


def check_examples(htmldir, pages, examples):
    """Each example is a link on the main page to its whole source."""
    index = pages.get('index.html')
    links = dict((text, href) for href, text in
                 (index.links if index else []))
    problems = []
    for n in sorted(os.listdir(examples)):
        if not n.endswith('.c'):
            continue
        href = links.get(n)
        target = href and local_file(htmldir, 'index.html', href)
        page = target and pages.get(os.path.relpath(target, htmldir))
        if not href:
            problems.append('index.html: example %s is not a link' % n)
        elif page is None:
            problems.append('index.html: example %s links to %s, not a '
                            'page' % (n, href))
        else:
            want, shown = source_lines(os.path.join(examples, n)), \
                iter(page.lines)
            missing = [w for w in want if not any(w == s for s in shown)]
            if missing:
                problems.append('%s: does not show %s whole (from %r)'
                                % (href, n, missing[0][:50]))
    return problems


def check(htmldir, include, examples):
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
        # Bold around a link or a code span: the text outside code blocks
        # read as one, since the asterisks and the words are apart.
        for m in BOLD_LEAK.finditer(''.join(p.flow)):
            problems.append('%s: markup shown as text: %r'
                            % (n, norm(m.group(0))[:70]))
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
    problems += check_resources(htmldir, pages)
    problems += check_search(htmldir, pages, exported(include))
    problems += check_examples(htmldir, pages, examples)
    return problems, len(pages), len(html_tables), len(exported(include))


def self_test():
    """Each check fails on a page that breaks it, and passes a good one."""
    good = ('<script src="search/searchdata.js"></script>'
            '<script>initMenu(\'\',true,false,\'search.php\',\'Search\');'
            '</script><div id="MSearchResultsWindow"></div>'
            '<table class="markdownTable"><tr><th>a</th><th>b</th></tr>'
            '<tr><td><code>x(\'y\')</code></td><td>z</td></tr></table>'
            '<h2 class="memtitle">netkit_f()</h2><div class="memdoc">'
            '<p>Does f.</p></div>'
            '<ul><li><a href="ex_8c-example.html">ex.c</a>: f.</li></ul>')
    header = ('/**\n * | a | b |\n * | --- | --- |\n'
              ' * | ``x(\'y\')`` | z |\n */\nNETKIT_EXPORT int\n'
              'netkit_f(void);\n')
    example = '/* ex */\nint\nmain(void)\n{\n\treturn netkit_f();\n}\n'
    files = {
        'ex_8c-example.html': '<div class="fragment">' + ''.join(
            '<div class="line">%s</div>' % line.replace('\t', '    ')
            for line in example.split('\n')) + '</div>',
        'search/searchdata.js': 'var indexSectionNames = { 0: "all" };\n',
        'search/all_0.js': "var searchData=\n[\n  ['netkit_5ff_0',"
                           "['netkit_f',['../index.html#a1',1,'t.h']]]\n];\n",
    }
    bad = {
        'ilinebr': good.replace('z</td>', 'z \\ilinebr </td>'),
        'raw td': good.replace('z</td>', 'z &lt;td class="x"&gt;</td>'),
        'ref': good.replace('Does f.', 'Does @ref f.'),
        'quote': good.replace('Does f.', 'Does \u2018f\u2019.'),
        'bold': good.replace('Does f.', 'Does **<a href="x.html">f</a>**.'),
        'bold code': good.replace('Does f.', 'Does **<code>-EPIPE</code>**.'),
        'lost row': good.replace('<tr><td><code>', '<td><code>')
                        .replace('</td></tr></table>', '</td></table>'),
        'cells': good.replace('<td>z</td>', ''),
        'no entry': good.replace('netkit_f()', 'netkit_g()'),
        'no text': good.replace('<p>Does f.</p>', ''),
        'no search box': good.replace('true,false', 'false,false'),
        'server search': good.replace('true,false', 'true,true'),
        'no results window': good.replace('MSearchResultsWindow', 'x'),
        'network script': good.replace('search/searchdata.js',
                                       'https://example.org/s.js'),
        'missing script': good.replace('searchdata.js', 'gone.js'),
        'search misses f': (good, {'search/all_0.js': files[
            'search/all_0.js'].replace("'netkit_f'", "'netkit_g'")}),
        'search leads nowhere': (good, {'search/all_0.js': files[
            'search/all_0.js'].replace('index.html', 'gone.html')}),
        'example not linked': good.replace('<a href="ex_8c-example.html">'
                                           'ex.c</a>', 'ex.c'),
        'example cut': (good, {'ex_8c-example.html': files[
            'ex_8c-example.html'].replace('return netkit_f();', '')}),
    }
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        inc, exdir = os.path.join(d, 'include'), os.path.join(d, 'examples')
        os.mkdir(inc)
        os.mkdir(exdir)
        with open(os.path.join(inc, 't.h'), 'w') as f:
            f.write(header)
        with open(os.path.join(exdir, 'ex.c'), 'w') as f:
            f.write(example)
        for name, case in [('good', good)] + list(bad.items()):
            page, changed = case if isinstance(case, tuple) else (case, {})
            out = os.path.join(d, name.replace(' ', '_'))
            os.makedirs(os.path.join(out, 'search'))
            for n, text in dict(files, **changed).items():
                with open(os.path.join(out, n), 'w') as f:
                    f.write(text)
            with open(os.path.join(out, 'index.html'), 'w') as f:
                f.write('<html><body>%s</body></html>' % page)
            problems = check(out, inc, exdir)[0]
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
    if len(argv) != 4:
        sys.exit(__doc__)
    problems, npages, ntables, nfuncs = check(argv[1], argv[2], argv[3])
    for p in problems:
        print(p)
    print('docs-html: %d pages, %d tables, %d public functions: %d problems'
          % (npages, ntables, nfuncs, len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
