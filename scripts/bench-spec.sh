#!/usr/bin/env bash
# Benchmark (not a test): a generated spec of 1,000 services on 100 hosts through `check`, `plan` and
# `render docs` as whole processes, each run 5 times; prints the median wall time and the peak RSS,
# and the same figures for a peer in the same run: Python's PyYAML loading the same files (the least
# the master plan's Python generator would do), so the ratios stay meaningful on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
python3 -c 'import yaml' 2>/dev/null || apt-get install -y -qq python3-yaml >/dev/null

cargo build --release -q -p cloudctl
bin=target/release/cloudctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/generate_spec.py "$work/spec" 100 1000

measure() { # label, command...: prints "label median_seconds peak_mb"
    local label=$1; shift
    local times=() peak=0
    for _ in 1 2 3 4 5; do
        /usr/bin/time -f '%e %M' -o "$work/t" "$@" >"$work/out.txt" 2>"$work/err" || { tail -5 "$work/out.txt" "$work/err"; exit 1; }
        read -r seconds kb < "$work/t"
        times+=("$seconds")
        if (( kb > peak )); then peak=$kb; fi
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
    printf '%-28s %8.3f s %8.1f MB\n' "$label" "$median" "$(echo "$peak/1024" | bc -l)"
    echo "$median $peak" > "$work/$label.result"
}

echo "Spec: $(find "$work/spec" -name '*.yaml' | wc -l) files, $(du -sh "$work/spec" | cut -f1), 100 hosts, 1,000 services, 3,000 components"
measure peer-pyyaml-load python3 scripts/bench/pyyaml_load.py "$work/spec"
measure check "$bin" check "$work/spec"
measure plan "$bin" plan "$work/spec" --format json
measure render-docs "$bin" render docs "$work/spec" --out "$work/out"
read -r peer_s peer_kb < "$work/peer-pyyaml-load.result"
for label in check plan render-docs; do
    read -r s kb < "$work/$label.result"
    printf '%-12s time %.2f× the peer, peak memory %.2f× the peer\n' "$label" "$(echo "$s/$peer_s" | bc -l)" "$(echo "$kb/$peer_kb" | bc -l)"
done
