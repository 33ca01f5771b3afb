#!/usr/bin/env bash
# The one command that runs every test: installs what is missing (Debian packages when run
# as root, cargo tools), builds once, runs unit and integration tests in parallel, then
# builds and checks the Debian package. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# Debian packages the build and the tests use.
packages=(
  gcc pkg-config libssl-dev   # bundled SQLCipher links OpenSSL's libcrypto
  openssl curl                # TLS checks from outside
  lintian systemd             # package lint, systemd-analyze verify/security
  adduser                     # the package's postinst on systems without systemd-sysusers
  swaks                       # inbound mail tests speak LMTP to the daemon with it
  chromium chromium-driver    # browser tests: headless Chromium through ChromeDriver (under CI
                              # they fail rather than skip without it)
)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
fi

cargo_tool() { # binary, crate
  if ! command -v "$1" >/dev/null 2>&1; then
    log "installing $2"
    cargo install --locked "$2"
  fi
}
cargo_tool cargo-nextest cargo-nextest
cargo_tool cargo-deb cargo-deb

log "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

log "unit and integration tests"
cargo nextest run --locked --no-fail-fast

log "package: build, lint, install, upgrade, remove, purge"
./scripts/package-check.sh
