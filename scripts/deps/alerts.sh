#!/usr/bin/env bash
# What the probe and alert tests need (crates/probes, crates/alerts): nginx (HTTP, TLS and the probe
# benchmark), a real SMTP server (python3-aiosmtpd, run by Debian's /usr/bin/python3), a DNS server on
# a loopback port (dnsmasq), an IMAP server run privately (dovecot-imapd) and iproute2 (a network
# namespace for the ICMP test), and Prometheus' blackbox exporter as the benchmark's peer.
# Idempotent: installs only what is not found.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# The alerts story test runs a container (Podman + runc, busybox as the image); scripts/deps/agent.sh
# sets the engine up the same way, and whichever runs first does it.
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
# The probe benchmark's peer (crates/probes/benches/http_probes.rs).
[ -x /usr/bin/prometheus-blackbox-exporter ] || missing+=(prometheus-blackbox-exporter)

if [ ${#missing[@]} -gt 0 ]; then
    echo "alerts deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
    # The tests run private instances on high loopback ports; the packages' own system services
    # (nginx on :80, dnsmasq on :53, dovecot on :143) are not wanted here.
    for svc in nginx dnsmasq dovecot prometheus-blackbox-exporter; do
        if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
    done
fi

# crun fails on this kind of machine (cgroup hybrid mode), and container starts need ulimit defaults.
if ! grep -q 'runtime = "runc"' /etc/containers/containers.conf 2>/dev/null; then
    mkdir -p /etc/containers
    cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
fi
if ! podman image exists localhost/busybox:test 2>/dev/null; then
    d=$(mktemp -d)
    mkdir -p "$d/bin"
    cp /bin/busybox "$d/bin/"
    tar -C "$d" -c . | podman import - localhost/busybox:test >/dev/null
    rm -rf "$d"
fi
