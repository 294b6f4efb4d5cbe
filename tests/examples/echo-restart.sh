#!/bin/bash
# SPDX-License-Identifier: MIT
# The C echo server stopped while a client is connected, then started
# again at once on the same port.
# Proves: the old connection's server side sits in TIME_WAIT (checked in
# /proc/net/tcp), yet the restarted server binds at once, with no
# "address already in use" (netkit_create_server's SO_REUSEADDR), and
# serves the next client the tutorial's exchange byte for byte.
# Usage: echo-restart.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
echo_server=$2 client=$3
nk_need_python

# nk_time_wait PORT: is a TCP socket on local PORT in TIME_WAIT?
nk_time_wait()
{
	local hex

	hex=$(printf ':%04X' "$1")
	awk -v h="$hex" '$4 == "06" && substr($2, length($2) - 4) == h {
		f = 1 } END { exit !f }' /proc/net/tcp
}

# nk_wait_file FILE TEXT: waits (bounded) until FILE holds TEXT.
nk_wait_file()
{
	local end=$((SECONDS + NK_WAIT))

	until grep -qF -- "$2" "$1" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || nk_fail "no '$2' in $1"
		sleep 0.05
	done
}

nk_start_server first "${NK_C[@]}" "$echo_server" 127.0.0.1 @PORT@
port=$NK_PORT
# One exchange, then wait (bounded) for the server to go away, and close
# after it: the side that closed first (the server) gets the TIME_WAIT.
"$NK_PY" - 127.0.0.1 "$port" "$NK_WAIT" >"$NK_TMP/first-client.out" \
	2>"$NK_TMP/first-client.err" <<'PY' &
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.settimeout(float(sys.argv[3]))
s.sendall(b"hello")
print(s.recv(1024).decode(), flush=True)
while s.recv(1024):
    pass
s.close()
print("closed by the server", flush=True)
PY
cpid=$!
NK_PIDS="$NK_PIDS $cpid"
nk_wait_file "$NK_TMP/first-client.out" "Receive your message"
kill "$NK_SPID"
nk_reap "$NK_SPID" || true	# stopped by SIGTERM
rc=0
nk_reap "$cpid" || rc=$?
nk_expect_status "first client" "$rc" 0
nk_expect "first client stdout" "$NK_TMP/first-client.out" \
	"Receive your message
closed by the server
"
nk_time_wait "$port" || nk_fail "no TIME_WAIT socket on port $port"
echo "ok: port $port has a connection in TIME_WAIT"

# The restart, on the same port, at once.
"${NK_C[@]}" "$echo_server" 127.0.0.1 "$port" >"$NK_TMP/server.out" \
	2>"$NK_TMP/server.err" </dev/null &
NK_SPID=$!
NK_PIDS="$NK_PIDS $NK_SPID"
end=$((SECONDS + NK_WAIT))
until nk_listening "$NK_SPID" "$port"; do
	if ! nk_alive "$NK_SPID"; then
		cat "$NK_TMP/server.err" >&2
		nk_fail "the restarted server exited before listening"
	fi
	[ "$SECONDS" -lt "$end" ] || nk_fail "restart: not listening"
	sleep 0.05
done
echo "ok: the restarted server listens on port $port"
rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" 127.0.0.1 "$port" \
		>"$NK_TMP/client.out" 2>"$NK_TMP/client.err" || rc=$?
nk_expect_status client "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status "restarted server" "$src" 0
nk_expect "client stdout" "$NK_TMP/client.out" "Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_echo_server_check server 127.0.0.1 "$port"
nk_expect "server stderr" "$NK_TMP/server.err" ""
