#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever agentperf needs and is missing.
# Idempotent; uses sudo when not run as root. Nothing is downloaded from
# elsewhere.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git curl ca-certificates procps
  libboost1.81-dev libsimdjson-dev libzstd-dev zlib1g-dev libfmt-dev libcli11-dev
  libsqlite3-dev libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  postgresql-15 libpq-dev
  nodejs ripgrep python3
)
# npm: Debian's package, unless an npm is already there (a NodeSource nodejs
# ships its own, and Debian's npm would conflict with it).
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
