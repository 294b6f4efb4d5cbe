#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target of a build directory for a bounded time.
#
# Usage: run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET
#   BUILD_DIR was configured with CC=clang -Dfuzz=enabled and built.
#
# Each target fuzzes a copy of its seed corpus (tests/fuzz/corpus/<name>)
# in a temporary directory, so nothing is written into the source tree.
# Logs and any crash reproducers are kept in BUILD_DIR/fuzz-results/.
# Prints one line per target, "NAME: N execs in S s, C crashes".
# Exit: 0 all targets ran clean; 1 a crash, sanitizer report, timeout,
# out-of-memory or a missing target; 77 clang/libFuzzer not available.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET" >&2
	exit 1
fi
secs=$2
if ! build=$(cd "$1" 2>/dev/null && pwd); then
	echo "$0: no build directory $1" >&2
	exit 1
fi
case $secs in
''|*[!0-9]*|0)
	echo "$0: SECONDS_PER_TARGET must be a positive integer" >&2
	exit 1 ;;
esac
src=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/netkit-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Skip (77) when this machine cannot build a libFuzzer binary at all.
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ return (int)(d == NULL && n > 0); }' > "$tmp/probe.c"
if ! command -v clang >/dev/null 2>&1 ||
   ! clang -fsanitize=fuzzer,address,undefined "$tmp/probe.c" \
	-o "$tmp/probe" >/dev/null 2>&1; then
	echo "SKIP: clang with libFuzzer is not available" \
	     "(Debian: clang libclang-rt-14-dev)"
	exit 77
fi

bindir=$build/tests/fuzz
if [ ! -d "$bindir" ]; then
	echo "$0: no $bindir; configure $build with CC=clang -Dfuzz=enabled" >&2
	exit 1
fi
results=$build/fuzz-results
rm -rf "$results"
mkdir -p "$results"

: "${UBSAN_OPTIONS:=print_stacktrace=1}"
export UBSAN_OPTIONS

failed=0
for corpus in "$src"/corpus/*/; do
	name=$(basename "$corpus")
	bin=$bindir/$name
	if [ ! -x "$bin" ]; then
		echo "$name: not built ($bin missing)"
		failed=1
		continue
	fi
	work=$tmp/$name
	mkdir -p "$work/artifacts"
	cp -R "$corpus" "$work/corpus"
	log=$results/$name.log

	start=$(date +%s)
	rc=0
	(cd "$work" && "$bin" -max_total_time="$secs" -timeout=10 \
		-error_exitcode=1 -timeout_exitcode=1 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-dict="$src/ip.dict" -artifact_prefix="$work/artifacts/" \
		corpus) > "$log" 2>&1 || rc=$?
	elapsed=$(( $(date +%s) - start ))

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	if [ -z "$execs" ]; then
		# No final stats (the run died): the last "#N" status line.
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" |
			tail -n 1)
	fi
	crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' \
		-o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
		wc -l)
	crashes=$((crashes))
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1	# died without leaving an input behind
	fi

	echo "$name: ${execs:-0} execs in $elapsed s, $crashes crashes"
	if [ "$crashes" -ne 0 ]; then
		failed=1
		mkdir -p "$results/$name"
		cp "$work"/artifacts/* "$results/$name/" 2>/dev/null || true
		echo "  exit status $rc; reproducers in $results/$name/," \
		     "log $log; last lines:"
		tail -n 30 "$log" | sed 's/^/  | /'
	fi
done
exit $failed
