#!/usr/bin/env bash
# What the dashboard's tests need (web/, crates/hub/src/web.rs): Node and npm for the SvelteKit
# build, vitest and the Playwright scripts; Debian's Chromium and its driver as the real browser
# (playwright-core drives /usr/bin/chromium: browsers are never downloaded, so never
# `npx playwright install`); python3 to serve the static site in the offline test.
# Idempotent: installs only what is not found, and runs `npm ci` only when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Fonts, so screenshots show text and the services' emoji icons as a person would see them.
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)

if [ ${#missing[@]} -gt 0 ]; then
    echo "web deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web app's own dependencies (playwright-core and axe-core among them), exactly as locked;
# again whenever the lock is newer than the installed tree (a dependency was added).
if [ -f web/package-lock.json ] && { [ ! -f web/node_modules/.package-lock.json ] ||
    [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; }; then
    echo "web deps: npm ci"
    (cd web && npm ci --no-audit --no-fund)
fi
