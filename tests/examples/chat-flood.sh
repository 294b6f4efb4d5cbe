#!/bin/bash
# SPDX-License-Identifier: MIT
# The chat room under a flood: one client (chat_peer.py sleep) that
# never reads, one that reads everything (chat_peer.py count), and
# chat-client sending 100 MiB of 1000-byte lines from its standard
# input (8 MiB under valgrind's memcheck, where everything is ~20x
# slower: NK_MEMCHECK is set there).
# Proves: the reader gets every line, byte for byte counted, and the
# notice that the silent one was dropped ("dropped: too slow") while the
# flood goes on, so the room stays responsive; the sender is never
# stalled for good and exits with 0 at the end of its input; the
# server's memory stays bounded (its VmHWM, the peak, less than 32 MiB
# above its VmRSS before the clients came); SIGTERM then stops it with
# status 0 (no memory error or leak under valgrind).
# Usage: chat-flood.sh CHAT_SERVER CHAT_CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1 client=$2
nk_need_python

mib=100
[ -z "${NK_MEMCHECK:-}" ] || mib=8
# The flood's own steps may take longer than NK_WAIT on a loaded machine
# (the reader sets the pace); they are still bounded.
flood_wait=$((2 * NK_WAIT))
lines=$((mib * 1048576 / 1001))

wait_for()
{
	local end=$((SECONDS + NK_WAIT))

	until [ "$(grep -cF -- "$2" "$1" || true)" -ge "${3:-1}" ]; do
		[ "$SECONDS" -lt "$end" ] ||
			nk_fail "no '$2' in ${1##*/} after ${NK_WAIT}s"
		sleep 0.05
	done
}

# status_kib PID FIELD: VmRSS or VmHWM of PID, in KiB.
status_kib()
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

nk_start_server server "${NK_C[@]}" "$server" 127.0.0.1 @PORT@
spid=$NK_SPID
log=$NK_TMP/server.out
wait_for "$log" "chat room open on"
rss0=$(status_kib "$spid" VmRSS)

timeout "$flood_wait" "$NK_PY" "$NK_HERE/chat_peer.py" sleep 127.0.0.1 \
	"$NK_PORT" "$flood_wait" >"$NK_TMP/slow.out" 2>"$NK_TMP/slow.err" &
slowpid=$!
NK_PIDS="$NK_PIDS $slowpid"
wait_for "$NK_TMP/slow.out" "ready"
timeout "$flood_wait" "$NK_PY" "$NK_HERE/chat_peer.py" count 127.0.0.1 \
	"$NK_PORT" "$flood_wait" >"$NK_TMP/count.out" 2>"$NK_TMP/count.err" &
countpid=$!
NK_PIDS="$NK_PIDS $countpid"
wait_for "$log" " joined" 2

line=$(printf '%01000d' 0)
start=$(date +%s%N)
rc=0
{ yes "$line" | head -n "$lines"; echo END; } |
	timeout "$flood_wait" "${NK_C[@]}" "$client" 127.0.0.1 "$NK_PORT" \
		>"$NK_TMP/sender.out" 2>"$NK_TMP/sender.err" || rc=$?
nk_expect_status "chat-client (the sender)" "$rc" 0
rc=0
nk_reap "$countpid" || rc=$?
nk_expect_status "the reader" "$rc" 0
ms=$((($(date +%s%N) - start) / 1000000))
echo "note: $mib MiB through the room in $ms ms"

names=$(sed -n 's/^\* \(127\.0\.0\.1:[0-9]*\) joined$/\1/p' "$log")
set -- $names
[ $# -eq 3 ] || nk_fail "server: $# joins logged, expected 3"
slow=$1 reader=$2 sender=$3
grep -qxF "* $slow dropped: too slow" "$log" ||
	nk_fail "server: the silent reader was not dropped"
echo "ok: the silent reader was dropped"
nk_expect "the reader's notices and count" "$NK_TMP/count.out" \
"* welcome $reader, 1 other here
* $sender joined
* $slow dropped: too slow
lines $lines bytes $((lines * 1000))
"
grep -qxF "* $slow dropped: too slow" "$NK_TMP/sender.out" ||
	nk_fail "the sender did not see the drop notice"
nk_expect "sender stderr" "$NK_TMP/sender.err" ""

hwm=$(status_kib "$spid" VmHWM)
echo "note: server VmRSS before $rss0 KiB, VmHWM after $hwm KiB"
[ $((hwm - rss0)) -lt $((32 * 1024)) ] ||
	nk_fail "server memory grew by $((hwm - rss0)) KiB (limit 32 MiB)"
echo "ok: server memory grew by $((hwm - rss0)) KiB (< 32 MiB)"

kill "$slowpid" 2>/dev/null || true
nk_reap "$slowpid" || true
kill -TERM "$spid"
rc=0
nk_reap "$spid" || rc=$?
nk_expect_status server "$rc" 0
nk_expect "server stderr" "$NK_TMP/server.err" ""
