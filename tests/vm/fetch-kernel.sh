#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches Debian's kernel (the one linux-image-amd64 depends on) and the
# modules kTLS needs, for tests/vm/run.sh: this machine's kernel has no
# tls module, Debian's has it as tls.ko.
#   usage: fetch-kernel.sh [DIR]
# DIR defaults to $NETKIT_VM_CACHE, else ~/.cache/netkit-vm. Leaves
# DIR/<package>/vmlinuz, DIR/<package>/modules/*.ko, DIR/<package>/load
# (the modules' names, dependencies first) and DIR/<package>/complete.
# The package is only downloaded and unpacked here: never installed.
# Quiet when it succeeds; one line on stderr and exit 1 when it fails.
set -eu

# The modules the VM tests need; their dependencies come from modules.dep.
WANT="tls"

log=""
work=""
deb=""
dest=""
kos=""
seen=""
cleanup() {
	[ -z "$work" ] || rm -rf "$work"
	[ -z "$log" ] || rm -f "$log"
}
trap cleanup EXIT

fail() {
	echo "fetch-kernel.sh: $*" >&2
	exit 1
}

# kernel_package: prints the versioned package linux-image-amd64 picks.
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# download PKG: puts PKG's .deb in the current directory. apt-get
# download as root warns that the _apt user cannot write here: the
# warning goes to the log, which is shown only on failure.
download() {
	if ! apt-get download "$1" >"$log" 2>&1; then
		fail "apt-get download $1 failed: $(grep -m 1 '^E:' "$log")"
	fi
}

# extract PATTERN...: unpacks those paths of $deb into $work/x.
extract() {
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards "$@" 2>"$log" ||
		fail "cannot unpack $* from ${deb##*/}: $(head -n 1 "$log")"
}

# module_path NAME: the path in $deb of module NAME ('-' and '_' are the
# same in module names).
module_path() {
	local re=${1//[-_]/[-_]}
	grep -m 1 -E "/$re\.ko(\.xz|\.zst|\.gz)?\$" <<<"$kos" ||
		fail "module $1 is not in ${deb##*/}"
}

# add_module PATH: installs the module at PATH of $deb and, first, the
# modules it depends on; appends their names to load in that order. The
# package has no modules.dep (depmod makes it on install), so each
# module's own depends= field says what it needs.
add_module() {
	local path=$1 name dep p
	case " $seen " in *" $path "*) return 0 ;; esac
	seen="$seen $path"
	extract "$path"
	name=$(install_module "$work/x/$path" "$dest/modules")
	for dep in $(tr '\0' '\n' <"$dest/modules/$name" | sed -n 's/^depends=//p' | tr , ' '); do
		p=$(module_path "$dep")
		add_module "$p"
	done
	echo "$name" >>"$dest/load"
}

# unpack DEB DEST: vmlinuz and the wanted modules, decompressed, in DEST.
unpack() {
	local m p
	deb=$1 dest=$2 seen=""
	kos=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -E '/kernel/.*\.ko(\.xz|\.zst|\.gz)?$')
	extract './boot/vmlinuz-*'
	mkdir -p "$dest/modules"
	cp "$work"/x/boot/vmlinuz-* "$dest/vmlinuz"
	: >"$dest/load"
	for m in $WANT; do
		p=$(module_path "$m")
		add_module "$p"
	done
}

# install_module PATH DIR: copies a module into DIR uncompressed (busybox
# insmod reads plain .ko only) and prints its file name.
install_module() {
	local src=$1 name
	[ -f "$src" ] || fail "module ${src##*/} missing from the package"
	name=$(basename "$src")
	case $name in
	*.ko.xz) xz -dc "$src" >"$2/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$src" >"$2/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$src" >"$2/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$src" "$2/$name" ;;
	esac
	echo "$name"
}

main() {
	local dir=${1:-${NETKIT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netkit-vm}}
	local pkg final
	command -v apt-get >/dev/null || fail "no apt-get: not a Debian system"
	pkg=$(kernel_package)
	[ -n "$pkg" ] || fail "apt-cache knows no linux-image-amd64 (run apt-get update?)"
	final=$dir/$pkg
	[ -f "$final/complete" ] && return 0
	mkdir -p "$dir" || fail "cannot create $dir"
	work=$(mktemp -d "$dir/.fetch.XXXXXX")
	log=$(mktemp)
	mkdir "$work/x" "$work/out"
	(cd "$work" && download "$pkg")
	unpack "$(echo "$work"/*.deb)" "$work/out"
	touch "$work/out/complete"
	# Whole or not at all: a half-fetched kernel is never seen as ready.
	rm -rf "$final"
	mv "$work/out" "$final"
	# Kernels Debian has since replaced are not needed any more.
	find "$dir" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -name "$pkg" \
		-exec rm -rf {} +
}

main "$@"
