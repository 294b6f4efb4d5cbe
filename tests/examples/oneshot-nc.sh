#!/bin/bash
# SPDX-License-Identifier: MIT
# The C one-shot server and netcat (OpenBSD nc, as the tutorial's telnet).
# Proves: the server prints the bytes it got followed by a newline, and
# the client receives exactly "Hello, I'm the server" before the close.
# Usage: oneshot-nc.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
oneshot=$1
command -v nc >/dev/null 2>&1 || nk_skip "nc not found"
# -N: shut down the sending side at the end of input (OpenBSD nc);
# older versions only have -q SECONDS, which does the same.
help=$(nc -h 2>&1 || true)
case "$help" in
*"	-N"*) eof=(-N) ;;
*"	-q"*) eof=(-q 1) ;;
*) nk_skip "this nc has neither -N nor -q" ;;
esac

nk_start_server server "${NK_C[@]}" "$oneshot" 127.0.0.1 @PORT@
rc=0
printf 'hello from nc' |
	timeout "$NK_WAIT" nc "${eof[@]}" 127.0.0.1 "$NK_PORT" \
		>"$NK_TMP/nc.out" 2>"$NK_TMP/nc.err" || rc=$?
nk_expect_status nc "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status server "$src" 0

nk_expect "nc stdout" "$NK_TMP/nc.out" "Hello, I'm the server"
nk_expect "server stdout" "$NK_TMP/server.out" "hello from nc
"
nk_expect "server stderr" "$NK_TMP/server.err" ""
