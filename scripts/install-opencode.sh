#!/usr/bin/env bash
# Installs the pinned OpenCode that agentperf's demo and e2e tests drive,
# with npm from the registry (no sudo):
#   <dir>/node_modules/.bin/opencode      opencode-ai@1.18.33 (the real binary)
#   <dir>/plugin/node_modules/            @opencode-ai/plugin@1.18.33, copied into
#                                         every opencode config dir so that
#                                         opencode does not run its own npm
#                                         install at start (70 s stall offline)
# <dir> is $AGENTPERF_OPENCODE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/opencode-1.18.33.
#
# Idempotent: does nothing when the binary there prints 1.18.33 and the plugin
# package is present. Installs into a staging folder and renames it, so an
# interrupted install never leaves a half-filled <dir>. Works with Debian 12's
# nodejs 18 + npm 9 and with Node 20+.
set -euo pipefail

VERSION=1.18.33
dir=${AGENTPERF_OPENCODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentperf/opencode-$VERSION}
bin=$dir/node_modules/.bin/opencode
plugin=$dir/plugin/node_modules/@opencode-ai/plugin/package.json

installed() {
  [ -x "$bin" ] && [ -f "$plugin" ] && [ "$("$bin" --version 2>/dev/null | tr -d '[:space:]')" = "$VERSION" ]
}

if installed; then
  echo "install-opencode: opencode $VERSION already installed in $dir"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-opencode: error: npm not found. Install Node.js and npm first" \
       "(Debian: scripts/install-deps.sh, or apt-get install nodejs npm)." >&2
  exit 1
fi

parent=$(dirname "$dir")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.opencode-$VERSION.XXXXXX")
trap 'rm -rf "$stage"' EXIT

npm_install() {  # folder, packages...
  local where=$1
  shift
  mkdir -p "$where"
  printf '{\n  "name": "agentperf-opencode-%s",\n  "private": true\n}\n' "$(basename "$where")" >"$where/package.json"
  # --prefix keeps npm 9 and 11 from walking up to another package.json.
  npm install --prefix "$where" --no-audit --no-fund --no-update-notifier --save-exact --loglevel=error "$@"
}

echo "install-opencode: installing opencode-ai@$VERSION and @opencode-ai/plugin@$VERSION into $dir"
npm_install "$stage" "opencode-ai@$VERSION"
npm_install "$stage/plugin" "@opencode-ai/plugin@$VERSION"

got=$("$stage/node_modules/.bin/opencode" --version 2>/dev/null | tr -d '[:space:]' || true)
if [ "$got" != "$VERSION" ]; then
  echo "install-opencode: error: the installed binary prints '$got', expected $VERSION" >&2
  exit 1
fi

rm -rf "$dir"
mv "$stage" "$dir"
trap - EXIT
if ! installed; then
  echo "install-opencode: error: $bin does not work after the install" >&2
  exit 1
fi
echo "install-opencode: opencode $VERSION installed: $bin"
