#!/usr/bin/env bash
# Installs the Debian packages the project needs; prints nothing when they are all present.
# Usage: scripts/install-deps.sh [build|test|bench|demo|image]   (default: build)
# When something is missing: one line naming the packages, then apt's progress as short lines
# (download and install percentages); apt's own output goes to a log that is shown only when apt
# fails. Runs apt-get as root, through sudo otherwise.
set -euo pipefail
. "$(dirname "$0")/lib/ui.sh"

# apt-utils: without it debconf cannot preconfigure packages and says so on every later install
# (apt's output goes to a log anyway, shown only when apt fails).
# libprotobuf-dev, protobuf-compiler: the Open Inference Protocol messages (src/oip/*.proto).
# libnghttp2-dev: HTTP/2 on the listener (nghttp2's session API).
# lld: the linker every preset uses (cmake/linker.cmake; without it, GNU ld, slower).
# libjemalloc-dev: the allocator the release binary links (CMakeLists.txt).
build_packages=(apt-utils g++ lld cmake ninja-build ccache pkg-config libboost1.81-dev
    nlohmann-json3-dev libspdlog-dev libyaml-cpp-dev libcli11-dev libgtest-dev libgmock-dev
    libsimdjson-dev zlib1g-dev curl python3 libprotobuf-dev protobuf-compiler libssl-dev
    libnghttp2-dev libjemalloc-dev)
# openssl: the TLS tests and benchmarks make their CA and certificates with it.
test_packages=(clang-14 libclang-rt-14-dev clang-tidy-14 prometheus chromium yamllint jq gzip
    procps openssl)
bench_packages=(wrk nginx valgrind procps openssl nghttp2-client)
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

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
        echo "install-deps.sh: run as root or install sudo; missing: ${missing[*]}" >&2
        exit 1
    }
    sudo=(sudo)
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0)
log=$(mktemp "${TMPDIR:-/tmp}/shadowproxy-apt.XXXXXX")
trap 'rm -f "$log"' EXIT

# apt_failed WHAT: shows apt's output and exits.
apt_failed() {
    tail -n 40 "$log" >&2
    echo "install-deps.sh: $1 failed (apt's output above)" >&2
    trap - EXIT
    echo "full apt output: $log" >&2
    exit 1
}

# show_apt_progress: reads apt's status lines (APT::Status-Fd) and prints "downloading 40%",
# "installing 70%": in place on a terminal, else at every 20%.
show_apt_progress() {
    local kind percent step="" shown=-20 open=false
    while IFS=: read -r kind _ percent _; do
        case "$kind" in
            dlstatus) kind=downloading ;;
            pmstatus) kind=installing ;;
            *) continue ;;
        esac
        percent=${percent%%.*}
        if [ "$kind" != "$step" ]; then
            step=$kind
            shown=-20
        fi
        if [ -t 1 ]; then
            printf '\r  apt: %-11s %3d%% %s   ' "$kind" "$percent" "$(ui_duration $SECONDS)"
            open=true
        elif [ "$percent" -ge $((shown + 20)) ]; then
            shown=$((percent / 20 * 20))
            printf '  apt: %-11s %3d%% %s\n' "$kind" "$percent" "$(ui_duration $SECONDS)"
        fi
    done
    if $open; then echo; fi
}

echo "  apt-get update (package lists)"
"${apt[@]}" update -q >"$log" 2>&1 || apt_failed "apt-get update"
plan=$("${apt[@]}" install -s --no-install-recommends "${missing[@]}" 2>>"$log") ||
    apt_failed "apt-get install --simulate"
count=$(grep -c '^Inst ' <<<"$plan" || true)
echo "  installing ${#missing[@]} packages (${count} with their dependencies; this can take a few" \
    "minutes): ${missing[*]}"
if ! "${apt[@]}" install -y -q --no-install-recommends -o APT::Status-Fd=3 "${missing[@]}" \
    3>&1 >>"$log" 2>&1 | show_apt_progress; then
    apt_failed "apt-get install"
fi
echo "  installed in $(ui_duration $SECONDS)"
