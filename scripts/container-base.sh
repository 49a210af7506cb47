#!/usr/bin/env bash
# Builds a Debian base image for examples/Dockerfile without any image registry: debootstrap from the
# Debian mirror this machine's apt already uses, then `podman import` (or `docker import`).
#
#   sudo scripts/container-base.sh                 # localhost/airlock-base, unless it exists
#   sudo scripts/container-base.sh --rebuild IMAGE
#
# Then build the examples on it: --build-arg BASE_IMAGE=localhost/airlock-base.
# Needs root (debootstrap), debootstrap, and podman or docker. Takes about two minutes.
set -euo pipefail

rebuild=0
if [ "${1:-}" = "--rebuild" ]; then rebuild=1; shift; fi
image=${1:-localhost/airlock-base}
suite=${AIRLOCK_BASE_SUITE:-bookworm}

engine=${AIRLOCK_CONTAINER_ENGINE:-}
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman
  elif command -v docker >/dev/null; then engine=docker
  else echo "container-base: neither podman nor docker is installed" >&2; exit 1; fi
fi

if [ "$rebuild" = 0 ] && "$engine" image inspect "$image" >/dev/null 2>&1; then
  echo "container-base: $image exists (--rebuild to build it again)"
  exit 0
fi

# The first Debian mirror apt is configured with (deb822 .sources files, then the one-line format).
mirror=${AIRLOCK_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{ print $2 }' || true)
fi
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{ print $2 }' || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
  echo "container-base: debootstrap is not installed (apt-get install debootstrap)" >&2
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "container-base: debootstrap $suite from $mirror"
debootstrap --variant=minbase --include=git,ca-certificates,openssh-client "$suite" "$root" "$mirror" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | "$engine" import - "$image" >/dev/null
echo "container-base: built $image"
