#!/bin/bash
# SPDX-License-Identifier: MIT
# The chat room with three clients at once: nc, chat-client and a Python
# client (chat_peer.py talk), each on its own connection.
# Proves: every line a client sends reaches every other client and not
# itself, prefixed with its sender's address; each client is welcomed
# with the count of the others, and the others see its join and leave
# notices, in the order they happened; chat-client reads its standard
# input and the socket at once, and the end of its input ends it with
# status 0; the server logs the notices and exits with 0 on SIGTERM (no
# memory error or leak under valgrind). Every byte of every client's
# output is compared, the client ports replaced by names.
# Usage: chat.sh CHAT_SERVER CHAT_CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1 client=$2
nk_need_python
command -v nc >/dev/null 2>&1 || nk_skip "nc not found"

# wait_for FILE TEXT [COUNT]: until FILE has COUNT lines holding TEXT.
wait_for()
{
	local end=$((SECONDS + NK_WAIT))

	until [ "$(grep -cF -- "$2" "$1" || true)" -ge "${3:-1}" ]; do
		[ "$SECONDS" -lt "$end" ] ||
			nk_fail "no '$2' in ${1##*/} after ${NK_WAIT}s"
		sleep 0.05
	done
}

nk_start_server server "${NK_C[@]}" "$server" 127.0.0.1 @PORT@
spid=$NK_SPID
log=$NK_TMP/server.out
wait_for "$log" "chat room open on 127.0.0.1:$NK_PORT"

mkfifo "$NK_TMP/nc.in" "$NK_TMP/cc.in"
# -N: shut the socket down for writing at the end of its input.
timeout "$NK_WAIT" nc -N 127.0.0.1 "$NK_PORT" <"$NK_TMP/nc.in" \
	>"$NK_TMP/nc.out" 2>"$NK_TMP/nc.err" &
ncpid=$!
NK_PIDS="$NK_PIDS $ncpid"
exec 7>"$NK_TMP/nc.in"
wait_for "$log" " joined" 1
timeout "$NK_WAIT" "${NK_C[@]}" "$client" 127.0.0.1 "$NK_PORT" \
	<"$NK_TMP/cc.in" >"$NK_TMP/cc.out" 2>"$NK_TMP/cc.err" &
ccpid=$!
NK_PIDS="$NK_PIDS $ccpid"
exec 8>"$NK_TMP/cc.in"
wait_for "$log" " joined" 2
timeout "$NK_WAIT" "$NK_PY" "$NK_HERE/chat_peer.py" talk 127.0.0.1 \
	"$NK_PORT" "$NK_WAIT" >"$NK_TMP/py.out" 2>"$NK_TMP/py.err" &
pypid=$!
NK_PIDS="$NK_PIDS $pypid"

# Python speaks first, then nc, then chat-client, each once the
# previous line has gone round.
wait_for "$NK_TMP/nc.out" ": hello from python"
wait_for "$NK_TMP/cc.out" ": hello from python"
echo "hello from nc" >&7
wait_for "$NK_TMP/cc.out" ": hello from nc"
echo "hello from chat-client" >&8
rc=0
nk_reap "$pypid" || rc=$?
nk_expect_status "python client" "$rc" 0
wait_for "$log" " left" 1
wait_for "$NK_TMP/nc.out" " left" 1
wait_for "$NK_TMP/cc.out" " left" 1
exec 8>&-
rc=0
nk_reap "$ccpid" || rc=$?
nk_expect_status "chat-client (end of its input)" "$rc" 0
wait_for "$NK_TMP/nc.out" " left" 2
exec 7>&-
rc=0
nk_reap "$ncpid" || rc=$?
nk_expect_status nc "$rc" 0
wait_for "$log" " left" 3
kill -TERM "$spid"
rc=0
nk_reap "$spid" || rc=$?
nk_expect_status server "$rc" 0

# The joins name the clients: nc first, chat-client, then Python.
names=$(sed -n 's/^\* \(127\.0\.0\.1:[0-9]*\) joined$/\1/p' "$log")
set -- $names
[ $# -eq 3 ] || nk_fail "server: $# joins logged, expected 3"
for f in server nc cc py; do
	sed -e "s/$1/NC/g" -e "s/$2/CC/g" -e "s/$3/PY/g" \
		"$NK_TMP/$f.out" >"$NK_TMP/$f.norm"
done
nk_expect "server stdout" "$NK_TMP/server.norm" \
"chat room open on 127.0.0.1:$NK_PORT
* NC joined
* CC joined
* PY joined
* PY left
* CC left
* NC left
chat room closed
"
nk_expect "nc stdout" "$NK_TMP/nc.norm" "* welcome NC, 0 others here
* CC joined
* PY joined
PY: hello from python
CC: hello from chat-client
* PY left
* CC left
"
nk_expect "chat-client stdout" "$NK_TMP/cc.norm" \
"* welcome CC, 1 other here
* PY joined
PY: hello from python
NC: hello from nc
* PY left
"
nk_expect "python stdout" "$NK_TMP/py.norm" "* welcome PY, 2 others here
NC: hello from nc
CC: hello from chat-client
"
for f in server nc cc py; do
	nk_expect "$f stderr" "$NK_TMP/$f.err" ""
done
