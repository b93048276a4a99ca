#!/usr/bin/env bash
# Configures and builds one or more CMake presets (release, asan, tsan, fuzz), one tree each.
# Usage: scripts/build.sh [preset...]   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release)
[ -n "${CI:-}" ] && export SHADOWPROXY_WERROR=ON
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/shadowproxy-ccache}"
export CCACHE_BASEDIR="$PWD"
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
jobs="${BUILD_JOBS:-$(nproc)}"

for preset in "${presets[@]}"; do
    if [ ! -f "build/$preset/build.ninja" ]; then
        cmake --preset "$preset" >/dev/null
    fi
    cmake --build --preset "$preset" -j "$jobs"
done
