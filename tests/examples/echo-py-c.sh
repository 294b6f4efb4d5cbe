#!/bin/bash
# SPDX-License-Identifier: MIT
# The tutorial's own Python echo server (tcp_server.py) and the C client.
# Proves: the C client works against the Python program, and the Python
# server prints the very text the C server prints (same check).
# Usage: echo-py-c.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
client=$3
nk_need_python

nk_start_server server "$NK_PY" "$NK_HERE/tcp_server.py" 127.0.0.1 @PORT@
rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" 127.0.0.1 "$NK_PORT" \
		>"$NK_TMP/client.out" 2>"$NK_TMP/client.err" || rc=$?
nk_expect_status client "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status "python server" "$src" 0

nk_expect "client stdout" "$NK_TMP/client.out" "Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_expect "client stderr" "$NK_TMP/client.err" ""
nk_echo_server_check server 127.0.0.1 "$NK_PORT"
nk_expect "python server stderr" "$NK_TMP/server.err" ""
