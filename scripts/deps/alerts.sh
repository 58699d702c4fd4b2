#!/usr/bin/env bash
# What the probe and alert tests need (crates/probes, crates/alerts): nginx (HTTP, TLS and the probe
# benchmark), a real SMTP server (python3-aiosmtpd, run by Debian's /usr/bin/python3), a DNS server on
# a loopback port (dnsmasq), an IMAP server run privately (dovecot-imapd) and iproute2 (a network
# namespace for the ICMP test). Idempotent: installs only what is not found.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)

if [ ${#missing[@]} -gt 0 ]; then
    echo "alerts deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
    # The tests run private instances on high loopback ports; the packages' own system services
    # (nginx on :80, dnsmasq on :53, dovecot on :143) are not wanted here.
    for svc in nginx dnsmasq dovecot; do
        if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
    done
fi
