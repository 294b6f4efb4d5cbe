#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark and prints one table, measured in this run on
# this machine: medians and min-max over ROUNDS rounds, ratios to raw.
#   bash bench/run.sh [ROUNDS]     (default 5, at most 20)
# The echo servers run 3 x ROUNDS shorter rounds, all five in each round
# in an order that rotates: a ratio is the median of the rounds' own
# ratios, so that the machine's drift between rounds cancels out. The
# HTTP servers (bench/http-*.c) do the same under wrk, 2 x ROUNDS rounds,
# and under `ab -k` for their system calls and instructions. TLS
# (bench/tls.c, when the library has it): netkit's against bare OpenSSL
# in turn in each round, connections/s and bulk MiB/s.
# Installs libuv1-dev, libevent-dev, valgrind, strace, wrk and
# apache2-utils (ab) if missing (./run deps), builds build-rel
# (--buildtype=release), and talks to 127.0.0.1 only. Every process it
# starts is stopped by its PID; every run is bounded by a request count
# or a duration, and a time cap. NETKIT_BENCH_FAST=1 shrinks the counts
# (a smoke run, not figures); NETKIT_BENCH_KEEP=DIR keeps the strace
# and callgrind outputs there (callgrind_annotate DIR/cg.http.loop).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
case $ROUNDS in [1-9]|1[0-9]|20) ;; *) echo "ROUNDS: 1..20" >&2; exit 2 ;; esac
B=build-rel
REQS=100000		# requests per load round
ECHO_ROUNDS=$((3 * ROUNDS))
CAP=60			# seconds, per load round
TRACE_REQS=100000	# requests under strace and callgrind
# Instructions per request are the difference between a callgrind run
# of TRACE_REQS requests and one of BASE_REQS, over the difference in
# requests: what a process costs once (the dynamic linker, a library's
# start-up, such as OpenSSL's in a build with TLS) is not a request's.
BASE_REQS=20000
HTTP_ROUNDS=$((2 * ROUNDS))
WRK_SECS=3		# seconds per wrk round
if [ -n "${NETKIT_BENCH_FAST:-}" ]; then
	REQS=20000; TRACE_REQS=20000; BASE_REQS=5000; ECHO_ROUNDS=$ROUNDS
	HTTP_ROUNDS=$ROUNDS; WRK_SECS=1
fi

./run deps libuv1-dev libevent-dev valgrind strace wrk apache2-utils libssl-dev
[ -f $B/build.ninja ] || meson setup $B --buildtype=release >/dev/null
meson compile -C $B >/dev/null
ulimit -n 8192

OUT=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "${NETKIT_BENCH_KEEP:-}" ]; then
		mkdir -p "$NETKIT_BENCH_KEEP"
		cp "$OUT"/strace.* "$OUT"/cg.* "$NETKIT_BENCH_KEEP"/ 2>/dev/null || true
	fi
	rm -rf "$OUT"
}
trap cleanup EXIT
SERVERS="epoll netkit loop uv event"
HTTP_SERVERS="epoll loop uv event"

# start_server PROG [WRAPPER...]: starts bench-PROG (echo-epoll...),
# sets SPID and PORT.
start_server() {
	local name=$1 i
	shift
	: >"$OUT/port"
	"$@" $B/bench/bench-$name >"$OUT/port" 2>"$OUT/server.err" &
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
	start_server "echo-$name" "$@"
	$B/bench/bench-loadgen "$PORT" "$conns" "$reqs" "$cap" || true
	stop_server
}

# wrk_round NAME: one HTTP server under wrk; prints its requests/s.
wrk_round() {
	start_server "http-$1"
	timeout $((WRK_SECS + 60)) wrk -t2 -c100 -d"${WRK_SECS}s" \
		"http://127.0.0.1:$PORT/" >"$OUT/wrk" 2>&1 || true
	stop_server
	grep -q 'Non-2xx' "$OUT/wrk" && echo "bench: http-$1: wrong answers" >&2
	awk '/^Requests\/sec:/ { print $2 }' "$OUT/wrk"
}

