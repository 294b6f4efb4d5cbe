#!/bin/bash
# SPDX-License-Identifier: MIT
# file-server and file-client over a path with real faults (issue 17),
# between two network namespaces the test makes: the client's (the
# script re-runs itself under `unshare -n`) and the server's (a holder
# process's, `unshare -n sleep`), joined by a veth pair, 10.77.0.1 (the
# client) and 10.77.0.2 (the server). Both die with the test. Each MODE
# proves one thing:
#   kill    the server killed mid-transfer: the client exits 1 saying
#           how much arrived; run again once the server is back, it
#           fetches the rest and the file is whole (cmp, CRC-32);
#   slow    a path limited by tbf, on which the whole file takes more
#           than twice the stall time: it completes;
#   silent  the path goes silent mid-transfer (an nftables drop rule):
#           both sides give up no earlier than the stall time and not
#           much later, and say how many bytes moved;
#   loss    3 % of packets dropped at random (nftables numgen): the file
#           arrives whole.
# Where the kernel or the system lacks a facility (namespaces, veth,
# tbf, nftables), the test is skipped (exit 77) with the reason.
# Usage: file-faults.sh FILE_SERVER FILE_CLIENT MODE
set -eu
if [ -z "${NK_FAULTS_NETNS:-}" ]; then
	if ! unshare -n true 2>/dev/null; then
		echo "SKIP: cannot make a network namespace (unshare -n)"
		exit 77
	fi
	NK_FAULTS_NETNS=1 exec unshare -n bash "$0" "$@"
fi
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
server=$1
client=$2
mode=$3
stall=1.5
port=9999
command -v ip >/dev/null 2>&1 || nk_skip "ip (iproute2) not found"
command -v nsenter >/dev/null 2>&1 || nk_skip "nsenter not found"

