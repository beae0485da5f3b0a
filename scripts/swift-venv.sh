#!/usr/bin/env bash
# Makes (once) a Python venv with Swift 2.38.3 from PyPI, for the interop and functional tests.
# Prints the venv's path. SWIFT_VENV overrides where it lives.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${SWIFT_VENV:-$root/.venv/swift}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import swift, pytest' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  for try in 1 2 3; do
    "$venv/bin/pip" install -q --disable-pip-version-check 'swift==2.38.3' pytest >&2 && break
    echo "swift-venv: pip install failed (try $try)" >&2
    [ "$try" = 3 ] && exit 1
    sleep $((try * 5))
  done
fi
echo "$venv"
