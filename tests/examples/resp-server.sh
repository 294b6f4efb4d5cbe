#!/bin/bash
# SPDX-License-Identifier: MIT
# resp-server against clients nobody here wrote. MODE is one of:
#   cli    redis-cli: PING, ECHO, SET, GET, DEL, a value with spaces,
#          CR, LF and NUL bytes (SET -x from a file), lower-case names,
#          an unknown command; every answer checked exactly. Then raw
#          sockets (loop_peer.py): inline commands, three commands in one
#          send, protocol errors and an over-long command (-ERR, then
#          the end of the stream), and the table's key limit.
#   bench  redis-benchmark -q -n 20000 -t ping,set,get, without and with
#          -P 16 (pipelining): a requests-per-second figure on every
#          line, nothing else.
#   bad    one client pipelines PINGs and never reads; another is still
#          answered within 100 ms, and the server's memory stays bounded
#          (loop_peer.py bad).
#   fds    under `ulimit -n 32`, 100 idle clients: the server uses almost
#          no CPU while full, and serves again once they leave
#          (loop_peer.py full-fds).
# Each mode then stops the server with SIGINT (cli, fds) or SIGTERM
# (bench, bad): status 0, its startup line the only output.
# A missing tool (redis-cli, redis-benchmark, python3) is a skip.
# Usage: resp-server.sh MODE RESP_SERVER
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mode=$1 server=$2
# Under memcheck the descriptor limit is valgrind's: it drops a
# connection the kernel accepted past it, so the waiting clients are
# reset instead of waiting; the loop's own EMFILE tests cover the rest.
[ "$mode" = fds ] && [ -n "${NK_MEMCHECK:-}" ] &&
	nk_skip "valgrind enforces the descriptor limit itself"
sig=INT

case $mode in
cli) command -v redis-cli >/dev/null || nk_skip "redis-cli not found" ;;
bench) command -v redis-benchmark >/dev/null ||
	nk_skip "redis-benchmark not found" ;;
esac
[ "$mode" = bench ] || nk_need_python
if [ "$mode" = fds ]; then
	# the limit for the server only; exec keeps the pid
	nk_start_server server bash -c 'ulimit -n 32 && exec "$@"' sh \
		"${NK_C[@]}" "$server" 127.0.0.1 @PORT@
else
	nk_start_server server "${NK_C[@]}" "$server" 127.0.0.1 @PORT@
fi

peer()
{
	local rc=0

	timeout $((3 * NK_WAIT)) "$NK_PY" "$NK_HERE/loop_peer.py" "$@" \
		>"$NK_TMP/peer.out" 2>"$NK_TMP/peer.err" || rc=$?
	cat "$NK_TMP/peer.out"
	[ "$rc" = 0 ] || { cat "$NK_TMP/peer.err" >&2; nk_fail "loop_peer.py $1: exit $rc"; }
}

# cli WANT ARGS...: redis-cli ARGS must print exactly WANT (a line)
cli()
{
	local want=$1 rc=0

	shift
	timeout "$NK_WAIT" redis-cli -h 127.0.0.1 -p "$NK_PORT" "$@" \
		>"$NK_TMP/cli" 2>&1 </dev/null || rc=$?
	[ "$rc" = 0 ] || { cat "$NK_TMP/cli" >&2; nk_fail "redis-cli $*: exit $rc"; }
	case $want in ERR*)
		# redis-cli prints an empty line after an error
		sed -i '/^$/d' "$NK_TMP/cli" ;;
	esac
	nk_expect "redis-cli $*" "$NK_TMP/cli" "$want
"
}

case $mode in
cli)
	cli PONG PING
	cli "hello world" PING "hello world"
	cli "hello world" ECHO "hello world"
	cli OK SET greeting hello
	cli hello GET greeting
	cli OK set Greeting other
	cli hello get greeting
	cli "" GET nothing
	cli 2 DEL greeting nothing Greeting
	cli 0 del greeting
	cli "ERR unknown command" FLUSHALL
	cli "ERR wrong number of arguments" GET a b
	printf 'a b\r\n\0\377 end' >"$NK_TMP/value"
	rc=0
	timeout "$NK_WAIT" redis-cli -h 127.0.0.1 -p "$NK_PORT" -x SET bin \
		<"$NK_TMP/value" >"$NK_TMP/cli" 2>&1 || rc=$?
	nk_expect_status "redis-cli -x SET bin" "$rc" 0
	nk_expect "redis-cli -x SET bin" "$NK_TMP/cli" "OK
"
	# --no-raw would quote it; raw output is the bytes plus a newline
	rc=0
	timeout "$NK_WAIT" redis-cli -h 127.0.0.1 -p "$NK_PORT" GET bin \
		</dev/null >"$NK_TMP/cli" 2>&1 || rc=$?
	nk_expect_status "redis-cli GET bin" "$rc" 0
	printf '\n' >>"$NK_TMP/value"
	cmp -s "$NK_TMP/value" "$NK_TMP/cli" ||
		nk_fail "GET bin: not the bytes SET put in"
	echo "ok: a binary value goes in and out unchanged"
	cli 1 DEL bin
	peer inline 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	peer pipeline resp 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	peer junk resp 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	peer full 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	;;
bench)
	sig=TERM
	n=20000
	[ -z "${NK_MEMCHECK:-}" ] || n=2000
	for p in 1 16; do
		rc=0
		timeout $((6 * NK_WAIT)) redis-benchmark -h 127.0.0.1 \
			-p "$NK_PORT" -q -n "$n" -t ping,set,get -P "$p" \
			</dev/null >"$NK_TMP/bench" 2>"$NK_TMP/bench.err" || rc=$?
		# -q rewrites its progress line with CRs: keep the last one
		tr '\r' '\n' <"$NK_TMP/bench" | grep -v '^ *$' |
			grep -v ': rps=' >"$NK_TMP/bench.lines" || true
		[ "$rc" = 0 ] || { cat "$NK_TMP/bench.lines" "$NK_TMP/bench.err" >&2
			nk_fail "redis-benchmark -P $p: exit $rc"; }
		cat "$NK_TMP/bench.lines"
		for t in PING_INLINE PING_MBULK SET GET; do
			grep -qE "^$t: [0-9.]+ requests per second" \
				"$NK_TMP/bench.lines" ||
				nk_fail "redis-benchmark -P $p: no $t figure"
		done
		if grep -vqE '^[A-Z_]+: [0-9.]+ requests per second' \
			"$NK_TMP/bench.lines"; then
			cat "$NK_TMP/bench.err" >&2
			nk_fail "redis-benchmark -P $p: unexpected output"
		fi
		echo "ok: redis-benchmark -q -n $n -P $p"
	done
	;;
bad)
	sig=TERM
	peer bad resp 127.0.0.1 "$NK_PORT" "$NK_WAIT" "$NK_SPID"
	;;
fds)
	peer full-fds resp 127.0.0.1 "$NK_PORT" "$NK_WAIT" "$NK_SPID"
	;;
*)
	nk_fail "unknown mode $mode"
	;;
esac

kill -"$sig" "$NK_SPID"
rc=0
nk_reap "$NK_SPID" || rc=$?
nk_expect_status "server (SIG$sig)" "$rc" 0
nk_expect "server stdout" "$NK_TMP/server.out" \
	"resp-server listening on 127.0.0.1:$NK_PORT
"
nk_expect "server stderr" "$NK_TMP/server.err" ""
