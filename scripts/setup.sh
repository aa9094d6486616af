#!/usr/bin/env bash
# Sets up everything hardend needs on a fresh Debian 12 machine, idempotently:
#   1. installs missing Debian packages (when root),
#   2. starts dockerd when nothing answers on the Docker socket,
#   3. builds hardend (CMake + Ninja, into ./build),
#   4. builds and imports the offline test image(s) through the Engine API,
#   5. Podman (issue 8, skip with HARDEND_SETUP_PODMAN=0): installs Debian's podman, starts its Docker-compatible
#      service on /run/podman/podman.sock when nothing answers there, and imports the same test image into it.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*"; }

packages=(build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  docker.io iptables iproute2 python3.11 python3 procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  log "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# dockerd: start it only when no daemon answers on the socket.
socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
socket=${socket#unix://}
docker_ping() { curl -sf --max-time 2 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1; }
if ! docker_ping; then
  if [ "$(id -u)" -ne 0 ]; then echo "[setup] no Docker daemon on $socket, and not root to start one" >&2; exit 1; fi
  log "starting dockerd (log: /var/log/hardend-dockerd.log)"
  # Debian's iptables defaults to the nf_tables backend, which dockerd 20.10 supports.
  nohup dockerd --host "unix://$socket" >/var/log/hardend-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker_ping && break; sleep 0.5; done
  docker_ping || { echo "[setup] dockerd did not come up; see /var/log/hardend-dockerd.log" >&2; tail -20 /var/log/hardend-dockerd.log >&2; exit 1; }
fi
log "docker daemon answers on $socket"

build_type=${HARDEND_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build build -j"$(nproc)"
log "built build/hardend"

# Offline test image: Debian's Python 3.11 files as an image, imported through the Engine API by hardend itself.
image=hardend/python:3.11
if ! build/hardend image exists "$image" >/dev/null 2>&1 || [ "${HARDEND_REBUILD_IMAGES:-0}" = 1 ]; then
  tar_path=$(mktemp /tmp/hardend-python-rootfs.XXXXXX.tar)
  scripts/build-test-rootfs.sh "$tar_path"
  build/hardend image import "$tar_path" "$image"
  rm -f "$tar_path"
fi
log "test image $image is present"

# Podman (docs/PODMAN.md): the rootful service on its standard socket, and the test image in Podman's own store.
if [ "${HARDEND_SETUP_PODMAN:-1}" != 0 ]; then
  if ! dpkg-query -W -f='${Status}' podman 2>/dev/null | grep -q "install ok installed"; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "[setup] podman is not installed (run as root, or: sudo apt-get install podman; HARDEND_SETUP_PODMAN=0 skips it)" >&2
      exit 1
    fi
    log "installing: podman"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >/dev/null
  fi
  podman_socket=${HARDEND_PODMAN_SOCKET:-/run/podman/podman.sock}
  podman_socket=${podman_socket#unix://}
  podman_ping() { curl -sf --max-time 2 --unix-socket "$podman_socket" http://localhost/_ping >/dev/null 2>&1; }
  if ! podman_ping; then
    if [ "$(id -u)" -ne 0 ]; then echo "[setup] nothing answers on $podman_socket, and not root to start podman" >&2; exit 1; fi
    log "starting podman system service on $podman_socket (log: /var/log/hardend-podman.log)"
    mkdir -p "$(dirname "$podman_socket")"
    # --time=0: the service never exits for being idle (the tests come and go).
    # From /: conmon writes files such as "oom" into its working directory, which must not be the checkout.
    # exec: no shell stays behind holding this script's stdout (`setup.sh | tee log` would never end).
    (cd / && exec nohup podman system service --time=0 "unix://$podman_socket" </dev/null >/var/log/hardend-podman.log 2>&1) &
    for _ in $(seq 1 60); do podman_ping && break; sleep 0.5; done
    podman_ping || { echo "[setup] podman did not come up; see /var/log/hardend-podman.log" >&2; tail -20 /var/log/hardend-podman.log >&2; exit 1; }
  fi
  log "podman answers on $podman_socket ($(podman --version))"
  export HARDEND_PODMAN_SOCKET="unix://$podman_socket"
  if ! build/hardend --runtime podman image exists "$image" >/dev/null 2>&1 || [ "${HARDEND_REBUILD_IMAGES:-0}" = 1 ]; then
    tar_path=$(mktemp /tmp/hardend-python-rootfs.XXXXXX.tar)
    scripts/build-test-rootfs.sh "$tar_path"
    build/hardend --runtime podman image import "$tar_path" "$image"
    rm -f "$tar_path"
  fi
  build/hardend --runtime podman image exists "$image" >/dev/null
  log "test image $image is present in podman"
fi
