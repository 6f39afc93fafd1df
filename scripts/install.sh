#!/usr/bin/env bash
# Set up zhibiao on a fresh Debian machine: system packages (tests only), then the Python package with pinned versions.
#   bash scripts/install.sh          -> the app (zhibiao ui, zhibiao check, ...)
#   bash scripts/install.sh --test   -> the app, the test tools, Debian chromium and CJK fonts for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PY="${PYTHON:-python3}"

need_apt=()
if [ "$mode" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="skip"; fi
  if [ "$SUDO" = "skip" ]; then
    echo "warning: cannot install ${need_apt[*]} (not root, no sudo); browser tests or Chinese chart labels may not work" >&2
  else
    echo "installing Debian packages: ${need_apt[*]}"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null
  fi
fi

extras=""
[ "$mode" = "--test" ] && extras="[dev]"
# the constraints file pins every transitive version, so an upstream release can neither break nor stall the install
"$PY" -m pip install -q --disable-pip-version-check -c constraints.txt -e ".${extras}"
