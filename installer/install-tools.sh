#!/usr/bin/env bash
# Installs the Debian packages the MSI build and its Wine install test need (as root, idempotent):
# wixl + msitools build and read MSIs; wine + wine64 (i386 architecture enabled first) run msiexec.
# Usage: bash installer/install-tools.sh [--wine]
set -euo pipefail
want_wine=0
[ "${1:-}" = "--wine" ] && want_wine=1
need=""
command -v wixl >/dev/null || need="$need wixl"
command -v msiinfo >/dev/null || need="$need msitools"
if [ "$want_wine" = 1 ] && ! command -v wine >/dev/null; then
  need="$need wine wine64"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-tools: need$need but cannot install them (not root on Debian)" >&2
  exit 1
fi
if [ "$want_wine" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
fi
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need >/dev/null