# The server's namespace: a holder process that unshared it.
unshare -n sleep 600 &
holder=$!
NK_PIDS="$NK_PIDS $holder"
for _ in $(seq 1 100); do
	[ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
		break
	sleep 0.02
done
in_srv() { nsenter -t "$holder" -n "$@"; }
ip link set lo up
ip link add nkc type veth peer name nks netns "$holder" 2>/dev/null ||
	nk_skip "cannot make a veth pair"
ip addr add 10.77.0.1/24 dev nkc
ip link set nkc up
in_srv ip link set lo up
in_srv ip addr add 10.77.0.2/24 dev nks
in_srv ip link set nks up
# Small socket buffers on both sides (each namespace has its own), so
# that what the kernel holds is small beside the file: a server killed
# mid-way cuts it, a stopped path stops both sides at once.
# Written to /proc/sys directly (a namespace's own net.* values): a
# fresh machine may have no sysctl(8), and without these the kernel's
# buffers hold so much that the timings below mean nothing: skip then.
in_srv sh -c 'echo "4096 16384 65536" >/proc/sys/net/ipv4/tcp_wmem' ||
	nk_skip "cannot set the server namespace's tcp_wmem"
echo "4096 65536 131072" >/proc/sys/net/ipv4/tcp_rmem ||
	nk_skip "cannot set the client namespace's tcp_rmem"

# rate RATE: tbf on the server's side of the path.
rate()
{
	in_srv tc qdisc add dev nks root tbf rate "$1" burst 16kb \
		latency 200ms 2>"$NK_TMP/tc.err" ||
		nk_skip "tc qdisc tbf: $(cat "$NK_TMP/tc.err")"
}

# nft_table: a filter table on the client's side (rules added later).
nft_table()
{
	command -v nft >/dev/null 2>&1 || nk_skip "nft (nftables) not found"
	nft -f - 2>"$NK_TMP/nft.err" <<-'EOF' ||
	table inet nkfaults {
		chain in { type filter hook input priority 0; }
		chain out { type filter hook output priority 0; }
	}
	EOF
		nk_skip "nftables: $(cat "$NK_TMP/nft.err")"
}

# make_file MIB: the file to serve; sets size and want_crc.
make_file()
{
	size=$(($1 * 1048576))
	head -c "$size" /dev/urandom >"$NK_TMP/data"
	want_crc=$(cksum -a crc32b "$NK_TMP/data" 2>/dev/null | awk '{print $1}') ||
		true
	if [ -z "$want_crc" ] && command -v python3 >/dev/null 2>&1; then
		want_crc=$(python3 -c 'import sys, zlib
print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$NK_TMP/data")
	fi
}

# start_server: the server in its namespace, waiting until it listens.
start_server()
{
	: >"$NK_TMP/server.out"
	# nsenter itself (not a function) in the background: $! is then
	# the server's pid, as nsenter and env exec it.
	nsenter -t "$holder" -n "${NK_C[@]}" "$server" --stall "$stall" \
		"$NK_TMP/data" 10.77.0.2 "$port" >>"$NK_TMP/server.out" \
		2>>"$NK_TMP/server.err" &
	NK_SPID=$!
	NK_PIDS="$NK_PIDS $NK_SPID"
	for _ in $(seq 1 $((NK_WAIT * 20))); do
		grep -q '^serving' "$NK_TMP/server.out" && return 0
		nk_alive "$NK_SPID" || break
		sleep 0.05
	done
	cat "$NK_TMP/server.err" >&2
	nk_fail "the server did not start"
}

# run_client OUT: the client, in the foreground; sets rc.
run_client()
{
	rc=0
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" --stall "$stall" "$1" \
		10.77.0.2 "$port" >"$NK_TMP/client.out" \
		2>"$NK_TMP/client.err" || rc=$?
}

# whole OUT: OUT is the file, and the client said so.
whole()
{
	cmp "$NK_TMP/data" "$1" || nk_fail "$mode: bytes differ"
	grep -q "^received $size bytes, crc32 ${want_crc:-}" \
		"$NK_TMP/client.out" ||
		{ cat "$NK_TMP/client.out" "$NK_TMP/client.err" >&2;
		  nk_fail "$mode: client printed no size and crc32"; }
	echo "ok: $mode: $(cat "$NK_TMP/client.out")"
}

# wait_bytes FILE N: until FILE holds N bytes or more.
wait_bytes()
{
	for _ in $(seq 1 $((NK_WAIT * 50))); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.02
	done
	nk_fail "$mode: $1 never reached $2 bytes"
}

now() { date +%s.%N; }
# calc EXPR: prints it; is EXPR: true when it holds (awk's arithmetic).
calc() { awk "BEGIN { print $* }"; }
is() { awk "BEGIN { exit !($*) }"; }

case $mode in
kill)
	rate 8mbit
	make_file 2
	start_server
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" --stall "$stall" \
		"$NK_TMP/out" 10.77.0.2 "$port" >"$NK_TMP/client.out" \
		2>"$NK_TMP/client.err" &
	cpid=$!
	wait_bytes "$NK_TMP/out" 262144
	kill -KILL "$NK_SPID"
	wait "$NK_SPID" 2>/dev/null || true
	rc=0
	wait "$cpid" || rc=$?
	cat "$NK_TMP/client.err"
	nk_expect_status "client after the kill" "$rc" 1
	have=$(stat -c %s "$NK_TMP/out")
	[ "$have" -lt "$size" ] || nk_fail "the kill cut nothing"
	grep -q "^file-client: received $have of $size bytes" \
		"$NK_TMP/client.err" || nk_fail "the client did not say $have of $size"
	start_server
	run_client "$NK_TMP/out"
	nk_expect_status "client resuming" "$rc" 0
	whole "$NK_TMP/out"
	grep -q "^sent $((size - have)) bytes to 10.77.0.1:" "$NK_TMP/server.out" ||
		{ cat "$NK_TMP/server.out" >&2; nk_fail "no resumed send"; }
	echo "ok: resumed from $have: the server sent the other $((size - have))"
	;;
slow)
	# 1 MiB at 2 Mbit/s: over 4 s, more than twice the stall time.
	rate 2mbit
	make_file 1
	start_server
	t0=$(now)
	run_client "$NK_TMP/out"
	took=$(calc "$(now) - $t0")
	cat "$NK_TMP/client.err"
	nk_expect_status "client on the slow path" "$rc" 0
	whole "$NK_TMP/out"
	is "$took > 2 * $stall" ||
		nk_fail "the slow path took only $took s"
	echo "ok: $took s in all, with a stall limit of $stall s"
	;;
