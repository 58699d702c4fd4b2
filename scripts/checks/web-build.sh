#!/usr/bin/env bash
# The committed dashboard build (web/build, embedded in the binary) must equal a fresh build of
# web/: otherwise the binary would ship something other than the source. Also runs the data
# layer's unit tests (vitest).
set -euo pipefail
cd "$(dirname "$0")/../../web"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
npx vitest run
committed=$(mktemp -d)
trap 'rm -rf "$committed"' EXIT
cp -a build/. "$committed/"
npm run build >/dev/null
if ! diff -r "$committed" build >/dev/null; then
    echo "web/build differs from a fresh build of web/:"
    diff -r "$committed" build | head -20 || true
    echo "Run 'cd web && npm run build' and commit web/build."
    # Leave the committed build in place, so the tree is as it was.
    rm -rf build && cp -a "$committed" build
    exit 1
fi
echo "web/build matches a fresh build."
