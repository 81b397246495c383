#!/usr/bin/env bash
# The test command (README step 2; CI's .ci/run calls exactly this).
# Installs what the tests need on a fresh machine, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

# Debian's Chromium for the report's browser test (never a browser download of Playwright's own), and
# fonts for Chinese and Thai so the report's screenshots show those messages rather than empty boxes.
missing=""
command -v chromium >/dev/null 2>&1 || missing="chromium"
fc-list 2>/dev/null | grep -qi "wqy" || missing="$missing fonts-wqy-zenhei"
fc-list 2>/dev/null | grep -qi "tlwg" || missing="$missing fonts-thai-tlwg"
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

exec python -m pytest -q "$@"
