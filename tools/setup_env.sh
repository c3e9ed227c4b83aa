#!/usr/bin/env bash
# Creates .venv with the pinned requirements and installs the Debian libraries that headless
# EEVEE/Workbench need. Safe to run again: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
SYS_PACKAGES=(libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libx11-6 libxrender1 libxfixes3 libxi6
  libxkbcommon0 libxext6 libsm6 libice6 libxxf86vm1)

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || {
    echo "setup: no dpkg here; make sure these libraries exist: ${SYS_PACKAGES[*]}" >&2
    return 0
  }
  local missing=()
  for p in "${SYS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null && return 0
  fi
  echo "setup: could not install system packages. Run as root:" >&2
  echo "    apt-get install ${missing[*]}" >&2
  echo "setup: continuing; EEVEE/Workbench tests will be skipped (Cycles only)." >&2
}

find_python() {
  for py in python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
      "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$py"; return 0
    fi
  done
  echo "setup: Python 3.11 is required (bpy 5.0.1 is built for it); install python3.11" >&2
  return 1
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha256"
  local want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py=$(find_python)
    echo "setup: creating $VENV with $py"
    "$py" -m venv "$VENV"
  fi
  echo "setup: installing requirements.txt into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
  # `import mmd2anime` resolves to this checkout: a folder holding a link named mmd2anime.
  mkdir -p "$VENV/pkgroot"
  ln -sfn ../.. "$VENV/pkgroot/mmd2anime"
  local site
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$(pwd)/$VENV/pkgroot" >"$site/mmd2anime.pth"
  echo "$want" >"$stamp"
}

ensure_system_packages
ensure_venv
