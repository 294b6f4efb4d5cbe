#!/bin/bash
# SPDX-License-Identifier: MIT
# A client that resets the connection (close with SO_LINGER 0) while the
# C echo server waits in recv.
# Proves: the server does not crash (no signal): it reports
# "recv: connection reset by peer" on stderr and exits with status 1,
# after printing the exchange that came before.
# Usage: echo-reset.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
echo_server=$2
nk_need_python

nk_start_server server "${NK_C[@]}" "$echo_server" 127.0.0.1 @PORT@
rc=0
timeout "$NK_WAIT" "$NK_PY" - 127.0.0.1 "$NK_PORT" \
	>"$NK_TMP/client.out" 2>"$NK_TMP/client.err" <<'PY' || rc=$?
import socket, struct, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"hello")
print(s.recv(1024).decode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
nk_expect_status "resetting client" "$rc" 0
nk_expect "resetting client stdout" "$NK_TMP/client.out" \
	"Receive your message
"
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status server "$src" 1

sed -n '4,$p' "$NK_TMP/server.out" >"$NK_TMP/server.tail"
nk_expect "server stdout after connect" "$NK_TMP/server.tail" "Receive hello
send 20
"
nk_expect "server stderr" "$NK_TMP/server.err" \
	"tcp-echo-server: recv: connection reset by peer
"
