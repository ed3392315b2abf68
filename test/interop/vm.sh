#!/usr/bin/env bash
# vm.sh: a small QEMU VM (Debian kernel + busybox initramfs with usbip and
# dfu-util) for interop tests against a USB/IP server on the host.
#
#   vm.sh prepare              install packages, fetch and extract the kernel,
#                              build the base initramfs (cached)
#   vm.sh run GUEST [FILE...]  boot, run the shell script GUEST in the guest
#                              (FILEs are copied to /data in the guest), print
#                              the console log, power off
#
# The guest reaches the host's loopback at 10.0.2.2 (QEMU user networking).
# Output of GUEST appears between the lines "=== GUEST BEGIN ===" and
# "=== GUEST END rc=N ===" on the console.
#
# Environment:
#   SOFTDFU_INTEROP_CACHE  cache directory (default $XDG_CACHE_HOME/softdfu-interop)
#   SOFTDFU_INTEROP_KVM=1  use KVM (default TCG: the nested /dev/kvm on CI
#                          machines does not boot a stock Debian kernel)
#   SOFTDFU_INTEROP_SOFTDFU  a static softdfu binary to put in /usr/bin
#   SOFTDFU_INTEROP_TIMEOUT  seconds before the VM is killed (default 300)
#   SOFTDFU_INTEROP_KERNEL=bzimage  boot the compressed kernel (default: the
#                          vmlinux extracted from it, through PVH: faster)
set -euo pipefail
# Under pipefail a reader that stops early (head, awk's exit) can kill the
# writer with SIGPIPE and fail the script with status 141: every pipeline
# here reads its input to the end.

cache="${SOFTDFU_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/softdfu-interop}"
mkdir -p "$cache"

log() { echo "vm.sh: $*" >&2; }

need_packages() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	[ -x /bin/busybox ] && [ "$(/bin/busybox --list | grep -cx cpio)" = 1 ] || missing+=(busybox-static)
	command -v dfu-util >/dev/null || missing+=(dfu-util)
	command -v usbip >/dev/null || [ -x /usr/sbin/usbip ] || missing+=(usbip)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
		$sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
			{ $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
	fi
}

