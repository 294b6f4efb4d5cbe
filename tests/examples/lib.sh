# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034
# Shared by the examples' interop tests; sourced by each test script,
# which runs under `set -eu`.
#
# Every test runs its programs on loopback only (127.0.0.1 or ::1), on a
# port picked at run time, and bounds every wait. A port is picked below
# the kernel's ephemeral range (where port-0 binds and outgoing
# connections land), checked free in /proc/net/tcp*, and picked again if
# the server still finds it taken ("address already in use").
#
# The C programs are started as "${NK_C[@]}" PROGRAM ARGS: plain, or under
# valgrind's memcheck when run.sh found the test under memcheck (the
# valgrind test setup), with that setup's options; then any error or leak
# makes the program exit with status 3.
#
# Helpers set NK_PORT (the server's port) and NK_SPID (its pid); files go
# to $NK_TMP, removed on exit together with any server still running.

NK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NK_TMP=""
NK_PIDS=""
NK_PORT=""
NK_SPID=""
# Seconds any single step may take; the valgrind setup sets
# CK_TIMEOUT_MULTIPLIER, and everything is slower under it.
NK_WAIT=$((20 * ${CK_TIMEOUT_MULTIPLIER:-1}))
if [ -n "${NK_MEMCHECK:-}" ]; then
	# shellcheck disable=SC2054 # the commas belong to the options
	NK_C=(valgrind --error-exitcode=3 --leak-check=full
		--show-leak-kinds=definite,indirect,possible
		--errors-for-leak-kinds=definite,indirect,possible --quiet)
	echo "note: the C programs run under valgrind memcheck"
else
	NK_C=(env)
fi

nk_cleanup()
{
	local pid

	for pid in $NK_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -n "$NK_TMP" ]; then
		rm -rf "$NK_TMP"
	fi
}
trap nk_cleanup EXIT
trap 'exit 143' TERM INT HUP
NK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nk-examples.XXXXXX")

nk_skip()
{
	echo "SKIP: $*"
	exit 77
}

nk_fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

# nk_need_python: skip without python3; sets NK_PY to the interpreter
# itself (not a wrapper such as a pyenv shim).
nk_need_python()
{
	command -v python3 >/dev/null 2>&1 || nk_skip "python3 not found"
	NK_PY=$(python3 -c 'import sys; print(sys.executable)') ||
		nk_skip "python3 does not run"
}

# nk_have_ipv6: is ::1 configured?
nk_have_ipv6()
{
	grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
}

