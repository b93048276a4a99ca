#!/usr/bin/env bash
# Installs the Debian packages the project needs; quiet and quick when they are all present.
# Usage: scripts/install-deps.sh [build|test|bench|demo|image]   (default: build)
set -euo pipefail

build_packages=(g++ cmake ninja-build ccache pkg-config libboost1.81-dev nlohmann-json3-dev
    libspdlog-dev libyaml-cpp-dev libcli11-dev libgtest-dev libgmock-dev libsimdjson-dev zlib1g-dev
    curl python3)
test_packages=(clang-14 libclang-rt-14-dev prometheus chromium yamllint jq gzip procps)
bench_packages=(wrk nginx valgrind procps)
# Container images without a Docker engine (scripts/image.sh): buildah, and debootstrap for
# the Debian base images; binutils strips the binary.
image_packages=(buildah debootstrap binutils)

wanted=("${build_packages[@]}")
case "${1:-build}" in
    build | demo) ;;
    test) wanted+=("${test_packages[@]}" "${image_packages[@]}") ;;
    bench) wanted+=("${bench_packages[@]}") ;;
    image) wanted+=("${image_packages[@]}") ;;
    *) echo "install-deps.sh: unknown set '$1' (build, test, bench, demo, image)" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
