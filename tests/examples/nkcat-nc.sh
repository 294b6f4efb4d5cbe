#!/bin/bash
# SPDX-License-Identifier: MIT
# nkcat against OpenBSD nc, both ways, with bytes in both directions.
# Proves: nkcat connects by name and by number, copies stdin to the
# socket and the socket to stdout, half-closes at the end of its input
# (nc then sees end of stream) and exits when the peer closes; and
# nkcat -l serves one nc client the same way.
# Usage: nkcat-nc.sh NKCAT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
nkcat=$1
command -v nc >/dev/null 2>&1 || nk_skip "nc not found"
help=$(nc -h 2>&1 || true)
case "$help" in
*"	-N"*) eof=(-N) ;;
*) nk_skip "this nc has no -N" ;;
esac
printf 'reply from the server\nsecond line\n' >"$NK_TMP/reply"

# 1. nc listens, nkcat connects: nc sends its reply at once; nkcat's
# half-close after "hello" ends nc, whose close ends nkcat.
for host in 127.0.0.1 localhost; do
	NK_STDIN=$NK_TMP/reply nk_start_server nc nc -l 127.0.0.1 @PORT@
	rc=0
	printf 'hello from nkcat\n' |
		timeout "$NK_WAIT" "${NK_C[@]}" "$nkcat" "$host" "$NK_PORT" \
			>"$NK_TMP/nkcat.out" 2>"$NK_TMP/nkcat.err" || rc=$?
	nk_expect_status "nkcat -> nc ($host)" "$rc" 0
	nk_reap "$NK_SPID" || true
	nk_expect "nkcat stdout ($host)" "$NK_TMP/nkcat.out" \
		"$(cat "$NK_TMP/reply")
"
	nk_expect "nc stdout ($host)" "$NK_TMP/nc.out" "hello from nkcat
"
	nk_expect "nkcat stderr ($host)" "$NK_TMP/nkcat.err" ""
done

# 2. nkcat -l serves one nc client.
NK_STDIN=$NK_TMP/reply nk_start_server nkcat "${NK_C[@]}" "$nkcat" \
	-l 127.0.0.1 @PORT@
rc=0
printf 'hello from nc\n' |
	timeout "$NK_WAIT" nc "${eof[@]}" 127.0.0.1 "$NK_PORT" \
		>"$NK_TMP/nc.out" 2>"$NK_TMP/nc.err" || rc=$?
nk_expect_status "nc -> nkcat -l" "$rc" 0
src=0
nk_reap "$NK_SPID" || src=$?
nk_expect_status "nkcat -l" "$src" 0
nk_expect "nc stdout" "$NK_TMP/nc.out" "$(cat "$NK_TMP/reply")
"
nk_expect "nkcat -l stdout" "$NK_TMP/nkcat.out" "hello from nc
"
nk_expect "nkcat -l stderr" "$NK_TMP/nkcat.err" ""