silent)
	nft_table
	rate 4mbit
	make_file 2
	start_server
	# Lateness is a measurement: a late try runs again, up to 3 times;
	# an early one fails at once.
	slack=$(calc "0.5 * ${CK_TIMEOUT_MULTIPLIER:-1}")
	for try in 1 2 3; do
		nft flush chain inet nkfaults in
		nft flush chain inet nkfaults out
		rm -f "$NK_TMP/out"
		: >"$NK_TMP/server.err"
		timeout "$NK_WAIT" "${NK_C[@]}" "$client" --stall "$stall" \
			"$NK_TMP/out" 10.77.0.2 "$port" >"$NK_TMP/client.out" \
			2>"$NK_TMP/client.err" &
		cpid=$!
		wait_bytes "$NK_TMP/out" 262144
		t0=$(now)
		nft -f - <<-'EOF'
		add rule inet nkfaults in ip saddr 10.77.0.2 drop
		add rule inet nkfaults out ip daddr 10.77.0.2 drop
		EOF
		t1=$(now)
		tc_end="" ts_end=""
		for _ in $(seq 1 $((NK_WAIT * 50))); do
			[ -n "$tc_end" ] || nk_alive "$cpid" || tc_end=$(now)
			[ -n "$ts_end" ] || [ ! -s "$NK_TMP/server.err" ] ||
				ts_end=$(now)
			[ -z "$tc_end" ] || [ -z "$ts_end" ] || break
			sleep 0.02
		done
		rc=0
		wait "$cpid" || rc=$?
		cat "$NK_TMP/client.err" "$NK_TMP/server.err"
		nk_expect_status "client on the silent path" "$rc" 1
		[ -n "$ts_end" ] || nk_fail "the server did not give up"
		have=$(stat -c %s "$NK_TMP/out")
		grep -q "^file-client: received $have of $size bytes (stalled" \
			"$NK_TMP/client.err" || nk_fail "client: no count"
		sent=$(sed -n 's/.*: sent \([0-9]*\) of .*/\1/p' "$NK_TMP/server.err")
		[ -n "$sent" ] && [ "$sent" -ge "$have" ] && [ "$sent" -lt "$size" ] ||
			nk_fail "server: sent '$sent', the client has $have"
		grep -q "stalled" "$NK_TMP/server.err" ||
			nk_fail "server: not a stall"
		late=yes
		for end in "$tc_end" "$ts_end"; do
			# Bytes moved until the rule was in (t1), and at least
			# until just before nft ran (t0; the path was busy:
			# 0.1 s allowed for its gaps). Giving up before the
			# stall time after t0 is early; after t1, late.
			took=$(calc "$end - $t0")
			is "$took >= $stall - 0.1" ||
				nk_fail "gave up $took s after the path went silent, before the stall time $stall s"
			is "$end - $t1 <= $stall + $slack" || late=""
			echo "try $try: gave up $took s after nft began, $(calc "$end - $t1") s after it ended"
		done
		[ -z "$late" ] || break
		[ "$try" -lt 3 ] || nk_fail "late in every try (stall $stall s, slack $slack s)"
	done
	echo "ok: both gave up within the stall time and $slack s, the client with $have bytes, the server after $sent"
	;;
loss)
	# Completion, not timing, is the point here: a SYN lost twice
	# alone waits 3 s for its retransmissions (1 s, then 2 s), past
	# the 1.5 s the other modes measure against.
	stall=15
	nft_table
	# tbf also cuts the veth's large (GSO) packets to the MTU, so that
	# 3 % of a few thousand packets go rather than of a few dozen.
	rate 40mbit
	nft add rule inet nkfaults in meta l4proto tcp numgen random mod 100 \
		'<' 3 counter drop
	nft add rule inet nkfaults out meta l4proto tcp numgen random mod 100 \
		'<' 3 counter drop
	make_file 4
	start_server
	run_client "$NK_TMP/out"
	cat "$NK_TMP/client.err"
	nk_expect_status "client on the lossy path" "$rc" 0
	whole "$NK_TMP/out"
	echo "ok: dropped (in, out): $(nft list table inet nkfaults |
		grep -o 'packets [0-9]*' | tr '\n' ' ')"
	;;
*)
	nk_fail "unknown mode $mode"
	;;
esac
[ "$mode" = silent ] || nk_expect "server stderr" "$NK_TMP/server.err" ""
