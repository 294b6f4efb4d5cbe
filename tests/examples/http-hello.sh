#!/bin/bash
# SPDX-License-Identifier: MIT
# http-hello against clients nobody here wrote. MODE is one of:
#   curl  GET / is 200 with the exact body and headers, /nope and POST
#         are 404; HTTP/1.1 reuses the connection for a second URL unless
#         "Connection: close"; HTTP/1.0 closes it unless "Connection:
#         keep-alive"; three requests sent at once get three answers in
#         order (pipelining, a raw socket); garbage gets 400, an
#         over-long head 431, each then the end of the stream.
#   ab    ab -k -n 2000 -c 20 (keep-alive) and ab -n 500 -c 10 (a
#         connection per request): every request complete, none failed,
#         none answered other than 2xx.
#   wrk   wrk -t2 -c50 -d2s, plain and pipelined 16 deep (a Lua script):
#         requests done, no socket error, no status other than 2xx/3xx.
#   bad   one client pipelines requests and never reads; another is
#         still answered within 100 ms, and the server's memory stays
#         bounded (loop_peer.py bad).
#   fds   under `ulimit -n 32`, 100 idle clients: the server uses almost
#         no CPU while full, and serves again once they leave
#         (loop_peer.py full-fds).
# Each mode then stops the server with SIGINT (curl, wrk, fds) or
# SIGTERM (ab, bad): status 0, its startup line the only output.
# A missing tool (curl, ab, wrk, python3) is a skip.
# Usage: http-hello.sh MODE HTTP_HELLO
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
curl | ab | wrk) command -v "$mode" >/dev/null || nk_skip "$mode not found" ;;
esac
[ "$mode" = ab ] || [ "$mode" = wrk ] || nk_need_python
if [ "$mode" = fds ]; then
	# the limit for the server only; exec keeps the pid
	nk_start_server server bash -c 'ulimit -n 32 && exec "$@"' sh \
		"${NK_C[@]}" "$server" 127.0.0.1 @PORT@
else
	nk_start_server server "${NK_C[@]}" "$server" 127.0.0.1 @PORT@
fi
url=http://127.0.0.1:$NK_PORT

# get WHAT CURL_ARGS...: runs curl, bounded; its output in $NK_TMP/curl
get()
{
	local what=$1 rc=0

	shift
	timeout "$NK_WAIT" curl -sS --max-time "$NK_WAIT" "$@" \
		>"$NK_TMP/curl" 2>"$NK_TMP/curl.err" || rc=$?
	[ "$rc" = 0 ] || { cat "$NK_TMP/curl.err" >&2; nk_fail "$what: curl exit $rc"; }
}

peer()
{
	local rc=0

	timeout $((3 * NK_WAIT)) "$NK_PY" "$NK_HERE/loop_peer.py" "$@" \
		>"$NK_TMP/peer.out" 2>"$NK_TMP/peer.err" || rc=$?
	cat "$NK_TMP/peer.out"
	[ "$rc" = 0 ] || { cat "$NK_TMP/peer.err" >&2; nk_fail "loop_peer.py $1: exit $rc"; }
}

case $mode in
curl)
	get "GET /" -o "$NK_TMP/body" -D "$NK_TMP/head" -w '%{http_code}' "$url/"
	nk_expect "GET / status" "$NK_TMP/curl" 200
	nk_expect "GET / body" "$NK_TMP/body" "Hello, World!"
	tr -d '\r' <"$NK_TMP/head" | grep -v '^Date: ' >"$NK_TMP/head.n"
	nk_expect "GET / head" "$NK_TMP/head.n" "HTTP/1.1 200 OK
Content-Type: text/plain
Content-Length: 13
Connection: keep-alive

"
	grep -qE '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT' \
		"$NK_TMP/head" || nk_fail "no Date header"
	get "GET /nope" -o /dev/null -w '%{http_code}' "$url/nope"
	nk_expect "GET /nope status" "$NK_TMP/curl" 404
	get "POST /" -o /dev/null -w '%{http_code}' -d x=1 "$url/"
	nk_expect "POST / status" "$NK_TMP/curl" 404
	get "PUT /" -o /dev/null -w '%{http_code}' -X PUT "$url/"
	nk_expect "PUT / status" "$NK_TMP/curl" 404
	# %{num_connects}: the connections each transfer opened
	fmt='%{http_code} %{num_connects}\n'
	# (one -o per URL)
	nul="-o /dev/null -o /dev/null"
	# shellcheck disable=SC2086 # split on purpose
	get "HTTP/1.1 twice" $nul -w "$fmt" "$url/" "$url/nope"
	nk_expect "HTTP/1.1, two URLs: one connection" "$NK_TMP/curl" \
		"200 1
