#!/usr/bin/env bash
# Agent footprint benchmark against node_exporter, measured in the same run on this machine:
# CPU time per collection, steady-state RSS of a real `cloudctl agent` process, and RSS after
# 10,000 collections vs after 100. Not a test: it prints figures and ratios.
#   scripts/bench-agent.sh [--collections N] [--docker-socket PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps/agent.sh
cargo build --release -p cloudctl
target="${CARGO_TARGET_DIR:-target}"
cargo bench -p cloudctl-agent --bench footprint -- --agent-bin "$target/release/cloudctl" "$@"
