#!/usr/bin/env bash
# What the render tests need (crates/render/tests): nginx (`nginx -t` and a private instance that
# really forwards auth), docker-compose v1 (`docker-compose -f FILE config`), shellcheck (the UFW and
# key scripts), wireguard-tools (`wg-quick strip`), caddy (`caddy validate`), and Debian's Python with
# jsonschema + PyYAML (rendered YAML against the upstream Authelia and Compose schemas); openssl
# (throwaway certificates) and curl (the client of the live nginx test); bind9-utils
# (`named-checkzone` on the zone files), util-linux (`unshare`, to keep the checks off the network)
# and systemd (`systemd-analyze verify` on the units; no systemd needs to run); ufw, iptables and
# iproute2 (each ufw.sh is run for real inside a mount and network namespace of its own; installing
# ufw does not enable it on the machine).
# Idempotent: installs only what is not found.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v wg-quick >/dev/null 2>&1 || missing+=(wireguard-tools)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v named-checkzone >/dev/null 2>&1 || missing+=(bind9-utils)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v ufw >/dev/null 2>&1 || [ -x /usr/sbin/ufw ] || missing+=(ufw)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || missing+=(iptables)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing+=(iproute2)
[ -x /usr/bin/python3 ] || missing+=(python3)
/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || missing+=(python3-jsonschema)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)

if [ ${#missing[@]} -gt 0 ]; then
    echo "render deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
    # The tests run private instances on loopback ports; the packages' own services are not wanted.
    for svc in nginx caddy; do
        if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
    done
fi
