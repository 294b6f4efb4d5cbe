#!/bin/bash
# SPDX-License-Identifier: MIT
# nkcat -w against a silent peer and against a peer that never answers
# the handshake.
# Proves: -w SECONDS ends an idle connection after that long (not
# before), and bounds the connect itself; both say so on stderr and
# exit 1.
# Usage: nkcat-timeout.sh NKCAT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
nkcat=$1
command -v nc >/dev/null 2>&1 || nk_skip "nc not found"
nk_need_python

# elapsed_ok WHAT START_NS: 1 s (-w 1) at least, and well under NK_WAIT.
elapsed_ok()
{
	local ms=$((($(date +%s%N) - $2) / 1000000))

	[ "$ms" -ge 1000 ] || nk_fail "$1: gave up after $ms ms, before 1 s"
	[ "$ms" -lt $((NK_WAIT * 1000)) ] || nk_fail "$1: took $ms ms"
	echo "ok: $1 gave up after $ms ms"
}

# 1. A peer that accepts and then says nothing (nc with no input keeps
# the connection open); nkcat's own input stays open and silent too.
nk_start_server nc nc -l 127.0.0.1 @PORT@
exec 3< <(sleep "$NK_WAIT")
silent=$!
rc=0
t0=$(date +%s%N)
timeout "$NK_WAIT" "${NK_C[@]}" "$nkcat" -w 1 127.0.0.1 "$NK_PORT" <&3 \
	>"$NK_TMP/nkcat.out" 2>"$NK_TMP/nkcat.err" || rc=$?
exec 3<&-
kill "$silent" 2>/dev/null || true
nk_expect_status "nkcat -w 1, silent peer" "$rc" 1
elapsed_ok "idle timeout" "$t0"
nk_expect "nkcat stderr" "$NK_TMP/nkcat.err" \
	"nkcat: idle: operation timed out
"
kill "$NK_SPID" 2>/dev/null || true
nk_reap "$NK_SPID" || true

# 2. A listener whose accept queue is full: Linux drops further SYNs,
# so the handshake never completes.
"$NK_PY" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = socket.create_connection(s.getsockname())
print(s.getsockname()[1], flush=True)
time.sleep(float(sys.argv[1]))
' "$NK_WAIT" >"$NK_TMP/hole.port" &
hole=$!
NK_PIDS="$NK_PIDS $hole"
for _ in $(seq 1 200); do
	[ -s "$NK_TMP/hole.port" ] && break
	sleep 0.05
done
port=$(cat "$NK_TMP/hole.port")
[ -n "$port" ] || nk_fail "the blackhole listener did not start"
rc=0
t0=$(date +%s%N)
timeout "$NK_WAIT" "${NK_C[@]}" "$nkcat" -w 1 127.0.0.1 "$port" \
	</dev/null >"$NK_TMP/nkcat.out" 2>"$NK_TMP/nkcat.err" || rc=$?
nk_expect_status "nkcat -w 1, no handshake" "$rc" 1
elapsed_ok "connect timeout" "$t0"
nk_expect "nkcat stderr" "$NK_TMP/nkcat.err" \
	"nkcat: 127.0.0.1: operation timed out
"
