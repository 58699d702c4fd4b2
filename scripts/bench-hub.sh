#!/usr/bin/env bash
# Hub benchmark, not a test: it prints figures and ratios and asserts nothing.
#   ingest  batches over HTTP to an in-process hub pinned to one core, vs bare SQLite inserts
#   query   a 24 h series (1 min rollup) vs the same range at raw resolution
#   rss     the real `cloudctl hub` with 20 simulated hosts every 10 s, then a replay storm
#   monitor 1,000 HTTP probes every 30 s with every result stored, vs the bare scheduler
#   scripts/bench-hub.sh [ingest] [query] [rss] [monitor]    (all four when none is named)
# HUB_BENCH_ROUNDS sets the number of 10 s rounds of the rss part (default 12).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps/hub.sh
cargo build --release -p cloudctl
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(ingest query rss monitor)
hub_parts=()
for p in "${parts[@]}"; do [ "$p" = monitor ] || hub_parts+=("$p"); done
if [ ${#hub_parts[@]} -gt 0 ]; then
    CLOUDCTL_BIN="$target/release/cloudctl" cargo bench -p cloudctl-hub --bench hub -- "${hub_parts[@]}"
fi
if [[ " ${parts[*]} " == *" monitor "* ]]; then
    bash scripts/deps/alerts.sh
    cargo bench -p cloudctl-hub --bench monitor
fi
