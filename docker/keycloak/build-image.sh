#!/usr/bin/env bash
# Build the local Keycloak image `localhost/portcullis-keycloak:<version>` without any container registry:
#   1. a Debian bookworm root filesystem (debootstrap --variant=minbase, mirror read from this machine's apt sources)
#      with Debian's openjdk-17-jre-headless installed inside it (self-contained: no host JDK is copied);
#   2. the Keycloak server distribution from Maven Central (`mvn dependency:copy`), unpacked to /opt/keycloak and
#      pre-augmented (`kc.sh build`) with health on and the features below, so a container starts faster;
#   3. `docker import` with the image config (entrypoint, env, ports, user).
# The distribution and the base root filesystem are cached under <repo>/.cache/keycloak; the build is skipped when
# the image already exists (pass --force to rebuild). Needs root, debootstrap, mvn, tar and a reachable DOCKER_HOST.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${PORTCULLIS_KEYCLOAK_VERSION:-26.7.3}"
IMAGE="${PORTCULLIS_KEYCLOAK_IMAGE_NAME:-localhost/portcullis-keycloak}:${VERSION}"
FEATURES="${PORTCULLIS_KEYCLOAK_FEATURES-resource-indicators}"
CACHE="$ROOT/.cache/keycloak"
DIST="$CACHE/dist/keycloak-quarkus-dist-$VERSION.tar.gz"
BASE="$CACHE/rootfs-bookworm-openjdk17.tar"
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
FORCE=false
[ "${1:-}" = "--force" ] && FORCE=true

log() { echo "build-image: $*" >&2; }
die() { echo "build-image: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
for tool in docker debootstrap mvn tar chroot; do
  command -v "$tool" >/dev/null || die "'$tool' is missing; run tooling/scripts/ci-services.sh, which installs it"
done
docker version >/dev/null 2>&1 || die "no Docker daemon at DOCKER_HOST=${DOCKER_HOST:-<unset>}; start one first"

started=$(date +%s)
mkdir -p "$CACHE/dist"

# 1. The Keycloak server distribution (Maven Central through mvn, cached). Fetched even when the image exists:
#    the process runtime of packages/keycloak (and its test) runs it from this cache.
if [ ! -s "$DIST" ]; then
  log "fetching org.keycloak:keycloak-quarkus-dist:$VERSION:tar.gz with mvn"
  mvn -B -Dstyle.color=never dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:tar.gz" \
    -DoutputDirectory="$CACHE/dist" >"$CACHE/dist/mvn.log" 2>&1 ||
    { tail -n 30 "$CACHE/dist/mvn.log" >&2; die "mvn dependency:copy failed (log above)"; }
  [ -s "$DIST" ] || die "mvn did not produce $DIST"
else
  log "reusing cached distribution $DIST"
fi

if ! $FORCE && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already exists; skipping (pass --force to rebuild)"
  exit 0
fi

# The Debian mirror this machine already uses (deb822 sources first, then the one-line format).
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "no bookworm mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  echo "$uri"
}

WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
ROOTFS="$WORK/rootfs"
cleanup() {
  mountpoint -q "$ROOTFS/proc" 2>/dev/null && umount "$ROOTFS/proc"
  rm -rf "$WORK"
}
trap cleanup EXIT

# 2. The base root filesystem with a Java runtime (cached as a tarball).
if [ ! -s "$BASE" ]; then
  mirror="$(debian_mirror)"
  log "debootstrap bookworm (minbase) from the machine's Debian mirror"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  mount -t proc proc "$ROOTFS/proc"
  log "installing openjdk-17-jre-headless inside the root filesystem"
  chroot "$ROOTFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless ca-certificates' \
    >"$WORK/jre.log" 2>&1 || { tail -n 30 "$WORK/jre.log" >&2; die "JRE install failed (log above)"; }
  chroot "$ROOTFS" sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log'
  umount "$ROOTFS/proc"
  tar -C "$ROOTFS" -cf "$BASE.partial" . && mv "$BASE.partial" "$BASE"
  log "cached base root filesystem $BASE ($(du -h "$BASE" | cut -f1))"
else
  log "reusing cached base root filesystem $BASE"
  mkdir -p "$ROOTFS" && tar -C "$ROOTFS" -xf "$BASE"
fi

# 3. Keycloak in /opt/keycloak, owned by the non-root user keycloak (uid 1000, gid 0, like the official image).
mkdir -p "$ROOTFS/opt/keycloak"
tar -xzf "$DIST" -C "$ROOTFS/opt/keycloak" --strip-components=1
grep -q '^keycloak:' "$ROOTFS/etc/passwd" ||
  echo 'keycloak:x:1000:0:Keycloak:/opt/keycloak:/usr/sbin/nologin' >>"$ROOTFS/etc/passwd"
mkdir -p "$ROOTFS/opt/keycloak/data/import"
chown -R 1000:0 "$ROOTFS/opt/keycloak"
chmod -R g+rwX "$ROOTFS/opt/keycloak"

# Pre-augment: `start --optimized` then skips the build step; start-dev still re-augments (dev profile).
build_args=(--health-enabled=true)
[ -n "$FEATURES" ] && build_args+=("--features=$FEATURES")
log "augmenting Keycloak (kc.sh build ${build_args[*]})"
mount -t proc proc "$ROOTFS/proc"
chroot --userspec=1000:0 "$ROOTFS" /usr/bin/env HOME=/opt/keycloak JAVA_HOME="$JAVA_HOME_IN_IMAGE" \
  /opt/keycloak/bin/kc.sh build "${build_args[@]}" >"$WORK/augment.log" 2>&1 ||
  { tail -n 30 "$WORK/augment.log" >&2; die "kc.sh build failed (log above)"; }
umount "$ROOTFS/proc"

# 4. Import as an image.
log "importing $IMAGE"
tar -C "$ROOTFS" -cf - . | docker import \
  --change 'ENTRYPOINT ["/opt/keycloak/bin/kc.sh"]' \
  --change 'CMD ["start-dev"]' \
  --change "ENV JAVA_HOME=$JAVA_HOME_IN_IMAGE" \
  --change "ENV PATH=$JAVA_HOME_IN_IMAGE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV KC_RUN_IN_CONTAINER=true' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'EXPOSE 8080' \
  --change 'EXPOSE 9000' \
  --change 'WORKDIR /opt/keycloak' \
  --change 'USER 1000' \
  --change "LABEL org.opencontainers.image.title=portcullis-keycloak org.opencontainers.image.version=$VERSION" \
  - "$IMAGE" >/dev/null
log "built $IMAGE in $(($(date +%s) - started))s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