404 0
"
	# shellcheck disable=SC2086
	get "HTTP/1.1 close" $nul -w "$fmt" -H 'Connection: close' \
		"$url/" "$url/"
	nk_expect "HTTP/1.1 with Connection: close: two connections" \
		"$NK_TMP/curl" "200 1
200 1
"
	# shellcheck disable=SC2086
	get "HTTP/1.0" $nul -w "$fmt" --http1.0 "$url/" "$url/"
	nk_expect "HTTP/1.0: two connections" "$NK_TMP/curl" "200 1
200 1
"
	# shellcheck disable=SC2086
	get "HTTP/1.0 keep-alive" $nul -w "$fmt" --http1.0 \
		-H 'Connection: keep-alive' "$url/" "$url/"
	nk_expect "HTTP/1.0 with Connection: keep-alive: one connection" \
		"$NK_TMP/curl" "200 1
200 0
"
	# shellcheck disable=SC2086
	get "curl -v" $nul -v "$url/" "$url/"
	grep -q "Re-using existing connection" "$NK_TMP/curl.err" ||
		nk_fail "curl -v did not reuse the connection"
	echo "ok: curl -v says Re-using existing connection"
	peer pipeline http 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	peer junk http 127.0.0.1 "$NK_PORT" "$NK_WAIT"
	;;
ab)
	sig=TERM
	for args in "-k -n 2000 -c 20" "-n 500 -c 10"; do
		rc=0
		# shellcheck disable=SC2086 # split on purpose
		timeout $((3 * NK_WAIT)) ab -q -s "$NK_WAIT" $args "$url/" \
			>"$NK_TMP/ab" 2>&1 || rc=$?
		[ "$rc" = 0 ] || { cat "$NK_TMP/ab" >&2; nk_fail "ab $args: exit $rc"; }
		n=${args#*-n }
		n=${n%% *}
		grep -qE "^Complete requests: +$n\$" "$NK_TMP/ab" &&
			grep -qE '^Failed requests: +0$' "$NK_TMP/ab" &&
			! grep -q '^Non-2xx responses' "$NK_TMP/ab" &&
			grep -qE '^Document Length: +13 bytes$' "$NK_TMP/ab" ||
			{ cat "$NK_TMP/ab" >&2; nk_fail "ab $args: failures"; }
		case $args in -k*)
			grep -qE "^Keep-Alive requests: +$n\$" "$NK_TMP/ab" ||
				{ cat "$NK_TMP/ab" >&2; nk_fail "ab -k: not all kept alive"; }
		esac
		echo "ok: ab $args: $(grep '^Requests per second' "$NK_TMP/ab")"
	done
	;;
wrk)
	cat >"$NK_TMP/pipeline.lua" <<'EOF'
-- 16 requests in each write: wrk counts every answer
init = function(args)
	local r = {}
	for i = 1, 16 do r[i] = wrk.format(nil, "/") end
	req = table.concat(r)
end
request = function() return req end
EOF
	for script in "" "$NK_TMP/pipeline.lua"; do
		rc=0
		timeout $((3 * NK_WAIT)) wrk -t2 -c50 -d2s --timeout "${NK_WAIT}s" \
			${script:+-s "$script"} "$url/" >"$NK_TMP/wrk" 2>&1 || rc=$?
		what="wrk${script:+ pipelined}"
		[ "$rc" = 0 ] || { cat "$NK_TMP/wrk" >&2; nk_fail "$what: exit $rc"; }
		grep -qE '^ +[1-9][0-9]* requests in ' "$NK_TMP/wrk" &&
			! grep -qE 'Socket errors|Non-2xx' "$NK_TMP/wrk" ||
			{ cat "$NK_TMP/wrk" >&2; nk_fail "$what: errors"; }
		echo "ok: $what: $(grep '^Requests/sec' "$NK_TMP/wrk")"
	done
	;;
bad)
	sig=TERM
	peer bad http 127.0.0.1 "$NK_PORT" "$NK_WAIT" "$NK_SPID"
	;;
fds)
	peer full-fds http 127.0.0.1 "$NK_PORT" "$NK_WAIT" "$NK_SPID"
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
	"http-hello listening on http://127.0.0.1:$NK_PORT/
"
nk_expect "server stderr" "$NK_TMP/server.err" ""
