#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders man pages as `man` shows them in an 80-column terminal and
# fails on any warning man or groff gives (an unknown request or
# escape, a line that cannot be filled), on a page that renders empty
# and, with --fit, on a rendered line wider than the terminal (a code
# line that runs over).
# usage: check-man.sh [--fit] PAGE|DIR...   (DIR: every page in it;
#        the one-line .so links of MAN_LINKS are left out)
set -u
command -v man >/dev/null 2>&1 || { echo "SKIP: man is not installed"; exit 77; }
fit=no
if [ "${1:-}" = --fit ]; then
	fit=yes
	shift
fi
export MANWIDTH=80 LC_ALL=C.UTF-8
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
pages=0 bad=0

check_page() {
	head -c 4 "$1" | grep -q '^\.so ' && return
	pages=$((pages + 1))
	out=$(man --warnings -l "$1" 2>"$tmp")
	if [ -s "$tmp" ]; then
		echo "$1: man --warnings:"
		cat "$tmp"
		bad=$((bad + 1))
	elif [ -z "$out" ]; then
		echo "$1: renders empty"
		bad=$((bad + 1))
	elif [ $fit = yes ] &&
		[ "$(printf '%s\n' "$out" | wc -L)" -gt "$MANWIDTH" ]; then
		echo "$1: lines wider than $MANWIDTH columns:"
		printf '%s\n' "$out" | awk -v w="$MANWIDTH" 'length($0) > w'
		bad=$((bad + 1))
	fi
}

for arg in "$@"; do
	if [ -d "$arg" ]; then
		for page in "$arg"/*.[1-8]; do
			[ -e "$page" ] && check_page "$page"
		done
	else
		check_page "$arg"
	fi
done
echo "man: $pages pages, $bad with problems"
test "$pages" -gt 0 && test $bad -eq 0
