#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches Debian's kernel (the one linux-image-amd64 depends on) and the
# modules kTLS needs, for tests/vm/run.sh: this machine's kernel has no
# tls module, Debian's has it as tls.ko.
#   usage: fetch-kernel.sh [DIR]
# DIR defaults to $NETKIT_VM_CACHE, else ~/.cache/netkit-vm. Leaves
# DIR/<package>/vmlinuz, DIR/<package>/modules/*.ko, DIR/<package>/load
# (the modules' names, dependencies first) and DIR/<package>/complete
# (written last: what was fetched).
# The package is only downloaded and unpacked here: never installed.
# Quiet when it succeeds; one line on stderr and exit 1 when it fails.
set -eu

# The modules the VM tests need: tls, and the crypto templates of the
# kTLS ciphers (AES-GCM, AES-CCM, ChaCha20-Poly1305). The kernel asks
# modprobe for a template when a key is set (TLS_TX); the guest has no
# modprobe, so they are loaded up front. The modules their symbols need
# come from their depends= fields.
WANT="tls gcm ctr ghash-generic ccm chacha20poly1305 chacha_generic poly1305_generic"

log=""
work=""
deb=""
dest=""
kos=""
seen=""
ordered=""
extra=""
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

# depends_of KO: the names of the modules KO needs. The package has no
# modules.dep (depmod makes it on install): each module's own depends=
# field says.
depends_of() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr , ' '
}

# fetch_modules NAME...: unpacks those modules into $dest/modules, then
# the modules they need, level by level: one pass over the package (70
# MB of xz) a level, not one a module.
fetch_modules() {
	local todo=$* paths m p name next
	while [ -n "${todo// /}" ]; do
		paths=""
		for m in $todo; do
			p=$(module_path "$m")
			case " $seen " in *" $p "*) continue ;; esac
			seen="$seen $p"
			paths="$paths $p"
		done
		[ -n "$paths" ] || break
		# shellcheck disable=SC2086
		extract ${extra:+"$extra"} $paths
		extra=""
		next=""
		for p in $paths; do
			name=$(install_module "$work/x/$p" "$dest/modules")
			next="$next $(depends_of "$dest/modules/$name")"
		done
		todo=$next
	done
}

# load_order NAME...: the modules' file names, each after those it needs
# (insmod, unlike modprobe, does not load them itself).
load_order() {
	local m f
	for m in "$@"; do
		f=$(find "$dest/modules" -name '*.ko' | while read -r k; do
			k=${k##*/}
			[ "${k//-/_}" != "${m//-/_}.ko" ] || echo "$k"
		done)
		case " $ordered " in *" $f "*) continue ;; esac
		ordered="$ordered $f"
		# shellcheck disable=SC2046
		load_order $(depends_of "$dest/modules/$f")
		echo "$f"
	done
}

# unpack DEB DEST: vmlinuz and the wanted modules, decompressed, in DEST.
unpack() {
	deb=$1 dest=$2 seen="" ordered=""
	kos=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -E '/kernel/.*\.ko(\.xz|\.zst|\.gz)?$')
	mkdir -p "$dest/modules"
	# The kernel comes out in the first pass over the package.
	extra='./boot/vmlinuz-*'
	# shellcheck disable=SC2086
	fetch_modules $WANT
	cp "$work"/x/boot/vmlinuz-* "$dest/vmlinuz"
	# shellcheck disable=SC2086
	load_order $WANT >"$dest/load"
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
	# complete holds the module list it was made for: a cache from
	# before a module was added to WANT is fetched again.
	[ "$(cat "$final/complete" 2>/dev/null)" != "$WANT" ] || return 0
	mkdir -p "$dir" || fail "cannot create $dir"
	work=$(mktemp -d "$dir/.fetch.XXXXXX")
	log=$(mktemp)
	mkdir "$work/x" "$work/out"
	(cd "$work" && download "$pkg")
	unpack "$(echo "$work"/*.deb)" "$work/out"
	echo "$WANT" >"$work/out/complete"
	# Whole or not at all: a half-fetched kernel is never seen as ready.
	rm -rf "$final"
	mv "$work/out" "$final"
	# Kernels Debian has since replaced are not needed any more.
	find "$dir" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -name "$pkg" \
		-exec rm -rf {} +
}

main "$@"
