#!/usr/bin/env bash
# Provision the system services the test suites need, on a fresh Debian 12 machine, as root:
#   - Debian packages: docker.io (dockerd + containerd + runc), debootstrap, maven, curl, iproute2;
#   - a private dockerd on its own socket (no iptables changes), state under <repo>/.cache/ci-services;
#   - the local Keycloak image (docker/keycloak/build-image.sh), built once and cached;
#   - <repo>/.cache/ci-services.env, which callers source: DOCKER_HOST, Testcontainers settings, the image name.
# Idempotent: a second run reuses the running dockerd and the built image. `ci-services.sh stop` tears down.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ "${1:-start}" = "stop" ]; then
  exec "$ROOT/tooling/scripts/ci-services-stop.sh"
fi

SOCK="${PORTCULLIS_DOCKER_SOCK:-/run/portcullis-docker.sock}"
STATE="$ROOT/.cache/ci-services"
ENV_FILE="$ROOT/.cache/ci-services.env"
KEYCLOAK_VERSION="${PORTCULLIS_KEYCLOAK_VERSION:-26.7.3}"
IMAGE="localhost/portcullis-keycloak:$KEYCLOAK_VERSION"
started=$(date +%s)

log() { echo "ci-services: $*" >&2; }
die() { echo "ci-services: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs Debian packages and starts dockerd)"

# 1. Debian packages (only what is missing; apt-get update only when something is).
packages=(docker.io debootstrap curl ca-certificates iproute2 tar gzip redis-server chromium)
command -v mvn >/dev/null || packages+=(maven)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  # Keep the package scripts from starting the system-wide dockerd: ours runs on its own socket.
  policy_added=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=true
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  $policy_added && rm -f /usr/sbin/policy-rc.d
else
  log "Debian packages present"
fi

# 2. dockerd on its own socket; reuse it when it already answers.
ping_docker() { curl -sf --max-time 2 --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1; }
mkdir -p "$STATE"
if ping_docker; then
  log "reusing the running dockerd at unix://$SOCK"
else
  exec_root="$STATE/exec"
  # containerd's socket lives under the exec root; unix socket paths are limited to 108 bytes.
  if [ ${#exec_root} -gt 60 ]; then exec_root="/run/portcullis-docker-exec"; fi
  if [ -f "$STATE/dockerd.pid" ] && ! kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null; then
    rm -f "$STATE/dockerd.pid"
  fi
  rm -f "$SOCK"
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=1048576
  log "starting dockerd on unix://$SOCK (data root $STATE/data, log $STATE/dockerd.log)"
  setsid dockerd --host "unix://$SOCK" \
    --data-root "$STATE/data" --exec-root "$exec_root" --pidfile "$STATE/dockerd.pid" \
    --iptables=false --ip6tables=false --ip-masq=false \
    --default-ulimit "nofile=$nofile:$nofile" --default-ulimit nproc=32768:32768 \
    </dev/null >"$STATE/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    ping_docker && break
    kill -0 $! 2>/dev/null || { tail -n 20 "$STATE/dockerd.log" >&2; die "dockerd exited (log above)"; }
    sleep 0.25
  done
  ping_docker || { tail -n 20 "$STATE/dockerd.log" >&2; die "dockerd did not answer _ping within 30s"; }
  log "dockerd ready (pid $(cat "$STATE/dockerd.pid"))"
fi
export DOCKER_HOST="unix://$SOCK"

# 3. The local Keycloak image (skipped when present).
"$ROOT/docker/keycloak/build-image.sh"

# 4. The environment for the test suites.
cat >"$ENV_FILE.partial" <<EOF
# Written by tooling/scripts/ci-services.sh; source it before running the tests.
export DOCKER_HOST=unix://$SOCK
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export PORTCULLIS_KEYCLOAK_IMAGE=$IMAGE
EOF
mv "$ENV_FILE.partial" "$ENV_FILE"
log "wrote $ENV_FILE; ready in $(($(date +%s) - started))s"
