#!/bin/sh
# SPDX-License-Identifier: MIT
# No two library files call each other, directly or round a longer
# loop: calls go sideways or down (STYLE.md, "Layers"). Reads which
# object defines and which uses each symbol in the static library and
# prints every loop found, as "a.c -> b.c -> a.c".
#
# usage: check-layers.sh libnetkit.a
set -eu

lib=${1:?usage: check-layers.sh libnetkit.a}
[ -r "$lib" ] || { echo "check-layers: $lib not readable" >&2; exit 1; }
command -v nm >/dev/null || { echo "check-layers: no nm" >&2; exit 77; }

nm -A "$lib" | awk -v lib="$lib" '
# "lib.a:member.o:[value] type name"; members are "<file>.c.o".
{
	obj = substr($1, length(lib) + 2)
	sub(/:.*/, "", obj)
	sub(/\.o$/, "", obj)
	type = $(NF - 1)
	sym = $NF
	if (type == "U")
		use[obj, sym] = 1
	else if (type ~ /^[TDBR]$/)
		def[sym] = obj
	objs[obj] = 1
}
END {
	for (k in use) {
		split(k, p, SUBSEP)
		if ((p[2] in def) && def[p[2]] != p[1])
			reach[p[1], def[p[2]]] = 1
	}
	n = 0
	for (o in objs)
		name[n++] = o
	# Paths through every file in turn (Warshall), keeping one hop of
	# each path so that a loop can be printed.
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if ((name[i], name[j]) in reach)
				via[name[i], name[j]] = name[j]
	for (m = 0; m < n; m++)
		for (i = 0; i < n; i++) {
			if (!((name[i], name[m]) in via))
				continue
			for (j = 0; j < n; j++)
				if (!((name[i], name[j]) in via) &&
				    ((name[m], name[j]) in via))
					via[name[i], name[j]] = via[name[i], name[m]]
		}
	bad = 0
	for (i = 0; i < n; i++) {
		a = name[i]
		if (!((a, a) in via))
			continue
		loop = a
		b = via[a, a]
		for (k = 0; k < n && b != a; k++) {
			loop = loop " -> " b
			b = via[b, a]
		}
		print "check-layers: calls go round: " loop " -> " a
		bad = 1
	}
	if (n < 10) {
		print "check-layers: only " n " objects read"
		bad = 1
	}
	exit bad
}'
