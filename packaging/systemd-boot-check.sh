#!/usr/bin/env bash
# Checks the package under a real systemd, on a machine where systemd is not PID 1 (CI,
# containers): boots this machine's own root file system in a systemd-nspawn container
# whose writes go to a throw-away overlay (--volatile=overlay, nothing on the host changes),
# then inside it installs the .deb and checks what only a running systemd shows: the units
# start, the hardened service runs the daemon (no capabilities, seccomp, PrivateUsers=,
# LoadCredential=), ports 443 and 80 come from the sockets, READY=1, watchdog pings, reload,
# upgrade restarts the service while the sockets stay up, remove stops, purge cleans up.
#
# Usage (root): packaging/systemd-boot-check.sh DEB UPGRADE_DEB
# Called by scripts/package-check.sh --systemd. Needs systemd-container (installed if missing).
set -euo pipefail

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*" >&2; exit 1; }

[[ $# -eq 2 && -f $1 && -f $2 ]] || fail "usage: $0 DEB UPGRADE_DEB"
[[ $(id -u) -eq 0 ]] || fail "$0: run as root"
if ! command -v systemd-nspawn >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd-container >/dev/null ||
    fail "apt-get install systemd-container"
fi

WORK=$(mktemp -d /tmp/helpdeskd-systemd-check.XXXXXX)
ROOT=$WORK/root
NSPAWN_PID=""
cleanup() {
  if [[ -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    kill -TERM "$NSPAWN_PID" 2>/dev/null || true # powers the container off
    for _ in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null || true
  fi
  mountpoint -q "$ROOT" && umount "$ROOT"
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$ROOT" "$WORK/check"
cp "$1" "$WORK/check/helpdeskd.deb"
cp "$2" "$WORK/check/helpdeskd-upgrade.deb"

# The checks that run inside the container.
cat >"$WORK/check/inside.sh" <<'INSIDE'
#!/bin/bash
set -euo pipefail
pass() { printf 'PASS  [systemd] %s\n' "$*"; }
fail() { printf 'FAIL  [systemd] %s\n' "$*" >&2; journalctl -u 'helpdeskd*' --no-pager | tail -30 >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
units=(helpdeskd.service helpdeskd-https.socket helpdeskd-http.socket)
# Image builders' policy that forbids starting services (only in the overlay).
rm -f /usr/sbin/policy-rc.d
if dpkg -s helpdeskd >/dev/null 2>&1; then apt-get purge -y -qq helpdeskd >/dev/null; fi

apt-get install -y -qq /check/helpdeskd.deb >/tmp/install.out 2>&1 || { cat /tmp/install.out; fail "apt-get install"; }
for _ in $(seq 1 100); do systemctl -q is-active helpdeskd.service && break; sleep 0.1; done
for u in "${units[@]}"; do
  systemctl -q is-enabled "$u" || fail "$u is not enabled"
  systemctl -q is-active "$u" || fail "$u is not active after install: $(systemctl is-active "$u")"
done
pass "install enables and starts ${units[*]}"

status=$(systemctl show -p StatusText --value helpdeskd.service)
[[ -n $status ]] || fail "no STATUS= from the daemon"
pid=$(systemctl show -p MainPID --value helpdeskd.service)
[[ $(stat -c %U /proc/"$pid") == helpdeskd ]] || fail "the daemon does not run as helpdeskd"
grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/"$pid"/status || fail "the daemon has capabilities"
grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/"$pid"/status || fail "NoNewPrivs is off"
grep -q '^Seccomp:[[:space:]]*2$' /proc/"$pid"/status || fail "no seccomp filter"
pass "the daemon runs as helpdeskd, no capabilities, NoNewPrivs, seccomp; status: $status"

curl -ksSf https://127.0.0.1/healthz | grep -q '"ok"' || fail "GET https://127.0.0.1/healthz (port 443 from the socket)"
curl -ksSf 'https://[::1]/healthz' | grep -q '"ok"' || fail "GET https://[::1]/healthz"
code=$(curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1/healthz)
[[ $code == 30[178] ]] || fail "port 80 answers $code, not a redirect"
pass "port 443 serves /healthz (IPv4 and IPv6), port 80 redirects ($code)"

link=$(helpdeskd setup-link) || fail "helpdeskd setup-link"
[[ $(curl -ksS -o /dev/null -w '%{http_code}' "https://127.0.0.1/setup?token=${link##*token=}") == 200 ]] ||
  fail "the setup link does not open"
! journalctl -u helpdeskd.service --no-pager | grep -q 'token=' || fail "a setup token is in the journal"
helpdeskd doctor >/tmp/doctor.out 2>&1 || { cat /tmp/doctor.out; fail "helpdeskd doctor"; }
[[ -z $(find /var/lib/helpdeskd ! -user helpdeskd) ]] || fail "root-owned files in /var/lib/helpdeskd"
pass "setup-link and doctor as root; no setup token in the journal"

systemctl reload helpdeskd.service || fail "systemctl reload"
[[ $(systemctl show -p MainPID --value helpdeskd.service) == "$pid" ]] || fail "reload restarted the daemon"
systemctl -q is-active helpdeskd.service || fail "inactive after reload"
wd=$(systemctl show -p WatchdogTimestampMonotonic --value helpdeskd.service)
for _ in $(seq 1 40); do
  [[ $(systemctl show -p WatchdogTimestampMonotonic --value helpdeskd.service) != "$wd" ]] && break
  sleep 0.5
done
[[ $(systemctl show -p WatchdogTimestampMonotonic --value helpdeskd.service) != "$wd" ]] || fail "no WATCHDOG=1 ping within 20 s"
pass "SIGHUP reload keeps the daemon; watchdog pings arrive"

key=$(sha256sum </etc/helpdeskd/master.key)
apt-get install -y -qq /check/helpdeskd-upgrade.deb >/tmp/upgrade.out 2>&1 || { cat /tmp/upgrade.out; fail "upgrade"; }
for _ in $(seq 1 100); do systemctl -q is-active helpdeskd.service && break; sleep 0.1; done
for u in "${units[@]}"; do systemctl -q is-active "$u" || fail "$u not active after upgrade"; done
[[ $(systemctl show -p MainPID --value helpdeskd.service) != "$pid" ]] || fail "upgrade did not restart the daemon"
[[ $(sha256sum </etc/helpdeskd/master.key) == "$key" ]] || fail "upgrade changed the master key"
curl -ksSf https://127.0.0.1/healthz | grep -q '"ok"' || fail "healthz after upgrade"
pass "upgrade restarts the service, sockets stay active, key unchanged"

apt-get remove -y -qq helpdeskd >/dev/null 2>&1 || fail "apt-get remove"
for u in "${units[@]}"; do ! systemctl -q is-active "$u" || fail "$u still active after remove"; done
[[ -f /etc/helpdeskd/master.key && -f /var/lib/helpdeskd/system.db ]] || fail "remove deleted key or data"
pass "remove stops the units and keeps key and data"

apt-get purge -y -qq helpdeskd >/dev/null 2>&1 || fail "apt-get purge"
[[ ! -e /etc/helpdeskd && ! -e /var/lib/helpdeskd ]] || fail "purge left files"
! getent passwd helpdeskd >/dev/null || fail "purge left the user"
pass "purge removes configuration, key, data and user"
INSIDE
chmod 0755 "$WORK/check/inside.sh"

# A non-recursive bind of / gives nspawn a directory other than / to boot; the overlay on
# top of it takes every write.
mount --bind / "$ROOT"
systemd-nspawn --quiet -D "$ROOT" --volatile=overlay --private-network --register=no \
  --link-journal=no --keep-unit -M helpdeskd-check --bind-ro="$WORK/check:/check" \
  --console=pipe -b </dev/null >"$WORK/nspawn.log" 2>&1 &
NSPAWN_PID=$!

init="" state=""
for _ in $(seq 1 300); do
  init=$(pgrep -P "$NSPAWN_PID" | head -n 1 || true)
  if [[ -n $init ]]; then
    state=$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
  fi
  kill -0 "$NSPAWN_PID" 2>/dev/null || { cat "$WORK/nspawn.log" >&2; fail "systemd-nspawn exited"; }
  sleep 0.2
done
[[ $state == running || $state == degraded ]] || { cat "$WORK/nspawn.log" >&2; fail "the container did not boot (state: ${state:-none})"; }
pass "booted this machine's root under systemd $(nsenter -t "$init" -a systemctl --version | head -n 1 | cut -d' ' -f2) in a throw-away overlay"
nsenter -t "$init" -a /check/inside.sh
