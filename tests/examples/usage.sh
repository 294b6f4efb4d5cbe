#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad command lines. Proves: a port that is not 0..65535 in digits, or
# too many arguments, gives a usage message and status 2 without any
# network activity; a host that is not a numeric IP gives netkit's error
# message and status 1.
# Usage: usage.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for prog in "$@"; do
	name=${prog##*/}
	for args in "127.0.0.1 65536" "127.0.0.1 -1" "127.0.0.1 8x" \
		"127.0.0.1 +80" "127.0.0.1 123456" "127.0.0.1 ''" \
		"127.0.0.1 1 extra"; do
		eval "set -- $args"
		rc=0
		timeout "$NK_WAIT" "${NK_C[@]}" "$prog" "$@" </dev/null \
			>"$NK_TMP/out" 2>"$NK_TMP/err" || rc=$?
		nk_expect_status "$name $args" "$rc" 2
		nk_expect "$name $args stdout" "$NK_TMP/out" ""
		grep -q "^usage: $name \[host \[port\]\]" "$NK_TMP/err" ||
			nk_fail "$name $args: no usage message"
	done
	rc=0
	timeout "$NK_WAIT" "${NK_C[@]}" "$prog" localhost 1 </dev/null \
		>"$NK_TMP/out" 2>"$NK_TMP/err" || rc=$?
	nk_expect_status "$name localhost" "$rc" 1
	nk_expect "$name localhost stderr" "$NK_TMP/err" \
		"$name: localhost: invalid argument
"
done
