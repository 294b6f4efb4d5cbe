#!/bin/bash
# SPDX-License-Identifier: MIT
# The C echo server and the C client on 127.0.0.1, or on IP if given (::1).
# Proves: the tutorial's exchange byte for byte on both sides, the peer
# printed as Python's tuple (('::1', port, 0, 0) over IPv6), the "Bey"
# path taken silently, both exit 0.
# Usage: echo-c-c.sh ONESHOT_SERVER ECHO_SERVER CLIENT [IP]
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
echo_server=$2 client=$3 ip=${4:-127.0.0.1}
if [ "$ip" = ::1 ] && ! nk_have_ipv6; then
	nk_skip "::1 is not configured"
fi

nk_start_server server "${NK_C[@]}" "$echo_server" "$ip" @PORT@
rc=0
printf 'hello\nHow are you?\n\n' |
	timeout "$NK_WAIT" "${NK_C[@]}" "$client" "$ip" "$NK_PORT" \
		>"$NK_TMP/client.out" 2>"$NK_TMP/client.err" || rc=$?
nk_expect_status client "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status server "$src" 0

nk_expect "client stdout" "$NK_TMP/client.out" "Msg>>Receive your message
Msg>>Receive your message
Msg>>"
nk_expect "client stderr" "$NK_TMP/client.err" ""
nk_echo_server_check server "$ip" "$NK_PORT"
nk_expect "server stderr" "$NK_TMP/server.err" ""
