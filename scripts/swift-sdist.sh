#!/usr/bin/env bash
# Fetches (once) Swift 2.38.3's source distribution from PyPI and unpacks it; prints the unpacked
# directory. Its etc/ samples and test/ tree are what the interop and functional tests compare
# against. SWIFT_SDIST_CACHE overrides where it is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SWIFT_SDIST_CACHE:-$root/.venv/swift-sdist}
src=$cache/swift-2.38.3
if [ -f "$src/swift/container/server.py" ] && [ -d "$src/etc" ]; then
  echo "$src"; exit 0
fi
venv=$("$root/scripts/swift-venv.sh")
mkdir -p "$cache"
for try in 1 2 3; do
  [ -f "$cache/swift-2.38.3.tar.gz" ] && break
  "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
    --no-binary :all: -d "$cache" 'swift==2.38.3' >&2 && break
  echo "swift-sdist: pip download failed (try $try)" >&2
  sleep $((try * 5))
done
[ -f "$cache/swift-2.38.3.tar.gz" ] || { echo "swift-sdist: could not fetch swift 2.38.3 sdist" >&2; exit 1; }
tar -xzf "$cache/swift-2.38.3.tar.gz" -C "$cache"
echo "$src"
