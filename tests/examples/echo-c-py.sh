#!/bin/bash
# SPDX-License-Identifier: MIT
# The C echo server and the tutorial's own Python client (tcp_client.py).
# Proves: the C server talks to the Python program exactly as the Python
# server would; the Python client's output is the tutorial's.
# Usage: echo-c-py.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
echo_server=$2
nk_need_python

nk_start_server server "${NK_C[@]}" "$echo_server" 127.0.0.1 @PORT@
rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "$NK_PY" "$NK_HERE/tcp_client.py" 127.0.0.1 \
		"$NK_PORT" >"$NK_TMP/client.out" 2>"$NK_TMP/client.err" ||
	rc=$?
nk_expect_status "python client" "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status server "$src" 0

nk_expect "python client stdout" "$NK_TMP/client.out" \
"Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_expect "python client stderr" "$NK_TMP/client.err" ""
nk_echo_server_check server 127.0.0.1 "$NK_PORT"
nk_expect "server stderr" "$NK_TMP/server.err" ""
