#!/usr/bin/env bash
# Builds the .deb and checks it the way an IT team meets it: lintian, the unit's security
# rating, then install → systemd-analyze verify → the installed binary served as the
# helpdeskd user → doctor → upgrade → remove → purge, on this machine.
#
# Runs as root on Debian 12, also without systemd as PID 1 (containers, CI): the maintainer
# scripts then enable the units without starting them, and the installed binary is started
# by hand as the helpdeskd user with the packaged configuration and key. Installs what it
# needs when missing. Idempotent: an earlier installation of helpdeskd is purged first.
# Prints PASS or FAIL per step and exits non-zero at the first failure.
#
# --systemd adds packaging/systemd-boot-check.sh: the same package under a real systemd,
# booted in a throw-away systemd-nspawn overlay of this machine (units start, the hardened
# service serves ports 443/80 from the sockets, reload, watchdog, upgrade, remove, purge).
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_SYSTEMD=0
for arg in "$@"; do
  case $arg in
    --systemd) WITH_SYSTEMD=1 ;;
    *) echo "usage: $0 [--systemd]" >&2; exit 2 ;;
  esac
done

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*" >&2; exit 1; }
step() { printf '\n--- %s\n' "$*"; }

[[ $(id -u) -eq 0 ]] || fail "package-check: run as root (it installs and purges the package)"

