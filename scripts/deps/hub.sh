#!/usr/bin/env bash
# What the hub's end-to-end test and benchmark need: iproute2 (network namespaces, veth, bridge),
# python3 (a process holding many listening sockets in one namespace), util-linux's taskset
# (the ingest benchmark pins itself to one core) and procps' kill.
# Idempotent: installs only what `command -v` does not find.
set -euo pipefail

missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v python3 >/dev/null || missing+=(python3)
command -v taskset >/dev/null || missing+=(util-linux)
command -v kill >/dev/null || missing+=(procps)

if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
