#!/bin/bash
# SPDX-License-Identifier: MIT
# The descriptor-passing pair: fd-pass-server opens a file and hands the
# open descriptor over a Unix socket; fd-pass-client reads the file
# through it. Proves: the bytes read through the passed descriptor are
# the file's, byte for byte (binary, 200 KiB), over a path socket and an
# abstract name; the server names the client's pid; the path is removed
# afterwards; and Python's socket.recv_fds() takes the same descriptor.
# Usage: fd-pass.sh FD_PASS_SERVER FD_PASS_CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1
client=$2
head -c 204800 /dev/urandom >"$NK_TMP/data"

# nk_wait_for CMD...: until CMD succeeds, at most NK_WAIT s.
nk_wait_for()
{
	local end=$((SECONDS + NK_WAIT))

	until "$@"; do
		nk_alive "$NK_SPID" || nk_fail "server exited early"
		[ "$SECONDS" -lt "$end" ] || nk_fail "server not ready"
		sleep 0.05
	done
}

# run_pair SOCKET READY...: server and C client over SOCKET; READY is
# the command that tells the server is listening.
run_pair()
{
	local sock=$1 rc=0 src=0

	shift
	"${NK_C[@]}" "$server" "$sock" "$NK_TMP/data" \
		>"$NK_TMP/server.out" 2>"$NK_TMP/server.err" </dev/null &
	NK_SPID=$!
	NK_PIDS="$NK_PIDS $NK_SPID"
	nk_wait_for "$@"
	# No timeout(1) in between: the server must see the client's own
	# pid. The client bounds its wait itself; nk_reap bounds the rest.
	"${NK_C[@]}" "$client" "$sock" \
		>"$NK_TMP/client.out" 2>"$NK_TMP/client.err" </dev/null &
	cpid=$!
	NK_PIDS="$NK_PIDS $cpid"
	nk_reap "$cpid" || rc=$?
	nk_expect_status "client ($sock)" "$rc" 0
	nk_reap "$NK_SPID" || src=$?
	nk_expect_status "server ($sock)" "$src" 0
	cmp "$NK_TMP/data" "$NK_TMP/client.out" ||
		nk_fail "bytes read through the passed descriptor differ"
	echo "ok: 204800 bytes read through the passed descriptor"
	grep -qxE "sent $NK_TMP/data to pid $cpid \(uid $(id -u), gid $(id -g)\)" \
		"$NK_TMP/server.out" ||
		{ cat "$NK_TMP/server.out" >&2; nk_fail "server did not name pid $cpid"; }
	nk_expect "client stderr" "$NK_TMP/client.err" ""
	nk_expect "server stderr" "$NK_TMP/server.err" ""
}

run_pair "$NK_TMP/fd.sock" test -S "$NK_TMP/fd.sock"
[ ! -e "$NK_TMP/fd.sock" ] || nk_fail "socket path left behind"
echo "ok: socket path removed"

abstract="netkit-fd-pass-$$"
run_pair "@$abstract" grep -q " @$abstract\$" /proc/net/unix

# Python's side: socket.recv_fds() from the C server. (Python receives
# without MSG_CMSG_CLOEXEC: its descriptor is inheritable, netkit's not.)
if command -v python3 >/dev/null; then
	"${NK_C[@]}" "$server" "$NK_TMP/py.sock" "$NK_TMP/data" \
		>"$NK_TMP/server.out" 2>"$NK_TMP/server.err" </dev/null &
	NK_SPID=$!
	NK_PIDS="$NK_PIDS $NK_SPID"
	nk_wait_for test -S "$NK_TMP/py.sock"
	timeout "$NK_WAIT" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
msg, fds, flags, addr = socket.recv_fds(s, 1, 1)
assert msg == b"F" and len(fds) == 1, (msg, fds)
with os.fdopen(fds[0], "rb") as f:
	sys.stdout.buffer.write(f.read())
' "$NK_TMP/py.sock" >"$NK_TMP/py.out"
	src=0
	nk_reap "$NK_SPID" || src=$?
	nk_expect_status "server (python client)" "$src" 0
	cmp "$NK_TMP/data" "$NK_TMP/py.out" ||
		nk_fail "python read different bytes"
	echo "ok: python's recv_fds read the same file"
fi
