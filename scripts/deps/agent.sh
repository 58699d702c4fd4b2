#!/usr/bin/env bash
# What the agent's tests and benchmark need: a container engine with the Docker API (Podman + runc),
# a static busybox to build an image without a registry, and node_exporter as the reference peer.
# Idempotent: installs only what `command -v` does not find.
set -euo pipefail

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)

if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # The Debian package starts a node_exporter on :9100; the tests start their own on a free port.
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus-node-exporter 2>/dev/null; then
        systemctl stop prometheus-node-exporter || true
    fi
fi

# crun fails on this kind of machine (cgroup hybrid mode); runc works. Without these ulimit
# defaults container starts fail with `setrlimit RLIMIT_NOFILE: Operation not permitted`.
if ! grep -q 'runtime = "runc"' /etc/containers/containers.conf 2>/dev/null; then
    mkdir -p /etc/containers
    cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
fi

# An image without a registry: a static busybox as the whole root filesystem.
if ! podman image exists localhost/busybox:test 2>/dev/null; then
    d=$(mktemp -d)
    mkdir -p "$d/bin"
    cp /bin/busybox "$d/bin/"
    tar -C "$d" -c . | podman import - localhost/busybox:test >/dev/null
    rm -rf "$d"
fi
