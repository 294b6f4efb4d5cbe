#!/bin/bash
# SPDX-License-Identifier: MIT
# udp-receiver and udp-sender, with each other, Python's UDP sockets
# and nc -u (OpenBSD nc), on loopback. Proves: the receiver prints each
# datagram with its sender as Python prints the tuple (a 4-tuple for
# IPv6), with the sender's real port; the sender sends each line of its
# input, without the newline, as one datagram.
# Usage: udp.sh UDP_RECEIVER UDP_SENDER
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
receiver=$1
sender=$2
nk_need_python

# udp_bound PID PORT: does PID hold a UDP socket bound to PORT?
udp_bound()
{
	local hex ino fds

	hex=$(printf ':%04X' "$2")
	fds=$(ls -l "/proc/$1/fd" 2>/dev/null) || return 1
	for ino in $(cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		awk -v h="$hex" 'substr($2, length($2) - 4) == h { print $10 }'); do
		case "$fds" in *"socket:[$ino]"*) return 0 ;; esac
	done
	return 1
}

# free_udp_port IP: a UDP port free right now on IP (the kernel's pick).
free_udp_port()
{
	"$NK_PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# start_udp NAME IP CMD...: starts CMD (its port: @PORT@) and waits
# until it has bound the port.
start_udp()
{
	local name=$1 ip=$2 end arg
	local -a cmd=()

	shift 2
	NK_PORT=$(free_udp_port "$ip")
	for arg in "$@"; do cmd+=("${arg//@PORT@/$NK_PORT}"); done
	"${cmd[@]}" >"$NK_TMP/$name.out" 2>"$NK_TMP/$name.err" </dev/null &
	NK_SPID=$!
	NK_PIDS="$NK_PIDS $NK_SPID"
	end=$((SECONDS + NK_WAIT))
	until udp_bound "$NK_SPID" "$NK_PORT"; do
		nk_alive "$NK_SPID" || { cat "$NK_TMP/$name.err" >&2; nk_fail "$name exited"; }
		[ "$SECONDS" -lt "$end" ] || nk_fail "$name: not bound"
		sleep 0.05
	done
}

# wait_lines FILE N: until FILE has N lines, at most NK_WAIT s.
wait_lines()
{
	local end=$((SECONDS + NK_WAIT))

	until [ "$(wc -l <"$1")" -ge "$2" ]; do
		[ "$SECONDS" -lt "$end" ] || { cat "$1" >&2; nk_fail "$1: fewer than $2 lines"; }
		sleep 0.05
	done
}

# stop PID: ends a receiver we started (it runs until killed).
stop()
{
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# Python's sender, from a socket it bound: prints its port first.
PY_SEND='import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0)); print(s.getsockname()[1], flush=True)
for m in sys.argv[3:]: s.sendto(m.encode(), (sys.argv[1], int(sys.argv[2])))'

# 1. The C pair: one line, one datagram, from one port.
start_udp receiver 127.0.0.1 "${NK_C[@]}" "$receiver" 127.0.0.1 @PORT@
printf 'hello\nHow are you?\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$sender" 127.0.0.1 "$NK_PORT"
wait_lines "$NK_TMP/receiver.out" 2
first=$(head -n1 "$NK_TMP/receiver.out")
cport=${first#"('127.0.0.1', "}
cport=${cport%%)*}
case "$cport" in '' | *[!0-9]*) nk_fail "bad tuple: $first" ;; esac
nk_expect "C sender to C receiver" "$NK_TMP/receiver.out" "('127.0.0.1', $cport) hello
('127.0.0.1', $cport) How are you?
"
# 2. Python's sender: the tuple names Python's own port.
pyport=$(timeout "$NK_WAIT" "$NK_PY" -c "$PY_SEND" 127.0.0.1 "$NK_PORT" "from python")
wait_lines "$NK_TMP/receiver.out" 3
[ "$(sed -n 3p "$NK_TMP/receiver.out")" = "('127.0.0.1', $pyport) from python" ] ||
	nk_fail "python's datagram: $(sed -n 3p "$NK_TMP/receiver.out")"
echo "ok: python sender from port $pyport"
# 3. nc -u: its line, newline not doubled.
if command -v nc >/dev/null 2>&1; then
	echo "from nc" | timeout "$NK_WAIT" nc -u -w1 -q0 127.0.0.1 "$NK_PORT" || true
	wait_lines "$NK_TMP/receiver.out" 4
	sed -n 4p "$NK_TMP/receiver.out" | grep -qxE "\('127\.0\.0\.1', [0-9]+\) from nc" ||
		nk_fail "nc's datagram: $(sed -n 4p "$NK_TMP/receiver.out")"
	echo "ok: nc -u sender"
fi
stop "$NK_SPID"

# 4. The C sender to Python's receiver: two datagrams, no newlines.
"$NK_PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); s.settimeout(float(sys.argv[1]))
print(s.getsockname()[1], flush=True)
for _ in range(2):
	data, addr = s.recvfrom(100); print(repr(data), flush=True)' "$NK_WAIT" \
	>"$NK_TMP/py.out" &
pypid=$!
NK_PIDS="$NK_PIDS $pypid"
wait_lines "$NK_TMP/py.out" 1
printf 'hello\nHow are you?\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$sender" 127.0.0.1 "$(head -n1 "$NK_TMP/py.out")"
nk_reap "$pypid" || nk_fail "python receiver failed"
[ "$(tail -n +2 "$NK_TMP/py.out")" = "b'hello'
b'How are you?'" ] || nk_fail "python received: $(cat "$NK_TMP/py.out")"
echo "ok: python receiver got both datagrams"

# 5. The C sender to nc -u -l.
if command -v nc >/dev/null 2>&1; then
	start_udp nc 127.0.0.1 nc -u -l 127.0.0.1 @PORT@
	printf 'hello\nHow are you?\n' |
		timeout "$NK_WAIT" "${NK_C[@]}" "$sender" 127.0.0.1 "$NK_PORT"
	end=$((SECONDS + NK_WAIT))
	until [ "$(cat "$NK_TMP/nc.out")" = "helloHow are you?" ]; do
		[ "$SECONDS" -lt "$end" ] || nk_fail "nc got: $(cat "$NK_TMP/nc.out")"
		sleep 0.05
	done
	echo "ok: nc -u -l got both datagrams"
	stop "$NK_SPID"
fi

# 6. IPv6: Python's 4-tuple.
if nk_have_ipv6; then
	start_udp receiver6 ::1 "${NK_C[@]}" "$receiver" ::1 @PORT@
	pyport=$(timeout "$NK_WAIT" "$NK_PY" -c "$PY_SEND" ::1 "$NK_PORT" "over v6")
	wait_lines "$NK_TMP/receiver6.out" 1
	nk_expect "IPv6 tuple" "$NK_TMP/receiver6.out" "('::1', $pyport, 0, 0) over v6
"
	stop "$NK_SPID"
fi
