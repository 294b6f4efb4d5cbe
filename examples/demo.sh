#!/bin/bash
# SPDX-License-Identifier: MIT
# The tutorial, live: start the echo server on loopback, drive the client
# against it with a few lines, and show what each side printed.
#
#   examples/demo.sh [BUILD_DIR]        (default ./build)
#
# Only 127.0.0.1 is used, on a free port picked here. Exits non-zero if
# either program fails or prints something other than the tutorial's
# exchange would.
set -eu

build=${1:-./build}
server=$build/examples/tcp-echo-server
client=$build/examples/tcp-client
wait_s=20
tmp=$(mktemp -d "${TMPDIR:-/tmp}/netkit-demo.XXXXXX")
spid=""

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	# Stop the server this script started, if it is still there.
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

for prog in "$server" "$client"; do
	if [ ! -x "$prog" ]; then
		echo "demo: $prog not found; build first:" \
			"meson setup $build && meson compile -C $build" >&2
		exit 1
	fi
done

# A port no socket uses now, below the kernel's ephemeral range.
pick_port()
{
	local lo=32768 port hex

	if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
		read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	fi
	[ "$lo" -gt 11024 ] || lo=61024
	while :; do
		port=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
		hex=$(printf ':%04X' "$port")
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			awk -v h="$hex" 'substr($2, length($2) - 4) == h \
				{ f = 1 } END { exit !f }'; then
			echo "$port"
			return
		fi
	done
}

# Start the server; it prints its first line once it listens. Should
# another program take the port meanwhile, try another.
for _ in 1 2 3 4 5; do
	port=$(pick_port)
	: >"$tmp/server.out"
	"$server" 127.0.0.1 "$port" >"$tmp/server.out" 2>"$tmp/server.err" \
		</dev/null &
	spid=$!
	end=$((SECONDS + wait_s))
	while ! grep -q '^waiting for connect' "$tmp/server.out" &&
		kill -0 "$spid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.05
	done
	if grep -q '^waiting for connect' "$tmp/server.out"; then
		break
	fi
	if kill -0 "$spid" 2>/dev/null; then
		echo "demo: the server did not start within ${wait_s}s" >&2
		exit 1
	fi
	wait "$spid" || true
	spid=""
	grep -qi 'address already in use' "$tmp/server.err" || break
done
if [ -z "$spid" ]; then
	echo "demo: the server failed to start:" >&2
	cat "$tmp/server.err" >&2
	exit 1
fi

echo "=== netkit demo: tcp-echo-server 127.0.0.1 $port," \
	"tcp-client 127.0.0.1 $port ==="
echo "(the client types: \"hello\", \"How are you?\", then an empty line)"
crc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$wait_s" "$client" 127.0.0.1 "$port" \
		>"$tmp/client.out" 2>"$tmp/client.err" || crc=$?

# The server ends once the client has gone; give it a bounded time.
end=$((SECONDS + wait_s))
while kill -0 "$spid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
	# A zombie (exited, not yet reaped) counts as ended.
	case "$(cat "/proc/$spid/stat" 2>/dev/null)" in
	*") Z "*) break ;;
	esac
	sleep 0.05
done
srv_rc=0
if kill -0 "$spid" 2>/dev/null && ! grep -q ') Z ' "/proc/$spid/stat"
then
	echo "demo: the server did not finish within ${wait_s}s" >&2
	srv_rc=124
else
	wait "$spid" || srv_rc=$?
	spid=""
fi

echo "--- server ---"
cat "$tmp/server.out" "$tmp/server.err"
echo "--- client ---"
cat "$tmp/client.out" "$tmp/client.err"
echo
echo "--------------"

status=0
if [ "$srv_rc" -ne 0 ]; then
	echo "demo: the server failed (status $srv_rc)" >&2
	status=1
fi
if [ "$crc" -ne 0 ]; then
	echo "demo: the client failed (status $crc)" >&2
	status=1
fi
expect='Msg>>Receive your message
Msg>>Receive your message
Msg>>'
if [ "$(cat "$tmp/client.out")" != "$expect" ] ||
	[ "$(sed -n '$p' "$tmp/server.out")" != "send 20" ]; then
	echo "demo: the exchange differs from the tutorial's" >&2
	status=1
fi
if [ "$status" -eq 0 ]; then
	echo "demo: OK"
fi
exit "$status"