# ab_load NAME REQS [WRAPPER...]: one HTTP server under `ab -k -c 50`.
ab_load() {
	local name=$1 reqs=$2
	shift 2
	start_server "http-$name" "$@"
	timeout 600 ab -q -k -n "$reqs" -c 50 "http://127.0.0.1:$PORT/" \
		>"$OUT/ab" 2>&1 || true
	stop_server
	grep -Eq "^Complete requests: +$reqs\$" "$OUT/ab" &&
		grep -Eq '^Failed requests: +0$' "$OUT/ab" &&
		grep -Eq "^Keep-Alive requests: +$reqs\$" "$OUT/ab" ||
		echo "bench: http-$name: ab did not complete cleanly" >&2
}

# per_request KEY BIG SMALL: instructions per request from two
# callgrind outputs, of TRACE_REQS and BASE_REQS requests.
per_request() {
	awk -v k="$1" -v n=$((TRACE_REQS - BASE_REQS)) '
		/^summary:/ { s[FILENAME] = $2; f[++m] = FILENAME }
		END { print k, (s[f[1]] - s[f[2]]) / n }' "$2" "$3"
}

# calls KEY NAME FILE N: system calls per request from strace -c's FILE,
# in all ("syscalls") and by kind ("callmix").
calls() {
	awk -v k="$1" -v s="$2" -v n="$4" '
		$NF == "total" { print k, s, $4 / n }
		$NF != "total" && $4 ~ /^[0-9]+$/ {
			c = $NF
			if (c ~ /^(sendto|sendmsg|send|write|writev)$/) kind = "send"
			else if (c ~ /^(recvfrom|recvmsg|recv|read|readv)$/) kind = "recv"
			else if (c ~ /^(epoll_wait|epoll_pwait|epoll_pwait2|poll|ppoll)$/) kind = "wait"
			else kind = "other"
			m[kind] += $4
		}
		END { for (kind in m) print "callmix", k "." s "." kind, m[kind] / n }
	' "$3"
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

# TLS: a self-signed certificate for localhost (P-256), trusted as is.
if [ -x $B/bench/bench-tls ]; then
	echo "bench: TLS, netkit and bare OpenSSL ($ROUNDS rounds)" >&2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$OUT/tls.key" -out "$OUT/tls.pem" -days 2 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		>/dev/null 2>&1
	for m in conns bulk; do
		timeout 900 $B/bench/bench-tls $m "$OUT/tls.pem" \
			"$OUT/tls.key" "$ROUNDS" >>"$R" ||
			echo "bench: bench-tls $m failed" >&2
	done
fi

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

echo "bench: http servers under wrk -t2 -c100 ($HTTP_ROUNDS rounds of $WRK_SECS s)" >&2
for r in $(seq "$HTTP_ROUNDS"); do
	for s in $(rotate "$r" $HTTP_SERVERS); do
		wrk_round "$s" | awk -v k="http $s" -v r="$r" '{ print k, $1, r }'
	done
done >>"$R"

echo "bench: system calls and instructions ($TRACE_REQS requests)" >&2
for s in $SERVERS; do
	load "$s" 256 "$TRACE_REQS" 600 strace -c -f -o "$OUT/strace.echo.$s" >/dev/null
	calls syscalls "$s" "$OUT/strace.echo.$s" "$TRACE_REQS" >>"$R"
	load "$s" 256 "$TRACE_REQS" 600 valgrind --tool=callgrind \
		--callgrind-out-file="$OUT/cg.echo.$s" >/dev/null
	load "$s" 256 "$BASE_REQS" 600 valgrind --tool=callgrind \
		--callgrind-out-file="$OUT/cg0.echo.$s" >/dev/null
	per_request "instructions $s" "$OUT/cg.echo.$s" "$OUT/cg0.echo.$s" >>"$R"
done
echo "bench: http system calls and instructions (ab -k, $TRACE_REQS requests)" >&2
for s in $HTTP_SERVERS; do
	ab_load "$s" "$TRACE_REQS" strace -c -f -o "$OUT/strace.http.$s"
	calls httpcalls "$s" "$OUT/strace.http.$s" "$TRACE_REQS" >>"$R"
	ab_load "$s" "$TRACE_REQS" valgrind --tool=callgrind \
		--callgrind-out-file="$OUT/cg.http.$s"
	ab_load "$s" "$BASE_REQS" valgrind --tool=callgrind \
		--callgrind-out-file="$OUT/cg0.http.$s"
	per_request "httpinstr $s" "$OUT/cg.http.$s" "$OUT/cg0.http.$s" >>"$R"
done

python3 bench/table.py "$R" "$ROUNDS" "$REQS" "$TRACE_REQS" "$ECHO_ROUNDS" \
	"$BASE_REQS"
