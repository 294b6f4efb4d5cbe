#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a program inside a throwaway VM on Debian's kernel (fetched by
# tests/vm/fetch-kernel.sh), for what this machine's kernel lacks: the
# tls module (kTLS). qemu emulates the machine (no KVM needed); the guest
# has loopback only, no network device, so nothing leaves the machine.
# Kernel warnings (the quiet level) reach the output: an oops is seen.
#   usage: run.sh [--file PATH]... [--env NAME=VALUE]... PROGRAM [ARGS...]
# --file copies PATH (a file or a folder) into the guest at the same absolute path; --env sets
# a variable for PROGRAM. Prints PROGRAM's output (not the kernel's) and
# exits with its status; exits 77 (a skip for meson) with one line saying
# why when the VM cannot run here. NETKIT_VM_TIMEOUT bounds the whole
# run (default 300 s); NETKIT_VM_CACHE is fetch-kernel.sh's directory;
# NETKIT_VM_KEEP=1 keeps the temporary directory (initramfs, console log).
set -eu

MARK=NETKIT-VM-EXIT
files=()
envs=()
work=""
qemu_pid=""
busybox=""

# shellcheck disable=SC2317 # (run by the traps)
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	[ -z "$work" ] || [ -n "${NETKIT_VM_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip() {
	echo "run.sh: skipped: $*"
	exit 77
}

fail() {
	echo "run.sh: $*" >&2
	exit 1
}

