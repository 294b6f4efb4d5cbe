#!/bin/bash
# SPDX-License-Identifier: MIT
# nkcat against socat, both ways, over IPv4 and (where ::1 exists) IPv6.
# Proves: as nkcat-nc.sh, with another tool that half-closes too.
# Usage: nkcat-socat.sh NKCAT
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
nkcat=$1
command -v socat >/dev/null 2>&1 || nk_skip "socat not found"
printf 'reply from the server\n' >"$NK_TMP/reply"

run()
{
	local ip=$1 listen=$2 connect=$3 rc=0 src=0

	# socat listens; -t: after its input ends, wait that long for ours.
	NK_STDIN=$NK_TMP/reply nk_start_server socat \
		socat -t "$NK_WAIT" "$listen" -
	printf 'hello from nkcat\n' |
		timeout "$NK_WAIT" "${NK_C[@]}" "$nkcat" "$ip" "$NK_PORT" \
			>"$NK_TMP/nkcat.out" 2>"$NK_TMP/nkcat.err" || rc=$?
	nk_expect_status "nkcat -> socat ($ip)" "$rc" 0
	nk_reap "$NK_SPID" || src=$?
	nk_expect_status "socat ($ip)" "$src" 0
	nk_expect "nkcat stdout ($ip)" "$NK_TMP/nkcat.out" \
		"reply from the server
"
	nk_expect "socat stdout ($ip)" "$NK_TMP/socat.out" "hello from nkcat
"

	# nkcat -l serves socat.
	rc=0 src=0
	NK_STDIN=$NK_TMP/reply nk_start_server nkcat "${NK_C[@]}" "$nkcat" \
		-l "$ip" @PORT@
	printf 'hello from socat\n' |
		timeout "$NK_WAIT" socat -t "$NK_WAIT" - \
			"${connect//@PORT@/$NK_PORT}" \
			>"$NK_TMP/socat.out" 2>"$NK_TMP/socat.err" || rc=$?
	nk_expect_status "socat -> nkcat -l ($ip)" "$rc" 0
	nk_reap "$NK_SPID" || src=$?
	nk_expect_status "nkcat -l ($ip)" "$src" 0
	nk_expect "socat stdout ($ip)" "$NK_TMP/socat.out" \
		"reply from the server
"
	nk_expect "nkcat -l stdout ($ip)" "$NK_TMP/nkcat.out" \
		"hello from socat
"
}

run 127.0.0.1 'TCP4-LISTEN:@PORT@,bind=127.0.0.1' 'TCP4:127.0.0.1:@PORT@'
if nk_have_ipv6; then
	run ::1 'TCP6-LISTEN:@PORT@,bind=[::1]' 'TCP6:[::1]:@PORT@'
else
	echo "note: ::1 is not configured, IPv6 part not run"
fi
