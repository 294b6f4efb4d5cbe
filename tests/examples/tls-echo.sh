#!/bin/bash
# SPDX-License-Identifier: MIT
# tls-echo-server with peers nobody here wrote, with the test
# certificates of nk_make_certs (server.pem: localhost, 127.0.0.1).
# Usage: tls-echo.sh MODE TLS_ECHO_SERVER [TCP_CLIENT]; MODE is
#  s_client: openssl s_client sends "hello" and "How are you?" and gets
#    a reply for each; the server prints multi-echo-server's lines.
#  python: Python's ssl, several clients at once while one is stuck
#    mid-handshake: each gets its replies, "Bey" after its close_notify
#    and the server's close_notify; the stuck one is dropped at
#    --handshake-ms, not before, with one line on the server's stderr.
#  curl: curl --http0.9 sends its GET as one message and gets "Receive
#    your message", then waits for an end that only the client can
#    make: it prints that reply and gives up at --max-time (status 28).
#  tcp-client: the tutorial's client with --tls --cafile, its prompts
#    and replies as without TLS; a server name it cannot verify (the
#    test CA not given) fails with one line and status 1.
# In every mode SIGTERM then stops the server with status 0 and nothing
# on its stderr but what the mode expects.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mode=$1 server=$2 client=${3:-}
nk_make_certs
C=$NK_CERTS
hs_ms=10000
[ "$mode" != python ] || hs_ms=$((4000 * ${CK_TIMEOUT_MULTIPLIER:-1}))

start()
{
	nk_start_server server "${NK_C[@]}" "$server" --cert "$C/server.pem" \
		--key "$C/server.key" --handshake-ms "$hs_ms" 127.0.0.1 @PORT@
	spid=$NK_SPID
}

# refused_line: waits (NK_WAIT at most) for the server to report the
# handshake a client just refused, then prints that line: the client
# exits before the server has read its alert, and on a slow machine
# the line comes after.
refused_line()
{
	local end=$((SECONDS + NK_WAIT))

	until grep -qE '^tls-echo-server: handshake ' "$NK_TMP/server.err"; do
		[ "$SECONDS" -lt "$end" ] ||
			nk_fail "server did not report the refused handshake"
		sleep 0.05
	done
	grep -E '^tls-echo-server: handshake ' "$NK_TMP/server.err" | head -n 1
}

# stop_server WANT_STDERR: SIGTERM, status 0, its stderr as given.
stop_server()
{
	local rc=0

	kill -TERM "$spid"
	nk_reap "$spid" || rc=$?
	nk_expect_status "server (SIGTERM)" "$rc" 0
	nk_expect "server stderr" "$NK_TMP/server.err" "$1"
}

# count N REGEX: the server printed N lines matching REGEX (whole line).
count()
{
	local n

	n=$(grep -cxE -- "$2" "$NK_TMP/server.out" || true)
	[ "$n" = "$1" ] || nk_fail "server: $n lines like '$2', expected $1"
	echo "ok: server printed $1 x '$2'"
}

# connects N: the server's two Connect from lines, N times.
connects()
{
	count "$1" "Connect from \('127\.0\.0\.1', [0-9]+\)"
	count "$1" "Connect from <socket\.socket fd=[0-9]+, family=2, type=1, proto=0, laddr=\('127\.0\.0\.1', $NK_PORT\), raddr=\('127\.0\.0\.1', [0-9]+\)>"
}

# tries WHAT CMD...: CMD may be late on a busy machine (a reply after
# the time the peer waits for it): it fails only when 3 tries all fail.
tries()
{
	local what=$1 i

	shift
	for i in 1 2 3; do
		if "$@"; then
			return 0
		fi
		echo "note: $what: try $i failed"
	done
	nk_fail "$what: 3 tries failed"
}

case $mode in
s_client)
	command -v openssl >/dev/null || nk_skip "openssl not found"
	# One server per try, so that its lines are one client's.
	s_client_once()
	{
		start
		# One record per message: s_client sends what each read of
		# its input gives; it sends close_notify at the input's end.
		(printf 'hello'; sleep 1; printf 'How are you?'; sleep 1) |
			timeout "$NK_WAIT" openssl s_client -connect \
			"127.0.0.1:$NK_PORT" -servername localhost \
			-verify_hostname localhost -verify_return_error \
			-CAfile "$C/ca.pem" -quiet -no_ign_eof \
			>"$NK_TMP/sc.out" 2>"$NK_TMP/sc.err" &&
		[ "$(cat "$NK_TMP/sc.out")" = \
			"Receive your messageReceive your message" ] && return 0
		kill "$spid"
		nk_reap "$spid" || true
		return 1
	}
	tries "s_client exchange" s_client_once
	echo "ok: s_client got two replies"
	stop_server ""
	connects 1
	sed -n '4,$p' "$NK_TMP/server.out" >"$NK_TMP/server.rest"
	nk_expect "server stdout after Connect from" "$NK_TMP/server.rest" \