# quote WORD: WORD as one single-quoted word for the guest's sh.
quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# kernel_dir: the newest complete kernel fetch-kernel.sh left.
kernel_dir() {
	local cache=${NETKIT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netkit-vm}
	# shellcheck disable=SC2012
	ls -dt "$cache"/*/complete 2>/dev/null | head -n 1 | xargs -r dirname
}

# libs EXE: the shared libraries and loader EXE needs, one a line. Its
# own loader lists them (glibc's and musl's both take --list), so a musl
# program gets musl's, which glibc's ldd would not find.
libs() {
	local interp
	interp=$(readelf -lW "$1" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
	[ -n "$interp" ] || return 0
	echo "$interp"
	"$interp" --list "$1" 2>/dev/null | grep -oE '/[^ ]+' || true
}

# add PATH [DEST]: copies PATH (a file or a folder) into the guest's root
# at DEST (default: the same path) and, for a dynamic executable, the
# shared libraries and loader it needs.
add() {
	local dest=${2:-$1} lib
	[ -e "$1" ] || fail "no such file: $1"
	mkdir -p "$work/root$(dirname "$dest")"
	cp -RL "$1" "$work/root$dest"
	[ -f "$1" ] || return 0
	for lib in $(libs "$1"); do
		[ -f "$lib" ] || continue
		[ ! -e "$work/root$lib" ] || continue
		mkdir -p "$work/root$(dirname "$lib")"
		cp -L "$lib" "$work/root$lib"
	done
}

# write_init PROGRAM ARGS...: the guest's /init: mounts, lo up, modules,
# then PROGRAM, its status in a marker line, and power off.
write_init() {
	local a
	{
		echo '#!/bin/busybox sh'
		echo '/bin/busybox --install -s /bin'
		echo 'export PATH=/bin'
		echo 'mount -t proc proc /proc; mount -t sysfs sys /sys'
		echo 'mount -t devtmpfs dev /dev 2>/dev/null || mount -t tmpfs dev /dev'
		# A line of its own: the BIOS leaves the cursor mid-line.
		printf 'echo; echo %s-BEGIN\n' "$MARK"
		echo 'ip link set lo up'
		# shellcheck disable=SC2016 # (the guest expands it)
		echo 'for m in $(cat /modules/load); do insmod /modules/$m || echo "insmod $m failed"; done'
		for a in "${envs[@]+"${envs[@]}"}"; do
			echo "export $(quote "$a")"
		done
		printf '%s ' "$(quote "$1")"
		shift
		for a in "$@"; do
			printf '%s ' "$(quote "$a")"
		done
		printf '</dev/null\n'
		printf 'echo "%s $?"\n' "$MARK"
		echo 'poweroff -f'
	} >"$work/root/init"
	chmod +x "$work/root/init"
}

# build_initrd KERNELDIR PROGRAM ARGS...: the guest's root, as $work/initrd.
build_initrd() {
	local kdir=$1 f
	shift
	mkdir -p "$work/root"/{bin,proc,sys,dev,tmp,modules}
	add "$busybox" /bin/busybox
	cp "$kdir"/modules/*.ko "$kdir/load" "$work/root/modules/"
	add "$1"
	for f in "${files[@]+"${files[@]}"}"; do
		add "$f"
	done
	write_init "$@"
	# busybox makes the cpio archive: no cpio package needed.
	(cd "$work/root" && find . | "$busybox" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$work/initrd"
}

# boot KERNELDIR: runs the VM, its console in $work/console; returns
# timeout's status (124 when the VM ran out of time).
boot() {
	local accel="-accel tcg" rc=0
	[ -w /dev/kvm ] && accel="-accel kvm $accel"
	# shellcheck disable=SC2086
	timeout -k 5 "${NETKIT_VM_TIMEOUT:-300}" qemu-system-x86_64 \
		-nographic -m 512 -smp 1 -nic none -no-reboot $accel \
		-kernel "$1/vmlinuz" -initrd "$work/initrd" \
		-append 'console=ttyS0 quiet panic=-1 oops=panic' \
		</dev/null >"$work/console" 2>&1 &
	qemu_pid=$!
	wait "$qemu_pid" || rc=$?
	qemu_pid=""
	return $rc
}

# output: prints what the guest printed between the markers: the
# program's output, and any failure to set the guest up (not the BIOS's
# or the kernel's). A program may end without a newline, so the final
# marker is looked for at the end of a line, not only on its own.
output() {
	tr -d '\r' <"$work/console" | awk -v m="$MARK" '
		$0 == m "-BEGIN" { on = 1; next }
		on && match($0, m " [0-9]+$") {
			if (RSTART > 1) printf "%s", substr($0, 1, RSTART - 1)
			exit
		}
		on { print }'
}

# status: the program's exit status, from the final marker.
status() {
	tr -d '\r' <"$work/console" | sed -n "s/^.*$MARK \\([0-9]*\\)\$/\\1/p" | tail -n 1
}

main() {
	local kdir prog rc=0
	while [ $# -gt 0 ]; do
		case $1 in
		--file) [ $# -ge 2 ] || fail "--file needs a path"; files+=("$2"); shift 2 ;;
		--env) [ $# -ge 2 ] || fail "--env needs NAME=VALUE"; envs+=("$2"); shift 2 ;;
		--) shift; break ;;
		-*) fail "unknown option $1" ;;
		*) break ;;
		esac
	done
	[ $# -ge 1 ] || fail "usage: run.sh [--file PATH]... [--env NAME=VALUE]... PROGRAM [ARGS...]"
	# The guest is x86-64 Debian running this host's binaries.
	[ "$(uname -m)" = x86_64 ] || skip "not an x86-64 host"
	command -v readelf >/dev/null || skip "no readelf (package binutils)"
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64 (package qemu-system-x86)"
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] || skip "no busybox (package busybox-static)"
	kdir=$(kernel_dir)
	[ -n "$kdir" ] || skip "no kernel fetched (run tests/vm/fetch-kernel.sh)"
	work=$(mktemp -d "${TMPDIR:-/tmp}/netkit-vm.XXXXXX")
	prog=$(command -v -- "$1") || fail "no such program: $1"
	# The guest has no working directory of ours: the path is absolute.
	case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
	build_initrd "$kdir" "$prog" "${@:2}"
	boot "$kdir" || rc=$?
	output
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "the VM did not finish in ${NETKIT_VM_TIMEOUT:-300} s"
	fi
	[ "$rc" -eq 0 ] || fail "qemu failed (status $rc): $(tail -n 1 "$work/console")"
	rc=$(status)
	if [ -z "$rc" ]; then
		# A panic before the program started is not in its output: the
		# console's end is the clue.
		tr -d '\r' <"$work/console" | grep -q "^$MARK-BEGIN\$" ||
			tr -d '\r' <"$work/console" | tail -n 30 >&2
		fail "the guest ended without the program's status"
	fi
	exit "$rc"
}

main "$@"
