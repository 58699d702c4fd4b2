#!/usr/bin/env bash
# The dashboard end to end in Debian's Chromium against a real `cloudctl up` (web/e2e/run.mjs:
# features, CSP violations, axe-core audit of each view in both themes, keyboard, phone layout),
# then its budget (web/e2e/budget.mjs: JS + CSS for the first view, first render). Screenshots and
# logs go to artifacts/web/.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p cloudctl
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/cloudctl"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund)
fi
CLOUDCTL_BIN="$bin" node web/e2e/run.mjs
CLOUDCTL_BIN="$bin" node web/e2e/budget.mjs
