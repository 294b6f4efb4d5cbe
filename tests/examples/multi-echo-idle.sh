#!/bin/bash
# SPDX-License-Identifier: MIT
# The multi-client echo server with -i 1: a client that connects and
# never sends, beside one that talks every 0.3 s (at least 2.1 s, and
# until the silent one is dropped; at most 60 rounds).
# Proves: the silent client is dropped (it reads the end of the stream)
# no sooner than 1 s after connecting, the talking one is never dropped
# (its timer is deferred on each message), and bad -i values get the
# usage message with status 2.
# Usage: multi-echo-idle.sh MULTI_ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1
nk_need_python

for bad in "-i" "-i x" "-i -1" "-i 1 127.0.0.1 1 extra" "127.0.0.1 99999"; do
	rc=0
	# shellcheck disable=SC2086 # split on purpose
	timeout "$NK_WAIT" "${NK_C[@]}" "$server" $bad </dev/null \
		>"$NK_TMP/out" 2>"$NK_TMP/err" || rc=$?
	nk_expect_status "multi-echo-server $bad" "$rc" 2
	grep -q '^usage: multi-echo-server \[-i IDLE_SECONDS\] \[host \[port\]\]' \
		"$NK_TMP/err" || nk_fail "$bad: no usage message"
done

nk_start_server server "${NK_C[@]}" "$server" -i 1 127.0.0.1 @PORT@
rc=0
timeout "$NK_WAIT" "$NK_PY" - 127.0.0.1 "$NK_PORT" \
	>"$NK_TMP/py.out" 2>"$NK_TMP/py.err" <<'PY' || rc=$?
import selectors, socket, sys, time
addr = (sys.argv[1], int(sys.argv[2]))
# Before the connect: the server's idle timer cannot start earlier, but
# on a busy machine it may start well before create_connection returns.
t0 = time.monotonic()
silent = socket.create_connection(addr)
talker = socket.create_connection(addr)
sel = selectors.DefaultSelector()
sel.register(silent, selectors.EVENT_READ)
dropped = None
replies = 0
rounds = 0
while rounds < 7 or (dropped is None and rounds < 60):
    rounds += 1
    talker.sendall(b"ping")
    replies += talker.recv(1024) == b"Receive your message"
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        if dropped is not None:
            time.sleep(end - time.monotonic())
        elif sel.select(end - time.monotonic()):
            assert silent.recv(1024) == b""
            dropped = time.monotonic() - t0
assert dropped is not None, "silent client not dropped"
assert dropped >= 1.0, "dropped early: %.3f s" % dropped
print("silent dropped after >= 1 s")
print("talker got", "every" if replies == rounds else "not every", "reply")
talker.close()
PY
[ "$rc" = 0 ] || cat "$NK_TMP/py.err" "$NK_TMP/server.out" >&2
nk_expect_status "python clients" "$rc" 0
nk_expect "python clients" "$NK_TMP/py.out" "silent dropped after >= 1 s
talker got every reply
"
grep -qxE "Idle \('127\.0\.0\.1', [0-9]+\) dropped" "$NK_TMP/server.out" ||
	nk_fail "server did not report the idle drop"
[ "$(grep -c ' dropped$' "$NK_TMP/server.out")" = 1 ] ||
	nk_fail "server dropped more than the silent client"
kill -TERM "$NK_SPID"
rc=0
nk_reap "$NK_SPID" || rc=$?
nk_expect_status server "$rc" 0
nk_expect "server stderr" "$NK_TMP/server.err" ""
