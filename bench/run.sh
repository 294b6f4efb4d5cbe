#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark and prints one table, measured in this run on
# this machine: medians and min-max over ROUNDS rounds, ratios to raw.
#   bash bench/run.sh [ROUNDS]     (default 5, at most 20)
# The echo servers run 3 x ROUNDS shorter rounds, all four in each round
# in an order that rotates: a ratio is the median of the rounds' own
# ratios, so that the machine's drift between rounds cancels out.
# Installs libuv1-dev, libevent-dev, valgrind and strace if missing
# (./run deps), builds build-rel (--buildtype=release), and talks to
# 127.0.0.1 only. Every process it starts is stopped by its PID; every
# run is bounded by a request count and a time cap. NETKIT_BENCH_FAST=1
# shrinks the counts (a smoke run, not figures).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
case $ROUNDS in [1-9]|1[0-9]|20) ;; *) echo "ROUNDS: 1..20" >&2; exit 2 ;; esac
B=build-rel
REQS=100000		# requests per load round
ECHO_ROUNDS=$((3 * ROUNDS))
CAP=60			# seconds, per load round
TRACE_REQS=100000	# requests under strace and callgrind
if [ -n "${NETKIT_BENCH_FAST:-}" ]; then
	REQS=20000; TRACE_REQS=20000; ECHO_ROUNDS=$ROUNDS
fi

./run deps libuv1-dev libevent-dev valgrind strace
[ -f $B/build.ninja ] || meson setup $B --buildtype=release >/dev/null
meson compile -C $B >/dev/null
ulimit -n 8192

OUT=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$OUT"
}
trap cleanup EXIT
SERVERS="epoll netkit uv event"

# start_server NAME [WRAPPER...]: starts it, sets SPID and PORT.
start_server() {
	local name=$1 i
	shift
	: >"$OUT/port"
	"$@" $B/bench/bench-echo-$name >"$OUT/port" 2>"$OUT/server.err" &
	SPID=$!
	PIDS+=("$SPID")
	for i in $(seq 300); do
		grep -q '^port' "$OUT/port" && break
		sleep 0.1
	done
	PORT=$(awk '/^port/ { print $2 }' "$OUT/port")
	[ -n "$PORT" ] || { echo "bench: $name did not start" >&2; exit 1; }
}

# stop_server: it exits by itself once its clients are gone; after
# 60 s it is killed (by its PID).
stop_server() {
	local i
	for i in $(seq 600); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$SPID" 2>/dev/null && echo "bench: killed $SPID" >&2
	wait "$SPID" || true
}

# load NAME CONNS REQS CAP [WRAPPER...]: one server, one loadgen run;
# prints the loadgen's line.
load() {
	local name=$1 conns=$2 reqs=$3 cap=$4
	shift 4
	start_server "$name" "$@"
	$B/bench/bench-loadgen "$PORT" "$conns" "$reqs" "$cap" || true
	stop_server
}

R="$OUT/results"
echo "bench: ping-pong, bulk, cycles, replies ($ROUNDS rounds)" >&2
for r in $(seq "$ROUNDS"); do
	$B/bench/bench-pingpong 1 rn 2>/dev/null |
		awk '/raw send/ { print "pingpong raw", 1e9 / $(NF-3) }
		     /netkit_send/ { print "pingpong netkit", 1e9 / $(NF-3) }'
done >>"$R"
$B/bench/bench-blocking bulk "$ROUNDS" >>"$R"
$B/bench/bench-blocking cycles "$ROUNDS" >>"$R"
$B/bench/bench-reply "$ROUNDS" >>"$R"
# System calls per header+body reply, both ends (20000 requests).
for m in two iov; do
	strace -c -f -o "$OUT/strace.reply.$m" $B/bench/bench-reply 1 "${m:0:1}" >/dev/null
	awk -v k="replycalls $m" '$NF == "total" { print k, $4 / 20000 }' \
		"$OUT/strace.reply.$m" >>"$R"
done

# rotate N WORDS...: the words, starting from the (N mod count)-th.
rotate() {
	local n=$1
	shift
	local w=("$@") i
	for i in "${!w[@]}"; do
		echo "${w[$(( (i + n) % ${#w[@]} ))]}"
	done
}

for conns in 256 1000; do
	echo "bench: echo servers, $conns clients ($ECHO_ROUNDS rounds)" >&2
	for r in $(seq "$ECHO_ROUNDS"); do
		for s in $(rotate "$r" $SERVERS); do
			load "$s" "$conns" "$REQS" "$CAP" |
				awk -v k="echo$conns $s" -v r="$r" '{ print k, $NF, r }'
		done
	done >>"$R"
done

echo "bench: system calls and instructions ($TRACE_REQS requests)" >&2
for s in $SERVERS; do
	load "$s" 256 "$TRACE_REQS" 600 strace -c -f -o "$OUT/strace.$s" >/dev/null
	awk -v k="syscalls $s" -v n="$TRACE_REQS" \
		'$NF == "total" { print k, $4 / n }' "$OUT/strace.$s" >>"$R"
	load "$s" 256 "$TRACE_REQS" 600 valgrind --tool=callgrind \
		--callgrind-out-file="$OUT/cg.$s" >/dev/null
	awk -v k="instructions $s" -v n="$TRACE_REQS" \
		'/^summary:/ { print k, $2 / n }' "$OUT/cg.$s" >>"$R"
done

python3 bench/table.py "$R" "$ROUNDS" "$REQS" "$TRACE_REQS" "$ECHO_ROUNDS"
