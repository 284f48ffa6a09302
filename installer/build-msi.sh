#!/usr/bin/env bash
# Builds dist/calldesk-<version>.msi on Debian: PyInstaller one-folder build of the app, harvested
# with wixl-heat, packaged by wixl from installer/calldesk.wxs. Installs what it needs (wixl and
# msitools from Debian as root; PyInstaller from PyPI into .venv). Leaves exactly one
# dist/calldesk-<version>.msi (older ones are removed) and the frozen folder in build/freeze/calldesk.
#
# Environment (for tests and CI):
#   CALLDESK_FROZEN_DIR   reuse this frozen folder instead of running PyInstaller
#   CALLDESK_MSI_VERSION  package version to stamp (default: the project's version)
#   CALLDESK_MSI_OUT      write the MSI here instead of dist/ (dist/ is then left alone)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash installer/install-tools.sh

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
FROZEN=${CALLDESK_FROZEN_DIR:-}
needs="import desktop"
[ -z "$FROZEN" ] && needs="import desktop, PyInstaller"
if ! .venv/bin/python -c "$needs" 2>/dev/null; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[freeze]"
fi

VERSION=${CALLDESK_MSI_VERSION:-$(.venv/bin/python -c "from desktop.version import app_version; print(app_version())")}
if ! [[ $VERSION =~ ^[0-9]+(\.[0-9]+){1,3}$ ]]; then
  echo "build-msi: version '$VERSION' is not an MSI version (N.N[.N[.N]])" >&2
  exit 1
fi

if [ -z "$FROZEN" ]; then
  .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/freeze --workpath build/pyinstaller \
    installer/calldesk.spec
  FROZEN=$ROOT/build/freeze/calldesk
fi
FROZEN=$(cd "$FROZEN" && pwd)
[ -x "$FROZEN/calldesk" ] || [ -f "$FROZEN/calldesk.exe" ] || { echo "build-msi: no executable in $FROZEN" >&2; exit 1; }
EXE_NAME=calldesk
[ -f "$FROZEN/calldesk.exe" ] && EXE_NAME=calldesk.exe

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$FROZEN" && find . -type f | sed 's|^\./||' | sort) \
  | sed "s|^|$FROZEN/|" \
  | wixl-heat -p "$FROZEN/" --directory-ref INSTALLDIR --component-group CallDeskFiles \
      --var var.SourceDir --win64 > "$WORK/files.wxs"

if [ -n "${CALLDESK_MSI_OUT:-}" ]; then
  OUT=$CALLDESK_MSI_OUT
else
  mkdir -p dist
  rm -f dist/calldesk-*.msi
  OUT=dist/calldesk-$VERSION.msi
fi
# wixl resolves source files against the working directory and refuses absolute paths.
SOURCE_REL=$(realpath --relative-to="$ROOT" "$FROZEN")
set +e
wixl -a x64 -o "$OUT.tmp" \
  -D Version="$VERSION" -D SourceDir="$SOURCE_REL" -D ExeName="$EXE_NAME" -D Win64=yes \
  -D IconFile=resources/icons/calldesk.ico \
  installer/calldesk.wxs "$WORK/files.wxs"
status=$?
set -e
if [ "$status" != 0 ]; then
  rm -f "$OUT.tmp"
  echo "build-msi: wixl failed with exit code $status" >&2
  exit 1
fi
mv "$OUT.tmp" "$OUT"
echo "$OUT"
