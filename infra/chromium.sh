#!/usr/bin/env bash
# Headless Chromium (Debian package) for the load-report render test.
#
#   infra/chromium.sh    install /usr/bin/chromium if missing; last line = its path
#
# The package index is refreshed only when the first install attempt fails: on
# a fresh CI machine it is usually current, and `apt-get update` costs time.
set -euo pipefail

SERVICE=chromium.sh
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=/usr/bin/chromium

if [ ! -x "$BIN" ]; then
  is_root || die "Chromium is not installed and we are not root; run: apt-get install -y chromium"
  export DEBIAN_FRONTEND=noninteractive
  log "installing chromium from apt"
  if ! apt-get install -y --no-install-recommends chromium >&2; then
    log "install failed: refreshing the package index and trying again"
    apt-get update >&2
    apt-get install -y --no-install-recommends chromium >&2
  fi
fi
[ -x "$BIN" ] || die "$BIN missing after install"
log "$("$BIN" --version 2>/dev/null || echo chromium)"
echo "$BIN"
