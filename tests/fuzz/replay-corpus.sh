#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays a fuzz target's seed corpus: each file is run once, as a plain
# regression test (libFuzzer runs files given by name without fuzzing
# and without writing into their directory).
# Usage: replay-corpus.sh FUZZ_EXECUTABLE CORPUS_DIR
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 FUZZ_EXECUTABLE CORPUS_DIR" >&2
	exit 1
fi
exe=$1
dir=$2
if [ ! -x "$exe" ] || [ ! -d "$dir" ]; then
	echo "$0: missing $exe or $dir" >&2
	exit 1
fi
case $exe in
*/*) ;;
*) exe=./$exe ;;	# meson may pass a bare name relative to our cwd
esac
set -- "$dir"/*
if [ ! -f "$1" ]; then
	echo "$0: no seed files in $dir" >&2
	exit 1
fi
# libFuzzer's default error exit code is 77, which meson reads as SKIP:
# make every failure a plain 1. Crash reproducers, if any, go to the
# build directory (our cwd).
exec "$exe" -error_exitcode=1 -timeout_exitcode=1 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix=./ "$@"
