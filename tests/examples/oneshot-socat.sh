#!/bin/bash
# SPDX-License-Identifier: MIT
# The C one-shot server and socat.
# Proves: as oneshot-nc.sh, with another standard tool, over IPv4 and
# (where ::1 exists) IPv6.
# Usage: oneshot-socat.sh ONESHOT_SERVER ECHO_SERVER CLIENT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
oneshot=$1
command -v socat >/dev/null 2>&1 || nk_skip "socat not found"

run()
{
	local ip=$1 target=$2 rc=0 src=0

	nk_start_server server "${NK_C[@]}" "$oneshot" "$ip" @PORT@
	# -t: after our end of input, wait up to that long for the reply;
	# socat stops as soon as the server closes.
	printf 'hello from socat' |
		timeout "$NK_WAIT" socat -t "$NK_WAIT" - \
			"$target:$NK_PORT" \
			>"$NK_TMP/socat.out" 2>"$NK_TMP/socat.err" || rc=$?
	nk_expect_status "socat ($ip)" "$rc" 0
	nk_reap "$NK_SPID" || src=$?
	nk_expect_status "server ($ip)" "$src" 0
	nk_expect "socat stdout ($ip)" "$NK_TMP/socat.out" \
		"Hello, I'm the server"
	nk_expect "server stdout ($ip)" "$NK_TMP/server.out" \
		"hello from socat
"
	nk_expect "server stderr ($ip)" "$NK_TMP/server.err" ""
}

run 127.0.0.1 TCP4:127.0.0.1
if nk_have_ipv6; then
	run ::1 'TCP6:[::1]'
else
	echo "note: ::1 is not configured, IPv6 part not run"
fi
