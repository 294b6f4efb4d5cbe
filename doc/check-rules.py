#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the rules of every call read the same everywhere, and
that netkit(7) names only what the header declares.

usage: check-rules.py NETKIT_H README NETKIT_7 INCLUDEDIR
       check-rules.py --self-test

The rules are a list of items "Title. Text" in three places: the
header's `@section conventions` (Doxygen markdown), the README's
"The rules of every call" (markdown) and netkit(7)'s THE RULES OF
EVERY CALL (.TP items). Markup aside (backticks, bold, ::, #, roff
fonts and escapes) and line breaks aside, the three lists must hold
the same items, in the same order, in the same words. This fails
(exit 1, one line per problem) on the first word that differs in each
item, a missing or extra item, or a list not found; and on a
netkit_/NETKIT_ name in netkit(7) that no header under INCLUDEDIR
declares.
"""
import os
import re
import sys
import tempfile

# Names netkit(7) may use before a header declares them: none today.
PENDING = set()
ITEM = re.compile(r'^\*\*([^*]+?)\*\*\s*(.*)$', flags=re.S)


def words(text):
    """The words a reader sees, markup gone."""
    text = re.sub(r'\\f[BIRP]', '', text)
    text = text.replace('\\-', '-').replace('\\&', '').replace('\\e', '\\')
    text = re.sub(r'(?<![\w:])::(?=\w)', '', text)
    text = re.sub(r'(?<![\w#])#(?=[A-Z_])', '', text)
    text = text.replace('`', '').replace('**', '')
    return text.split()


def markdown_items(lines):
    """The "- **Title.** text" items of a markdown list, continuation
    lines joined; stops at the first line that is neither."""
    items, cur = [], None
    for line in lines:
        if line.startswith('- '):
            cur = [line[2:]]
            items.append(cur)
        elif line.startswith('  ') and cur is not None:
            cur.append(line.strip())
        elif items:
            break
    out = []
    for item in items:
        m = ITEM.match(' '.join(item))
        out.append((m.group(1), m.group(2)) if m else ('?', ' '.join(item)))
    return out


def header_rules(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for i, line in enumerate(lines):
        if re.match(r'^\s*\*\s*@section conventions\b', line):
            body = [re.sub(r'^\s*\*( |$)', '', x) for x in lines[i + 1:]]
            return markdown_items(body)
    return None


def readme_rules(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for i, line in enumerate(lines):
        if re.match(r'^#+ The rules of every call\s*$', line):
            return markdown_items(lines[i + 1:]) or None
    return None


def man_rules(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    try:
        start = lines.index('.SH THE RULES OF EVERY CALL')
    except ValueError:
        return None
    items, cur = [], None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith('.SH') or line.startswith('.PP'):
            break
        if line == '.TP':
            cur = None
        elif line.startswith('.B ') and cur is None:
            cur = [line[3:], []]
            items.append(cur)
        elif cur is not None and not line.startswith('.\\"'):
            cur[1].append(line)
    return [(t, ' '.join(body)) for t, body in items]


def compare(name, want, got):
    if got is None:
        return ['%s: the rules of every call are not there' % name]
    problems = []
    for i in range(max(len(want), len(got))):
        if i >= len(got):
            problems.append('%s: lacks the rule "%s"' % (name, want[i][0]))
            continue
        if i >= len(want):
            problems.append('%s: has a rule the header lacks: "%s"'
                            % (name, got[i][0]))
            continue
        (wt, wb), (gt, gb) = want[i], got[i]
        a, b = words(wt) + words(wb), words(gt) + words(gb)
        if a != b:
            k = next((j for j in range(min(len(a), len(b)))
                      if a[j] != b[j]), min(len(a), len(b)))
            problems.append('%s: rule "%s" differs from the header at '
                            'word %d: %r, not %r'
                            % (name, wt, k + 1, ' '.join(b[k:k + 4]),
                               ' '.join(a[k:k + 4])))
    return problems


def declared(include):
    names = set()
    for root, _, files in os.walk(include):
        for n in files:
            if n.endswith('.h'):
                with open(os.path.join(root, n), encoding='utf-8') as f:
                    src = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
                names.update(re.findall(r'\b((?:netkit|NETKIT)_\w+)', src))
    return names


def check(header, readme, man, include):
    want = header_rules(header)
    if not want:
        return ['%s: no @section conventions list' % header]
    problems = compare(readme, want, readme_rules(readme))
    problems += compare(man, want, man_rules(man))
    with open(man, encoding='utf-8') as f:
        text = ' '.join(words(f.read()))
    known = declared(include) | PENDING
    for n in sorted(set(re.findall(r'\b((?:netkit|NETKIT)_\w+)', text))):
        if n not in known and n != 'NETKIT_E':
            problems.append('%s: names %s, which no header declares'
                            % (man, n))
    return problems


def self_test():
    header = ('/**\n * @section conventions The rules\n'
              ' * - **Errors.** A call returns `-errno` (see\n'
              ' *   netkit_strerror()); a ::netkit_deadline, #NETKIT_FOREVER.\n'
              ' * - **Order.** The deadline last.\n *\n * More.\n */\n'
              'int netkit_strerror(int);\n#define NETKIT_FOREVER 1\n'
              'typedef int netkit_deadline;\n')
    readme = ('# x\n\n### The rules of every call\n\n'
              '- **Errors.** A call returns `-errno` (see `netkit_strerror()`);\n'
              '  a `netkit_deadline`, `NETKIT_FOREVER`.\n'
              '- **Order.** The deadline last.\n\nMore.\n')
    man = ('.TH X 7\n.SH THE RULES OF EVERY CALL\n.TP\n.B Errors.\n'
           'A call returns \\fB\\-errno\\fP (see \\fBnetkit_strerror\\fP());\n'
           'a \\fBnetkit_deadline\\fP, \\fBNETKIT_FOREVER\\fP.\n.TP\n'
           '.B Order.\nThe deadline last.\n.PP\nMore: \\fBnetkit_strerror\\fP.\n')
    bad = {
        'readme word': ('readme', readme.replace('deadline last',
                                                 'deadline first')),
        'readme rule lost': ('readme', readme.replace(
            '- **Order.** The deadline last.\n', '')),
        'readme section gone': ('readme', readme.replace('rules', 'laws')),
        'man word': ('man', man.replace('(see', '(read')),
        'man rule extra': ('man', man.replace(
            '.PP', '.TP\n.B Counts.\nSay how many.\n.PP')),
        'man title': ('man', man.replace('.B Order.', '.B Argument order.')),
        'man unknown name': ('man', man.replace('More: \\fBnetkit_strerror',
                                                'More: \\fBnetkit_strerr')),
    }
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        paths = {k: os.path.join(d, k) for k in ('h', 'readme', 'man')}
        os.mkdir(os.path.join(d, 'inc'))
        with open(os.path.join(d, 'inc', 'netkit.h'), 'w') as f:
            f.write(header)
        for name, (which, text) in [('good', (None, None))] + \
                list(bad.items()):
            files = {'h': header, 'readme': readme, 'man': man}
            if which:
                files[which] = text
            for k, v in files.items():
                with open(paths[k], 'w') as f:
                    f.write(v)
            problems = check(paths['h'], paths['readme'], paths['man'],
                             os.path.join(d, 'inc'))
            if (name == 'good') == bool(problems):
                print('self-test: %s: %s' % (name, problems or
                                             'no problem found'))
                failed = 1
    print('self-test: %d broken copies caught, good copies clean' % len(bad)
          if not failed else 'self-test: FAILED')
    return failed


def main(argv):
    if argv[1:] == ['--self-test']:
        return self_test()
    if len(argv) != 5:
        sys.exit(__doc__)
    problems = check(*argv[1:])
    for p in problems:
        print(p)
    print('docs-rules: %d rules in the header, README and netkit(7): '
          '%d problems' % (len(header_rules(argv[1]) or []), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