export DEBIAN_FRONTEND=noninteractive
TMP=$(mktemp -d /tmp/helpdeskd-package-check.XXXXXX)
chmod 0755 "$TMP" # the daemon, as helpdeskd, writes its output here
DAEMON_PID=""
cleanup() {
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

step "tools"
need_pkgs=()
for pair in lintian:lintian systemd-analyze:systemd curl:curl setpriv:util-linux deluser:adduser; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_pkgs+=("${pair#*:}")
done
if ((${#need_pkgs[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null || fail "apt-get install ${need_pkgs[*]}"
fi
if ! cargo deb --version >/dev/null 2>&1; then
  cargo install --locked cargo-deb || fail "cargo install cargo-deb"
fi
pass "lintian, systemd-analyze, curl, setpriv, $(cargo deb --version)"

VERSION=$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "helpdeskd"))')
DEB=target/debian/helpdeskd_${VERSION}_amd64.deb
UPGRADE_DEB=target/debian-upgrade/helpdeskd_${VERSION}+upgrade_amd64.deb
UNIT_DIR=/usr/lib/systemd/system
UNITS=(helpdeskd.service helpdeskd-https.socket helpdeskd-http.socket)

step "build"
# A no-op when the release binary is up to date, so `cargo deb --no-build` reuses it.
cargo build --release --locked || fail "cargo build --release"
# The same binary under a higher version exercises a real upgrade. Built first: each
# `cargo deb` run deletes the package's earlier .deb files from target/debian.
mkdir -p target/debian-upgrade
rm -f target/debian-upgrade/helpdeskd_*.deb
cargo deb --locked --no-build --deb-version "${VERSION}+upgrade" --output "$UPGRADE_DEB" >/dev/null ||
  fail "cargo deb (upgrade version)"
cargo deb --locked --no-build >/dev/null || fail "cargo deb"
[[ -f $DEB && -f $UPGRADE_DEB ]] || fail "expected $DEB and $UPGRADE_DEB"
pass "built $DEB"

step "lintian"
# Errors and warnings fail; info tags stay visible. Justified overrides:
# packaging/lintian-overrides (shipped in the package).
lintian --info --display-info "$DEB" 2>&1 | grep -v '^N:' | grep -v 'running with root privileges' || true
lintian --fail-on error,warning "$DEB" >/dev/null 2>&1 || fail "lintian reports errors or warnings"
pass "lintian: no errors, no warnings"

step "unit hardening"
security=$(systemd-analyze security --offline=yes --threshold=20 systemd/helpdeskd.service 2>&1) ||
  { printf '%s\n' "$security"; fail "systemd-analyze security: exposure above 2.0"; }
printf '%s\n' "$security" | grep -v '✓'
pass "systemd-analyze security: $(printf '%s\n' "$security" | grep -o 'exposure level for helpdeskd.service: .*')"

if dpkg -s helpdeskd >/dev/null 2>&1; then
  step "purging an earlier installation"
  apt-get purge -y -qq helpdeskd >/dev/null || fail "apt-get purge of the earlier installation"
  pass "purged the earlier installation"
fi

step "install"
apt-get install -y -qq "./$DEB" >"$TMP/install.out" 2>&1 || { cat "$TMP/install.out"; fail "apt-get install ./$DEB"; }
grep '^helpdeskd:' "$TMP/install.out" || true
mode() { stat -c '%U:%G %a' "$1"; }
getent passwd helpdeskd >/dev/null || fail "no helpdeskd user"
[[ $(getent passwd helpdeskd | cut -d: -f6,7) == /var/lib/helpdeskd:/usr/sbin/nologin ]] ||
  fail "helpdeskd user home/shell: $(getent passwd helpdeskd)"
[[ $(id -u helpdeskd) -lt 1000 ]] || fail "helpdeskd is not a system user"
[[ $(mode /etc/helpdeskd) == "root:helpdeskd 750" ]] || fail "/etc/helpdeskd: $(mode /etc/helpdeskd)"
[[ $(mode /etc/helpdeskd/helpdeskd.toml) == "root:helpdeskd 640" ]] ||
  fail "helpdeskd.toml: $(mode /etc/helpdeskd/helpdeskd.toml)"
dpkg-query -W -f='${Conffiles}\n' helpdeskd | grep -q ' /etc/helpdeskd/helpdeskd.toml ' ||
  fail "helpdeskd.toml is not a conffile"
[[ $(mode /etc/helpdeskd/master.key) == "helpdeskd:helpdeskd 400" ]] ||
  fail "master.key: $(mode /etc/helpdeskd/master.key)"
if ! { [[ $(wc -c </etc/helpdeskd/master.key) -eq 65 ]] && grep -Eqx '[0-9a-f]{64}' /etc/helpdeskd/master.key; }; then
  fail "master.key is not 64 lowercase hex characters and a newline"
fi
[[ $(mode /var/lib/helpdeskd) == "helpdeskd:helpdeskd 750" ]] || fail "/var/lib/helpdeskd: $(mode /var/lib/helpdeskd)"
setpriv --reuid=helpdeskd --regid=helpdeskd --init-groups test ! -w /etc/helpdeskd/helpdeskd.toml ||
  fail "the service user can write its configuration"
for wants in multi-user.target.wants/helpdeskd.service sockets.target.wants/helpdeskd-https.socket \
  sockets.target.wants/helpdeskd-http.socket; do
  [[ -L /etc/systemd/system/$wants ]] || fail "not enabled: $wants"
done
pass "installed: system user, /etc/helpdeskd root:helpdeskd 0750, conffile 0640, master.key helpdeskd 0400 (64 hex), /var/lib/helpdeskd 0750, units enabled"

step "systemd-analyze verify"
verify_units=()
for unit in "${UNITS[@]}"; do
  [[ -f $UNIT_DIR/$unit ]] || fail "not installed: $UNIT_DIR/$unit"
  verify_units+=("$UNIT_DIR/$unit")
done
systemd-analyze verify "${verify_units[@]}" || fail "systemd-analyze verify ${verify_units[*]}"
pass "installed units verify: ${UNITS[*]}"

KEY_SUM=$(sha256sum </etc/helpdeskd/master.key)

root_owned() { find /var/lib/helpdeskd ! -user helpdeskd -printf '%p ' ; }

run_installed() { # the installed binary as the service user with the packaged config
  local out=$TMP/serve.out err=$TMP/serve.err url="" link token
  : >"$out"
  : >"$err"
  # setpriv execs the daemon (runuser would stay as its parent and re-raise SIGTERM on
  # itself), so $! is the daemon: it gets our SIGTERM and its own exit status is checked.
  setpriv --reuid=helpdeskd --regid=helpdeskd --init-groups --reset-env \
    helpdeskd serve --config /etc/helpdeskd/helpdeskd.toml --listen 127.0.0.1:0 >"$out" 2>"$err" &
  DAEMON_PID=$!
  for _ in $(seq 1 300); do
    url=$(sed -n 's|^listening on \(https://[0-9.:]*\)$|\1|p' "$out")
    [[ -n $url ]] && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$err" >&2; fail "the installed daemon exited before listening"; }
    sleep 0.1
  done
  [[ -n $url ]] || { cat "$err" >&2; fail "the installed daemon never printed 'listening on https://...'"; }
  curl -ksSf "$url/healthz" | grep -q '"ok"' || fail "GET $url/healthz"
  pass "installed binary serves $url/healthz as user helpdeskd with /etc/helpdeskd/helpdeskd.toml"
  [[ ! -e /var/lib/helpdeskd/master.key ]] || fail "the daemon made its own key instead of using /etc/helpdeskd/master.key"
  if [[ ${1:-} == first ]]; then
    # As root, while the daemon runs: the CLI issues a link the daemon honours.
    link=$(helpdeskd setup-link) || fail "helpdeskd setup-link (as root)"
    token=${link##*token=}
    [[ $(curl -ksS -o /dev/null -w '%{http_code}' "$url/setup?token=$token") == 200 ]] ||
      fail "the setup link from the CLI does not open on the running daemon"
    [[ -z $(root_owned) ]] || fail "files in /var/lib/helpdeskd not owned by helpdeskd after setup-link: $(root_owned)"
    pass "helpdeskd setup-link as root works while the daemon runs; no root-owned data files"
  fi
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID" || { cat "$err" >&2; fail "the daemon did not exit 0 on SIGTERM"; }
  DAEMON_PID=""
  pass "SIGTERM: the daemon stopped cleanly (exit 0)"
}

step "run the installed daemon"
run_installed first
rc=0
helpdeskd doctor >"$TMP/doctor.out" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$TMP/doctor.out"; fail "helpdeskd doctor (as root) exited $rc"; }
[[ -z $(root_owned) ]] || fail "files in /var/lib/helpdeskd not owned by helpdeskd after doctor: $(root_owned)"
pass "helpdeskd doctor (as root) exits 0; no root-owned data files"

step "upgrade (${VERSION} -> ${VERSION}+upgrade)"
echo "# local change kept across upgrades" >>/etc/helpdeskd/helpdeskd.toml
apt-get install -y -qq "./$UPGRADE_DEB" >"$TMP/upgrade.out" 2>&1 || { cat "$TMP/upgrade.out"; fail "apt-get install ./$UPGRADE_DEB"; }
[[ $(dpkg-query -W -f='${Version}' helpdeskd) == "${VERSION}+upgrade" ]] || fail "the upgrade did not happen"
[[ $(sha256sum </etc/helpdeskd/master.key) == "$KEY_SUM" ]] || fail "the upgrade changed the master key"
[[ $(mode /etc/helpdeskd/master.key) == "helpdeskd:helpdeskd 400" ]] || fail "master.key after upgrade: $(mode /etc/helpdeskd/master.key)"
grep -q '^# local change kept across upgrades$' /etc/helpdeskd/helpdeskd.toml || fail "the upgrade dropped a local configuration change"
[[ $(mode /etc/helpdeskd/helpdeskd.toml) == "root:helpdeskd 640" ]] || fail "helpdeskd.toml after upgrade: $(mode /etc/helpdeskd/helpdeskd.toml)"
pass "upgraded; master key byte-identical; local configuration change and permissions kept"
run_installed
pass "the upgraded package opens the same data"

step "reinstall the same version"
apt-get install -y -qq --reinstall "./$UPGRADE_DEB" >"$TMP/reinstall.out" 2>&1 || { cat "$TMP/reinstall.out"; fail "apt-get install --reinstall"; }
[[ $(sha256sum </etc/helpdeskd/master.key) == "$KEY_SUM" ]] || fail "the reinstall changed the master key"
pass "reinstalled; master key byte-identical"

step "remove"
apt-get remove -y -qq helpdeskd >"$TMP/remove.out" 2>&1 || { cat "$TMP/remove.out"; fail "apt-get remove"; }
grep '^helpdeskd:' "$TMP/remove.out" || true
[[ ! -e /usr/bin/helpdeskd ]] || fail "/usr/bin/helpdeskd still there after remove"
[[ -f /etc/helpdeskd/helpdeskd.toml && -f /var/lib/helpdeskd/system.db ]] || fail "remove deleted the configuration or the data"
[[ $(sha256sum </etc/helpdeskd/master.key) == "$KEY_SUM" ]] || fail "remove changed or deleted the master key"
getent passwd helpdeskd >/dev/null || fail "remove deleted the helpdeskd user"
pass "removed; configuration, master key, data and user kept"

step "purge"
apt-get purge -y helpdeskd >"$TMP/purge.out" 2>&1 || { cat "$TMP/purge.out"; fail "apt-get purge"; }
grep '^helpdeskd:' "$TMP/purge.out" || true
grep -q 'purge: deleting /etc/helpdeskd' "$TMP/purge.out" || fail "purge did not say what it deletes"
[[ ! -e /etc/helpdeskd && ! -e /var/lib/helpdeskd ]] || fail "purge left /etc/helpdeskd or /var/lib/helpdeskd"
if [[ ! -e /var/backups/helpdeskd ]]; then
  ! getent passwd helpdeskd >/dev/null || fail "purge left the helpdeskd user"
  ! getent group helpdeskd >/dev/null || fail "purge left the helpdeskd group"
fi
for unit in "${UNITS[@]}"; do
  [[ -z $(find /etc/systemd/system -name "$unit" 2>/dev/null) ]] || fail "purge left enablement links for $unit"
done
! dpkg -s helpdeskd >/dev/null 2>&1 || fail "dpkg still knows helpdeskd after purge"
pass "purged; configuration, master key, data, user and unit links gone"

if ((WITH_SYSTEMD)); then
  step "under systemd (systemd-nspawn, throw-away overlay)"
  packaging/systemd-boot-check.sh "$DEB" "$UPGRADE_DEB" || fail "the package under systemd"
fi

printf '\nPASS  package-check: all steps passed\n'
