#!/usr/bin/env bash
# Tear down what tooling/scripts/ci-services.sh started: remove every container of the private dockerd, stop it
# (by the PID in its pidfile), and delete the docker0 bridge it created. Images and caches stay in .cache/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SOCK="${PORTCULLIS_DOCKER_SOCK:-/run/portcullis-docker.sock}"
STATE="$ROOT/.cache/ci-services"
PIDFILE="$STATE/dockerd.pid"

log() { echo "ci-services-stop: $*" >&2; }

if curl -sf --max-time 2 --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1; then
  ids=$(DOCKER_HOST="unix://$SOCK" docker ps -aq)
  if [ -n "$ids" ]; then
    log "removing containers: $(echo "$ids" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    DOCKER_HOST="unix://$SOCK" docker rm -f $ids >/dev/null
  fi
fi

if [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && kill -0 "$pid" 2>/dev/null; then
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd still running after 20s; sending SIGKILL"
    kill -KILL "$pid"
  fi
else
  log "no dockerd running from $PIDFILE"
fi
rm -f "$PIDFILE"

if ip link show docker0 >/dev/null 2>&1; then
  log "deleting the docker0 bridge"
  ip link delete docker0
fi
log "stopped"
