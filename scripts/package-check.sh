#!/usr/bin/env bash
# Builds the .deb and checks it the way an IT team meets it: lintian, the unit's security
# rating and syntax, then install → run as the service user → upgrade → remove → purge on
# this machine. Works without systemd as PID 1 (the maintainer scripts then skip starting
# the service, and the installed binary is started by hand as the helpdeskd user).
# Needs root. Prints PASS/FAIL per step; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || { echo "package-check: run as root (it installs the package)" >&2; exit 1; }

step() { printf '\n--- %s\n' "$*"; }
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*" >&2; exit 1; }

VERSION=$(cargo metadata --no-deps --format-version 1 --locked | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
DEB=target/debian/helpdeskd_${VERSION}_amd64.deb
UPGRADE_DEB=target/debian-upgrade/helpdeskd_${VERSION}+upgrade_amd64.deb
UNIT_DIR=/usr/lib/systemd/system
export DEBIAN_FRONTEND=noninteractive

step "build"
# The same binary under a higher version, to exercise the upgrade path. Built first: each
# `cargo deb` run clears the earlier .deb files of the package from target/debian.
cargo build --release --locked
mkdir -p target/debian-upgrade
cargo deb --locked --no-build --deb-version "${VERSION}+upgrade" --output "$UPGRADE_DEB" >/dev/null
cargo deb --locked --no-build >/dev/null
[[ -f $DEB && -f $UPGRADE_DEB ]] || fail "expected $DEB and $UPGRADE_DEB"
pass "built $DEB"

step "lintian"
lintian --fail-on error,warning "$DEB" || fail "lintian"
pass "lintian: no errors or warnings (justified overrides in packaging/lintian-overrides)"

step "unit hardening"
systemd-analyze security --offline=yes --threshold=20 systemd/helpdeskd.service | tail -n 1
pass "systemd-analyze security rates helpdeskd.service 2.0 or lower"

if dpkg-query -W -f='${Status}' helpdeskd 2>/dev/null | grep -q installed; then
  step "purging a previous installation"
  apt-get purge -y -qq helpdeskd >/dev/null
fi

step "install"
apt-get install -y -qq "./$DEB" >/dev/null || fail "apt-get install"
getent passwd helpdeskd >/dev/null || fail "no helpdeskd user"
[[ $(stat -c '%U:%G %a' /etc/helpdeskd/helpdeskd.toml) == "root:helpdeskd 640" ]] || fail "config ownership/mode: $(stat -c '%U:%G %a' /etc/helpdeskd/helpdeskd.toml)"
[[ $(stat -c '%U:%G %a' /etc/helpdeskd) == "root:helpdeskd 750" ]] || fail "/etc/helpdeskd ownership/mode"
[[ $(stat -c '%U:%G %a' /etc/helpdeskd/master.key) == "helpdeskd:helpdeskd 400" ]] || fail "master.key ownership/mode: $(stat -c '%U:%G %a' /etc/helpdeskd/master.key)"
grep -Eq '^[0-9a-f]{64}$' /etc/helpdeskd/master.key || fail "master.key is not 64 hex characters"
[[ $(stat -c '%U:%G %a' /var/lib/helpdeskd) == "helpdeskd:helpdeskd 750" ]] || fail "/var/lib/helpdeskd ownership/mode"
runuser -u helpdeskd -- test ! -w /etc/helpdeskd/helpdeskd.toml || fail "the service user can write its config"
[[ -L /etc/systemd/system/multi-user.target.wants/helpdeskd.service ]] || fail "helpdeskd.service not enabled"
[[ -L /etc/systemd/system/sockets.target.wants/helpdeskd-https.socket ]] || fail "helpdeskd-https.socket not enabled"
pass "installed: user, config root:helpdeskd 0640, key helpdeskd 0400, data dir, units enabled"

step "systemd-analyze verify"
systemd-analyze verify "$UNIT_DIR/helpdeskd.service" "$UNIT_DIR/helpdeskd-https.socket" "$UNIT_DIR/helpdeskd-http.socket"
pass "installed units verify"

KEY_SUM=$(sha256sum /etc/helpdeskd/master.key)

run_installed() { # starts the installed binary as the service user; checks it; stops it
  local out=/tmp/helpdeskd-package-check.out
  # setpriv (unlike runuser) execs the daemon, so $! is the daemon and gets our SIGTERM.
  setpriv --reuid=helpdeskd --regid=helpdeskd --init-groups --reset-env \
    helpdeskd serve --config /etc/helpdeskd/helpdeskd.toml --listen 127.0.0.1:0 >"$out" 2>/tmp/helpdeskd-package-check.err &
  local pid=$!
  local url=""
  for _ in $(seq 1 300); do
    url=$(grep -o 'listening on https://[0-9.:]*' "$out" | sed 's/listening on //' || true)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || { cat /tmp/helpdeskd-package-check.err >&2; fail "the installed daemon exited"; }
    sleep 0.1
  done
  [[ -n $url ]] || fail "the installed daemon never said where it listens"
  curl -ksSf "$url/healthz" | grep -q '"ok"' || fail "/healthz of the installed daemon"
  pass "installed binary serves $url/healthz as user helpdeskd with the packaged config"
  if [[ ${1:-} == first ]]; then
    # As root, while the daemon runs: the CLI drops to the data owner and issues a link.
    local link token
    link=$(helpdeskd setup-link) || fail "helpdeskd setup-link as root"
    token=${link##*token=}
    [[ $(curl -ksS -o /dev/null -w '%{http_code}' "$url/setup?token=$token") == 200 ]] || fail "the setup link from the CLI does not open"
    [[ -z $(find /var/lib/helpdeskd ! -user helpdeskd) ]] || fail "root-owned files in /var/lib/helpdeskd: $(find /var/lib/helpdeskd ! -user helpdeskd)"
    pass "setup-link as root works while the daemon runs; no root-owned data files"
  fi
  kill -TERM "$pid"
  wait "$pid" || fail "the daemon did not stop cleanly on SIGTERM"
}

step "run the installed daemon"
run_installed first
helpdeskd doctor >/tmp/helpdeskd-doctor.out || { cat /tmp/helpdeskd-doctor.out; fail "helpdeskd doctor"; }
pass "helpdeskd doctor (as root) finds nothing wrong"

step "upgrade"
apt-get install -y -qq "./$UPGRADE_DEB" >/dev/null || fail "upgrade"
[[ $(dpkg-query -W -f='${Version}' helpdeskd) == "${VERSION}+upgrade" ]] || fail "upgrade did not happen"
[[ $(sha256sum /etc/helpdeskd/master.key) == "$KEY_SUM" ]] || fail "the upgrade changed the master key"
run_installed
pass "upgraded; master key untouched; data still opens"

step "remove"
apt-get remove -y -qq helpdeskd >/dev/null || fail "apt-get remove"
[[ ! -e /usr/bin/helpdeskd ]] || fail "binary still there after remove"
[[ -f /etc/helpdeskd/master.key && -f /var/lib/helpdeskd/system.db ]] || fail "remove deleted the key or the data"
[[ $(sha256sum /etc/helpdeskd/master.key) == "$KEY_SUM" ]] || fail "remove changed the master key"
pass "removed; configuration, master key and data kept"

step "purge"
apt-get purge -y helpdeskd >/tmp/helpdeskd-purge.out 2>&1 || { cat /tmp/helpdeskd-purge.out; fail "apt-get purge"; }
grep "purging: deleting /etc/helpdeskd" /tmp/helpdeskd-purge.out || fail "purge did not say what it deletes"
[[ ! -e /etc/helpdeskd && ! -e /var/lib/helpdeskd ]] || fail "purge left configuration or data"
pass "purged; configuration, key and data gone"

printf '\npackage-check: all steps passed\n'
