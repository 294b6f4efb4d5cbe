#!/bin/bash
# SPDX-License-Identifier: MIT
# https-get against openssl s_server (-WWW, a file from its directory)
# and a Python server, with the test certificates of nk_make_certs.
# Proves: the whole response (status line, headers, body) reaches stdout
# byte for byte, with exit status 0; a certificate for another name, an
# expired one, one from an untrusted CA and a self-signed one are each
# refused with their own one-line message and status 1, and --insecure
# takes the self-signed one; a response cut without close_notify is a
# failure (what came is printed, then the truncation message); a server
# that accepts and never answers the handshake ends the run with a
# timeout line at --timeout, not before.
# Usage: https-get.sh HTTPS_GET
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
get=$1
nk_need_python
nk_make_certs
C=$NK_CERTS

mkdir "$NK_TMP/www"
printf 'Hello over TLS\nsecond line\n' >"$NK_TMP/www/hello.txt"

# start NAME: openssl s_server serving $NK_TMP/www (-WWW: the files of
# its directory) with certificate NAME.pem; stops the one before.
srv=""
start()
{
	if [ -n "$srv" ]; then
		kill "$srv"
		nk_reap "$srv" || true
	fi
	# shellcheck disable=SC2016 # for the inner shell
	nk_start_server "s_server-$1" bash -c 'cd "$1" && exec openssl \
		s_server -accept "127.0.0.1:$2" -cert "$3.pem" -key "$3.key" \
		-WWW -quiet' sh "$NK_TMP/www" @PORT@ "$C/$1"
	srv=$NK_SPID
}

# get WHAT WANT_STATUS ARGS...: runs https-get, output in get.out/.err.
get()
{
	local what=$1 want=$2 rc=0

	shift 2
	timeout "$NK_WAIT" "${NK_C[@]}" "$get" "$@" \
		>"$NK_TMP/get.out" 2>"$NK_TMP/get.err" || rc=$?
	nk_expect_status "$what" "$rc" "$want"
}

ok_response=$'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\nHello over TLS\nsecond line\n'

# 1. The file, verified by the test CA, by name and by address.
start server
get "https-get localhost" 0 --cafile "$C/ca.pem" \
	"https://localhost:$NK_PORT/hello.txt"
nk_expect "localhost stdout" "$NK_TMP/get.out" "$ok_response"
nk_expect "localhost stderr" "$NK_TMP/get.err" ""
get "https-get 127.0.0.1" 0 --cafile "$C/ca.pem" --timeout 5000 \
	"https://127.0.0.1:$NK_PORT/hello.txt"
nk_expect "127.0.0.1 stdout" "$NK_TMP/get.out" "$ok_response"

# 2. Each refusal with its own message; the server is not reached with
# the request (nothing on stdout).
refused()
{
	start "$1"
	get "https-get, $1 certificate" 1 --cafile "$C/ca.pem" \
		"https://localhost:$NK_PORT/hello.txt"
	nk_expect "$1 stdout" "$NK_TMP/get.out" ""
	nk_expect "$1 stderr" "$NK_TMP/get.err" \
		"https-get: localhost: handshake: TLS certificate refused: $2
"
}
refused wrong "not issued for this name or address"
refused expired "expired or not yet valid"
refused untrusted "its issuer is not trusted"
refused self "self-signed and not trusted"
# No --cafile: the system's trust store does not know the test CA.
start server
get "https-get, system trust store" 1 "https://localhost:$NK_PORT/hello.txt"
grep -q '^https-get: localhost: handshake: TLS certificate refused: ' \
	"$NK_TMP/get.err" || nk_fail "no refusal: $(cat "$NK_TMP/get.err")"
[ "$(wc -l <"$NK_TMP/get.err")" = 1 ] || nk_fail "not one line on stderr"

# 3. --insecure takes the self-signed one (and the wrong name).
start self
get "https-get --insecure, self-signed" 0 --insecure \
	"https://localhost:$NK_PORT/hello.txt"
nk_expect "insecure stdout" "$NK_TMP/get.out" "$ok_response"
nk_expect "insecure stderr" "$NK_TMP/get.err" ""
kill "$srv"
nk_reap "$srv" || true
srv=""

# 4. A response cut short: Python's ssl closes without close_notify.
cat >"$NK_TMP/cut.py" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + "/server.pem", sys.argv[2] + "/server.key")
s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True)
req = b""
while b"\r\n\r\n" not in req:
    req += t.recv(4096)
t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
t.close()                    # no unwrap(): no close_notify
PY
nk_start_server cut "$NK_PY" "$NK_TMP/cut.py" @PORT@ "$C"
get "https-get, cut response" 1 --cafile "$C/ca.pem" \
	"https://localhost:$NK_PORT/"
nk_expect "cut stdout" "$NK_TMP/get.out" "$(printf 'HTTP/1.1 200 OK\r
Content-Length: 100\r
\r
half')"
nk_expect "cut stderr" "$NK_TMP/get.err" "https-get: localhost: response: TLS stream cut: the peer closed without close_notify
"
nk_reap "$NK_SPID" || true

# 5. A server that accepts and never answers: a timeout at --timeout
# (1 s), not before. The wait is measured here around the whole run.
nk_start_server mute "$NK_PY" -c '
import socket, sys, time
s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
c, _ = s.accept()
time.sleep(float(sys.argv[2]))
' @PORT@ "$NK_WAIT"
t0=$(date +%s%N)
get "https-get --timeout 1000, mute server" 1 --timeout 1000 \
	--cafile "$C/ca.pem" "https://127.0.0.1:$NK_PORT/"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 1000 ] || nk_fail "gave up after $ms ms, before 1000 ms"
echo "ok: gave up after $ms ms"
nk_expect "mute stdout" "$NK_TMP/get.out" ""
nk_expect "mute stderr" "$NK_TMP/get.err" \
	"https-get: 127.0.0.1: handshake: operation timed out
"

# 6. Bad command lines: status 2, the usage, no network.
for args in "" "http://localhost/" "https://" "https://h:65536/" \
	"https://h:x/" "--timeout x https://h/" "--bogus https://h/" \
	"https://h/ extra" "https://[::1/"; do
	eval "set -- $args"
	get "https-get $args" 2 "$@"
	grep -q '^usage: https-get ' "$NK_TMP/get.err" ||
		nk_fail "https-get $args: no usage message"
done