# nk_port_used PORT: is any TCP socket (any state) on PORT here?
nk_port_used()
{
	local hex

	hex=$(printf ':%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v h="$hex" 'substr($2, length($2) - 4) == h { f = 1 }
			END { exit !f }'
}

# nk_pick_port: prints a port that no socket uses right now.
nk_pick_port()
{
	local lo=32768 port i

	if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
		read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	fi
	[ "$lo" -gt 11024 ] || lo=61024
	for i in $(seq 1 100); do
		port=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
		if ! nk_port_used "$port"; then
			echo "$port"
			return 0
		fi
	done
	nk_fail "no free port found"
}

# nk_alive PID: is PID running (not a zombie)?
nk_alive()
{
	local st

	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# nk_listening PID PORT: does PID hold a socket listening on PORT?
nk_listening()
{
	local hex ino fds

	hex=$(printf ':%04X' "$2")
	fds=$(ls -l "/proc/$1/fd" 2>/dev/null) || return 1
	for ino in $(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v h="$hex" '$4 == "0A" &&
			substr($2, length($2) - 4) == h { print $10 }'); do
		case "$fds" in
		*"socket:[$ino]"*) return 0 ;;
		esac
	done
	return 1
}

# nk_start_server NAME CMD...: starts CMD in the background with every
# "@PORT@" in its arguments replaced by a free port, stdout and stderr
# in $NK_TMP/NAME.out and NAME.err, standard input from $NK_STDIN (or
# /dev/null), and waits until it listens.
nk_start_server()
{
	local name=$1 arg end
	local -a cmd

	shift
	for _ in 1 2 3 4 5; do
		NK_PORT=$(nk_pick_port)
		cmd=()
		for arg in "$@"; do
			cmd+=("${arg//@PORT@/$NK_PORT}")
		done
		"${cmd[@]}" >"$NK_TMP/$name.out" 2>"$NK_TMP/$name.err" \
			<"${NK_STDIN:-/dev/null}" &
		NK_SPID=$!
		NK_PIDS="$NK_PIDS $NK_SPID"
		end=$((SECONDS + NK_WAIT))
		while nk_alive "$NK_SPID"; do
			if nk_listening "$NK_SPID" "$NK_PORT"; then
				return 0
			fi
			[ "$SECONDS" -lt "$end" ] ||
				nk_fail "$name: not listening after ${NK_WAIT}s"
			sleep 0.05
		done
		nk_reap "$NK_SPID" || true
		if ! grep -qi 'address already in use' "$NK_TMP/$name.err"
		then
			cat "$NK_TMP/$name.err" >&2
			nk_fail "$name: exited before listening"
		fi
	done
	nk_fail "$name: every port tried was in use"
}

# nk_reap PID: waits (bounded) for PID to exit; returns its status.
nk_reap()
{
	local pid=$1 end=$((SECONDS + NK_WAIT)) rc=0 p rest=""

	while nk_alive "$pid"; do
		if [ "$SECONDS" -ge "$end" ]; then
			kill "$pid" 2>/dev/null || true
			nk_fail "process $pid still running after ${NK_WAIT}s"
		fi
		sleep 0.05
	done
	wait "$pid" || rc=$?
	for p in $NK_PIDS; do
		[ "$p" = "$pid" ] || rest="$rest $p"
	done
	NK_PIDS=$rest
	return "$rc"
}

# nk_expect WHAT FILE TEXT: FILE must hold exactly TEXT (byte for byte).
nk_expect()
{
	printf '%s' "$3" >"$NK_TMP/expected"
	if ! cmp -s "$NK_TMP/expected" "$2"; then
		echo "$1: expected:" >&2
		cat -A "$NK_TMP/expected" >&2
		echo >&2
		echo "$1: got (cat -A: \$ ends a line):" >&2
		cat -A "$2" >&2
		echo >&2
		nk_fail "$1: output differs"
	fi
	echo "ok: $1"
}

# nk_expect_status WHAT GOT WANT
nk_expect_status()
{
	[ "$2" = "$3" ] || nk_fail "$1: exit status $2, expected $3"
	echo "ok: $1 exited with $2"
}

# nk_echo_server_check NAME IP PORT: checks the echo server's output in
# $NK_TMP/NAME.out against the tutorial's, for the client lines "hello"
# and "How are you?". The client's port and the descriptor number vary:
# the port is read from the first "Connect from" line, which must be
# Python's tuple ('IP', digits) (a 4-tuple for IPv6), then both are
# replaced by fixed words before comparing every byte.
nk_echo_server_check()
{
	local name=$1 ip=$2 port=$3 v6="" family=2 first cport ip_re

	ip_re=${ip//./\\.}
	if [ "${ip#*:}" != "$ip" ]; then
		v6=", 0, 0"
		family=10
	fi
	first=$(sed -n 2p "$NK_TMP/$name.out")
	case "$first" in
	"Connect from ('$ip', "*"$v6)") ;;
	*) nk_fail "$name: bad first Connect from line: $first" ;;
	esac
	cport=${first#"Connect from ('$ip', "}
	cport=${cport%"$v6)"}
	case "$cport" in
	'' | *[!0-9]*) nk_fail "$name: client port not digits: $cport" ;;
	esac
	# Python before 3.11 prints the enum names instead of the numbers.
	sed -E -e 's/ fd=[0-9]+,/ fd=N,/' \
		-e 's/family=AddressFamily\.AF_INET6,/family=10,/' \
		-e 's/family=AddressFamily\.AF_INET,/family=2,/' \
		-e 's/type=SocketKind\.SOCK_STREAM,/type=1,/' \
		-e "s/'$ip_re', $cport([,)])/'$ip', CPORT\\1/g" \
		"$NK_TMP/$name.out" >"$NK_TMP/$name.norm"
	nk_expect "$name stdout" "$NK_TMP/$name.norm" "waiting for connect....
Connect from ('$ip', CPORT$v6)
Connect from <socket.socket fd=N, family=$family, type=1, proto=0, laddr=('$ip', $port$v6), raddr=('$ip', CPORT$v6)>
Receive hello
send 20
Receive How are you?
send 20
"
}

# nk_make_certs: makes the TLS test certificates in $NK_TMP/certs (skips
# the test without the openssl command), as tests/test-tls.c does: a
# test CA (ca.pem); server.pem for localhost and 127.0.0.1 from it;
# wrong.pem for wrong.example from it; untrusted.pem from another CA;
# self.pem, self-signed; expired.pem, from the CA, valid in January 2020
# only. Each NAME.pem has its key in NAME.key. Sets NK_CERTS.
nk_make_certs()
{
	local k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
	local o=openssl

	command -v openssl >/dev/null 2>&1 || nk_skip "openssl not found"
	NK_CERTS=$NK_TMP/certs
	mkdir "$NK_CERTS"
	# shellcheck disable=SC2086 # $k is several options
	(
	set -e
	cd "$NK_CERTS"
	leaf()
	{
		$o req $k -keyout "$1.key" -out "$1.csr" -subj "/CN=$1"
		printf 'subjectAltName=%s\n' "$3" >"$1.ext"
		$o x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
			-CAcreateserial -out "$1.pem" -days 365 -extfile "$1.ext"
	}
	$o req -x509 $k -keyout ca.key -out ca.pem -days 3650 \
		-subj /CN=netkit-test-ca
	$o req -x509 $k -keyout other-ca.key -out other-ca.pem -days 3650 \
		-subj /CN=netkit-other-ca
	leaf server ca DNS:localhost,IP:127.0.0.1
	leaf wrong ca DNS:wrong.example
	leaf untrusted other-ca DNS:localhost,IP:127.0.0.1
	$o req -x509 $k -keyout self.key -out self.pem -days 365 \
		-subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1
	$o req $k -keyout expired.key -out expired.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >expired.ext
	: >index.txt
	echo 01 >serial
	printf '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n' >ca.cnf
	$o ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key \
		-in expired.csr -out expired.pem -startdate 20200101000000Z \
		-enddate 20200201000000Z -extfile expired.ext
	) >"$NK_TMP/certs.log" 2>&1 || {
		cat "$NK_TMP/certs.log" >&2
		nk_fail "making the test certificates failed"
	}
}
