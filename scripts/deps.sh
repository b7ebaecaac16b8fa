#!/usr/bin/env bash
# Installs the Debian packages lxnt needs, only those that are missing.
# Sourced by scripts/demo and scripts/test; safe to run on its own.
set -euo pipefail

lxnt_packages=(
	gcc meson ninja-build pkg-config python3
	libzydis-dev libelf-dev llvm-dev libcriterion-dev
	libarchive-dev xz-utils zstd
	mingw-w64 wine wine64
	busybox-static bash-static
	musl-tools
)

lxnt_install_deps() {
	local missing=() p
	for p in "${lxnt_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Configures (once) and builds the tree in $1 (default: build).
lxnt_build() {
	local dir=${1:-build}
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --cross-file cross/mingw64.txt >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lxnt_install_deps
fi