# fetch_kernel extracts the newest Debian linux-image-*-amd64 into $cache/kernel.
fetch_kernel() {
	[ -f "$cache/kernel/ok" ] && return
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !p {print $2; p = 1}')
	if [ -z "$pkg" ]; then
		if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
		$sudo apt-get update >&2
		pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ && !p {print $2; p = 1}')
	fi
	[ -n "$pkg" ] || { log "cannot resolve linux-image-amd64 (run apt-get update)"; exit 1; }
	log "downloading $pkg"
	rm -rf "$cache/kernel" "$cache/deb"
	mkdir -p "$cache/deb" "$cache/kernel"
	(cd "$cache/deb" && apt-get download "$pkg" >&2)
	dpkg-deb -x "$cache"/deb/*.deb "$cache/kernel/root"
	rm -rf "$cache/deb"
	touch "$cache/kernel/ok"
}

# ko_path prints the path (under $kdir) of module $1, - and _ alike.
ko_path() {
	local f
	f=$(find "$kdir/kernel" \( -name "$1.ko*" -o -name "${1//-/_}.ko*" -o -name "${1//_/-}.ko*" \) -print -quit)
	[ -n "$f" ] || { log "module $1 not found in $kdir"; return 1; }
	echo "$f"
}

# ko_read prints a module file, decompressed.
ko_read() {
	case "$1" in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# resolve_modules appends to $mods the module files (dependencies first, from
# each module's own "depends=" modinfo field: the package has no modules.dep).
resolve_modules() {
	local name path deps d
	for name in "$@"; do
		path=$(ko_path "$name") || exit 1
		case " ${mods[*]:-} " in *" $path "*) continue ;; esac
		deps=$(ko_read "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
		for d in $deps; do resolve_modules "$d"; done
		case " ${mods[*]:-} " in *" $path "*) continue ;; esac
		mods+=("$path")
	done
}

copy_with_libs() { # copy_with_libs ROOT BINARY...
	local root=$1; shift
	local b l
	for b in "$@"; do
		mkdir -p "$root$(dirname "$b")"
		cp -L "$b" "$root$b"
		for l in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$root$l" ] && continue
			mkdir -p "$root$(dirname "$l")"
			cp -L "$l" "$root$l"
		done
	done
}

# copy_dynamic ROOT BINARY: for a dynamically linked softdfu (built with
# -tags libusb), the loader and libraries it needs and the libusb-1.0 (from
# Debian's libusb-1.0-0) it opens at run time, with that one's libraries.
copy_dynamic() {
	local root=$1 bin=$2 lib l
	ldd "$bin" >/dev/null 2>&1 || return 0 # static: nothing to bring
	lib=$(/sbin/ldconfig -p | awk '/libusb-1\.0\.so\.0 .*x86-64/ && !p {print $NF; p = 1}')
	[ -n "$lib" ] || { log "libusb-1.0.so.0 not found: install libusb-1.0-0"; exit 1; }
	for l in $(ldd "$bin" "$lib" 2>/dev/null | grep -o '/[^ :]*' | sort -u) "$lib"; do
		[ "$l" = "$bin" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}

# extract_vmlinux prints the ELF kernel inside a bzImage (xz, zstd or gzip).
extract_vmlinux() {
	local magic off tool
	for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08\x00:gzip -dc'; do
		off=$(LC_ALL=C grep -obUaP "${magic%%:*}" "$1" | awk -F: 'NR == 1 {print $1}')
		[ -n "$off" ] || continue
		tool=${magic#*:}
		tail -c +$((off + 1)) "$1" | $tool 2>/dev/null && return 0
		[ "${PIPESTATUS[1]}" = 0 ] && return 0 # gzip complains about trailing data
	done
	log "no compressed kernel found in $1"
	return 1
}

# base_cpio names the cached initramfs after what goes into it: change the
# module list and a new one is built.
base_modules="usbcore usbip-core vhci-hcd virtio_pci virtio_net cdc-acm"
base_cpio="$cache/base-$(echo "$base_modules $(command -v strace)" | md5sum | cut -c1-8).cpio"

build_initramfs() {
	local base="$base_cpio"
	[ -f "$base" ] && [ -f "$cache/vmlinux" ] && return
	local kroot="$cache/kernel/root" kver root
	kver=$(ls "$kroot/lib/modules" | awk 'NR == 1')
	kdir="$kroot/lib/modules/$kver" # used by ko_path
	cp "$kroot/boot/vmlinuz-$kver" "$cache/vmlinuz"
	extract_vmlinux "$cache/vmlinuz" >"$cache/vmlinux.tmp"
	mv "$cache/vmlinux.tmp" "$cache/vmlinux"
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,var/run,data,modules,etc}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	copy_with_libs "$root" "$(command -v dfu-util)" "$(command -v usbip || echo /usr/sbin/usbip)"
	# strace, when the host has it, for per-request measurements.
	if command -v strace >/dev/null; then copy_with_libs "$root" "$(command -v strace)"; fi
	local n=0 m mods=()
	resolve_modules $base_modules
	for m in "${mods[@]}"; do
		n=$((n + 1))
		ko_read "$m" >"$root/modules/$(printf %02d $n)-$(basename "${m%%.ko*}").ko"
	done
	log "modules: $(ls "$root/modules" | tr '\n' ' ')"
	cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /var/run/vhci_hcd
for m in /modules/*.ko; do insmod "$m" || echo "insmod $m failed"; done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
echo "=== GUEST BEGIN ==="
cd /data
sh /guest.sh 2>&1
echo "=== GUEST END rc=$? ==="
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$base.tmp"
	mv "$base.tmp" "$base"
	rm -rf "$root"
	log "initramfs $(du -h "$base" | cut -f1), kernel $kver"
}

prepare() {
	need_packages
	fetch_kernel
	build_initramfs
}

run() {
	local guest=$1; shift
	prepare
	# work is global: the EXIT trap needs it
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/root/data" "$work/root/usr/bin"
	cp "$guest" "$work/root/guest.sh"
	local f
	for f in "$@"; do cp "$f" "$work/root/data/"; done
	if [ -n "${SOFTDFU_INTEROP_SOFTDFU:-}" ]; then
		cp "$SOFTDFU_INTEROP_SOFTDFU" "$work/root/usr/bin/softdfu"
		copy_dynamic "$work/root" "$SOFTDFU_INTEROP_SOFTDFU"
	fi
	(cd "$work/root" && find . -mindepth 1 | busybox cpio -o -H newc 2>/dev/null) >"$work/extra.cpio"
	cat "$base_cpio" "$work/extra.cpio" >"$work/initrd.cpio"
	# The uncompressed vmlinux boots through PVH and skips the xz
	# decompression, which is slow under TCG: about 3.5 s instead of 8 s.
	local kernel="$cache/vmlinux"
	[ "${SOFTDFU_INTEROP_KERNEL:-}" = bzimage ] && kernel="$cache/vmlinuz"
	local accel=tcg cpu=max
	if [ "${SOFTDFU_INTEROP_KVM:-0}" = 1 ]; then accel=kvm; cpu=host; fi
	# no_timer_check: on a loaded host the kernel's boot-time check of the
	# emulated timer can fail and panic ("IO-APIC + timer doesn't work").
	timeout --foreground -k 5 "${SOFTDFU_INTEROP_TIMEOUT:-300}" \
		qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp "${SOFTDFU_INTEROP_SMP:-1}" -m 512 \
		-nographic -no-reboot -serial mon:stdio -monitor none \
		-kernel "$kernel" -initrd "$work/initrd.cpio" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 no_timer_check rdinit=/init" \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= </dev/null
}

case "${1:-}" in
prepare) prepare ;;
run) shift; [ $# -ge 1 ] || { echo "usage: vm.sh run GUEST [FILE...]" >&2; exit 2; }; run "$@" ;;
*) echo "usage: vm.sh prepare | vm.sh run GUEST [FILE...]" >&2; exit 2 ;;
esac