"Receive hello
send 20
Receive How are you?
send 20
"
	;;
python)
	nk_need_python
	start
	tries "python clients" timeout "$NK_WAIT" "$NK_PY" \
		"$NK_HERE/tls_echo_peer.py" "$NK_PORT" "$C/ca.pem" 5 "$hs_ms"
	n=$(grep -c '^Connect from (' "$NK_TMP/server.out")
	# Every try: 1 stuck + 5 served; each stuck one timed out.
	[ $((n % 6)) = 0 ] || nk_fail "server: $n connections"
	grep -vxE "tls-echo-server: handshake \('127\.0\.0\.1', [0-9]+\): operation timed out" \
		"$NK_TMP/server.err" && nk_fail "server: other errors"
	[ "$(wc -l <"$NK_TMP/server.err")" = $((n / 6)) ] ||
		nk_fail "server: not one timeout line per stuck client"
	echo "ok: stuck clients reported timed out"
	cp "$NK_TMP/server.err" "$NK_TMP/server.err.want"
	stop_server "$(cat "$NK_TMP/server.err.want")
"
	connects "$n"
	runs=$((n / 6))
	count $((runs * 5)) "Receive hello"
	count $((runs * 5)) "Receive How are you\?"
	count $((runs * 10)) "send 20"
	;;
curl)
	command -v curl >/dev/null || nk_skip "curl not found"
	start
	curl_once()
	{
		local rc=0

		timeout "$NK_WAIT" curl --http0.9 -s --max-time 3 \
			--cacert "$C/ca.pem" "https://127.0.0.1:$NK_PORT/" \
			>"$NK_TMP/curl.out" 2>"$NK_TMP/curl.err" || rc=$?
		# 28: "Operation timeout", the only way it ends here.
		[ "$rc" = 28 ] &&
			[ "$(cat "$NK_TMP/curl.out")" = "Receive your message" ]
	}
	tries "curl" curl_once
	nk_expect "curl stdout" "$NK_TMP/curl.out" "Receive your message"
	nk_expect "curl stderr" "$NK_TMP/curl.err" ""
	# curl without the test CA refuses the server (exit 60); the
	# server sees the alert and says so on stderr.
	rc=0
	timeout "$NK_WAIT" curl --http0.9 -s --max-time 10 \
		"https://127.0.0.1:$NK_PORT/" >"$NK_TMP/curl.out" || rc=$?
	nk_expect_status "curl, no CA" "$rc" 60
	stop_server "$(refused_line)
"
	grep -qxF $'Receive GET / HTTP/1.1\r' "$NK_TMP/server.out" ||
		nk_fail "server: no 'Receive GET / HTTP/1.1' line"
	grep -qE "^User-Agent: curl/" "$NK_TMP/server.out" ||
		nk_fail "server: curl's request not printed"
	echo "ok: server printed curl's request"
	cat "$NK_TMP/server.err"
	;;
tcp-client)
	start
	rc=0
	printf 'hello\nHow are you?\n\n' |
		timeout "$NK_WAIT" "${NK_C[@]}" "$client" --tls \
			--cafile "$C/ca.pem" 127.0.0.1 "$NK_PORT" \
			>"$NK_TMP/c.out" 2>"$NK_TMP/c.err" || rc=$?
	nk_expect_status "tcp-client --tls" "$rc" 0
	nk_expect "tcp-client --tls stdout" "$NK_TMP/c.out" \
"Msg>>Receive your message
Msg>>Receive your message
Msg>>"
	nk_expect "tcp-client --tls stderr" "$NK_TMP/c.err" ""
	rc=0
	printf 'hello\n\n' |
		timeout "$NK_WAIT" "${NK_C[@]}" "$client" --tls \
			127.0.0.1 "$NK_PORT" \
			>"$NK_TMP/c.out" 2>"$NK_TMP/c.err" || rc=$?
	nk_expect_status "tcp-client --tls, system trust store" "$rc" 1
	grep -qE '^tcp-client: handshake: TLS certificate refused: ' \
		"$NK_TMP/c.err" || nk_fail "tcp-client: $(cat "$NK_TMP/c.err")"
	[ "$(wc -l <"$NK_TMP/c.err")" = 1 ] || nk_fail "not one line"
	echo "ok: tcp-client refused the unknown CA"
	stop_server "$(refused_line)
"
	connects 2
	count 1 "Receive hello"
	count 1 "Receive How are you\?"
	;;
*)
	nk_fail "unknown mode $mode"
	;;
esac
