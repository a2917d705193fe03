#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for moat (system packages when root), then the npm packages.
# Idempotent: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: libpcap-dev (live capture binding), tcpdump/tshark/libndpi-bin (peers and test tools),
# nftables and iproute2 (enforcement, network namespaces), redis-server (shared counters), postgresql (a real
# server for the identify request-log tests), nfdump (NetFlow collector for export tests), strace (sandbox),
# openssl/curl (real TLS peers in tests), chromium (console e2e).
# telnet, openssh-client, sshpass and gcc: the real attacker clients and the samples of the honeypot acceptance test.
# dnsmasq-base (the binary without a system service: moat gateway runs its own), conntrack (the NAT and session
# tables), udhcpc (the DHCP client of the gateway tests' devices), iperf3 (the gateway benchmark).
# Devices and console: chromium (the console's browser tests, driven by playwright-core), mosquitto and
# mosquitto-clients (real MQTT devices), avahi-utils/avahi-daemon (mDNS announcements), nmap (a scanning device),
# ieee-data (MAC vendor list), isc-dhcp-client (DHCP with a vendor class), libcoap3-bin (a real CoAP peer).
PKGS="time libpcap-dev postgresql tcpdump tshark libndpi-bin nftables iproute2 redis-server nfdump strace openssl curl ethtool python3 make g++ gcc telnet openssh-client sshpass dnsmasq-base conntrack udhcpc iperf3 chromium mosquitto mosquitto-clients avahi-utils avahi-daemon nmap ieee-data isc-dhcp-client libcoap3-bin"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: missing Debian packages:$missing (run as root to install them); continuing" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
