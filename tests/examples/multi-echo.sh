#!/bin/bash
# SPDX-License-Identifier: MIT
# The multi-client echo server with three clients at once: nc holds its
# connection open while the tutorial's Python client and the C client
# run their whole exchange, then nc sends and half-closes.
# Proves: clients are served concurrently (the one-client server would
# leave the Python client waiting behind nc), each gets the tutorial's
# replies byte for byte ("Bey" at its end), and SIGTERM stops the server
# with status 0 (no memory error or leak under valgrind).
# Usage: multi-echo.sh MULTI_ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1 client=$2
nk_need_python
command -v nc >/dev/null 2>&1 || nk_skip "nc not found"

nk_start_server server "${NK_C[@]}" "$server" 127.0.0.1 @PORT@
spid=$NK_SPID
mkfifo "$NK_TMP/nc.in"
# -N: shut the socket down for writing at the end of its input.
timeout "$NK_WAIT" nc -N 127.0.0.1 "$NK_PORT" <"$NK_TMP/nc.in" \
	>"$NK_TMP/nc.out" 2>"$NK_TMP/nc.err" &
ncpid=$!
NK_PIDS="$NK_PIDS $ncpid"
exec 7>"$NK_TMP/nc.in"
end=$((SECONDS + NK_WAIT))
until [ "$(grep -c '^Connect from (' "$NK_TMP/server.out")" -ge 1 ]; do
	[ "$SECONDS" -lt "$end" ] || nk_fail "nc never connected"
	sleep 0.05
done

rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "$NK_PY" "$NK_HERE/tcp_client.py" 127.0.0.1 \
		"$NK_PORT" >"$NK_TMP/py.out" 2>"$NK_TMP/py.err" || rc=$?
nk_expect_status "python client" "$rc" 0
rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" 127.0.0.1 "$NK_PORT" \
		>"$NK_TMP/c.out" 2>"$NK_TMP/c.err" || rc=$?
nk_expect_status "C client" "$rc" 0

printf 'nc hi' >&7
end=$((SECONDS + NK_WAIT))
until grep -q 'Receive your message' "$NK_TMP/nc.out"; do
	[ "$SECONDS" -lt "$end" ] || nk_fail "nc got no reply"
	sleep 0.05
done
exec 7>&-
rc=0
nk_reap "$ncpid" || rc=$?
nk_expect_status nc "$rc" 0

nk_expect "python client stdout" "$NK_TMP/py.out" \
"Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_expect "python client stderr" "$NK_TMP/py.err" ""
nk_expect "C client stdout" "$NK_TMP/c.out" "Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_expect "C client stderr" "$NK_TMP/c.err" ""
nk_expect "nc stdout" "$NK_TMP/nc.out" "Receive your messageBey"

kill -TERM "$spid"
rc=0
nk_reap "$spid" || rc=$?
nk_expect_status server "$rc" 0
nk_expect "server stderr" "$NK_TMP/server.err" ""
# The server's lines, in the order each client caused them.
out=$NK_TMP/server.out
[ "$(head -n 1 "$out")" = "waiting for connect...." ] ||
	nk_fail "server: first line is not 'waiting for connect....'"
count()
{
	local n
	n=$(grep -cxE -- "$2" "$out" || true)
	[ "$n" = "$1" ] || nk_fail "server: $n lines like '$2', expected $1"
	echo "ok: server printed $1 x '$2'"
}
count 3 "Connect from \('127\.0\.0\.1', [0-9]+\)"
count 3 "Connect from <socket\.socket fd=[0-9]+, family=2, type=1, proto=0, laddr=\('127\.0\.0\.1', $NK_PORT\), raddr=\('127\.0\.0\.1', [0-9]+\)>"
count 2 "Receive hello"
count 2 "Receive How are you\?"
count 1 "Receive nc hi"
count 5 "send 20"
[ "$(wc -l <"$out")" -eq 17 ] || nk_fail "server: unexpected lines"
