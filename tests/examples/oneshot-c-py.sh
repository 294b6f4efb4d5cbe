#!/bin/bash
# SPDX-License-Identifier: MIT
# The C one-shot server and the tutorial's Python client (tcp_client.py).
# Proves: one exchange with the tutorial's own client, bytes exact on
# both sides.
# Usage: oneshot-c-py.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
oneshot=$1
nk_need_python

nk_start_server server "${NK_C[@]}" "$oneshot" 127.0.0.1 @PORT@
rc=0
printf 'hello\n\n' |
	timeout "$NK_WAIT" "$NK_PY" "$NK_HERE/tcp_client.py" 127.0.0.1 \
		"$NK_PORT" >"$NK_TMP/client.out" 2>"$NK_TMP/client.err" ||
	rc=$?
nk_expect_status "python client" "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status server "$src" 0

nk_expect "python client stdout" "$NK_TMP/client.out" \
"Msg>>Hello, I'm the server
Msg>>"
nk_expect "python client stderr" "$NK_TMP/client.err" ""
nk_expect "server stdout" "$NK_TMP/server.out" "hello
"
nk_expect "server stderr" "$NK_TMP/server.err" ""
