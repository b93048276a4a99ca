#!/usr/bin/env bash
# Configures and builds one or more CMake presets (release, asan, tsan), one tree each; asan is
# clang++-14 (Debian package clang-14, scripts/install-deps.sh test) and holds the fuzz targets.
# Usage: scripts/build.sh [--target NAME]... [preset...]   (default: release, every target)
#   --target NAME   build only NAME (repeatable), e.g. --target shadowproxy --target model_server
# Prints a line per phase with the elapsed time and the build's progress as a percentage (ninja's
# [n/N]); compiler messages are shown as they come. The full ninja output goes to
# build/<preset>/build.log. Jobs: BUILD_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ui.sh

presets=()
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --target) [ $# -ge 2 ] || { echo "build.sh: --target needs a name" >&2; exit 2; }
                  targets+=("$2"); shift ;;
        -*) echo "build.sh: unknown option '$1' (--target NAME)" >&2; exit 2 ;;
        *) presets+=("$1") ;;
    esac
    shift
done
[ ${#presets[@]} -gt 0 ] || presets=(release)
[ -n "${CI:-}" ] && export SHADOWPROXY_WERROR=ON
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/shadowproxy-ccache}"
export CCACHE_BASEDIR="$PWD"
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export NINJA_STATUS="[%f/%t] "
jobs="${BUILD_JOBS:-$(nproc)}"

# show_progress LOG: reads ninja's output; writes all of it to LOG, prints compiler messages as
# they come and the [n/N] lines as a percentage: in place on a terminal, else every 10%.
show_progress() {
    local log=$1 line done total percent shown=-10 started=$SECONDS open=false
    local status='^\[([0-9]+)/([0-9]+)\] '
    : >"$log"
    while IFS= read -r line; do
        printf '%s\n' "$line" >>"$log"
        if [[ $line =~ $status ]]; then
            done=${BASH_REMATCH[1]}
            total=${BASH_REMATCH[2]}
            [ "$done" -gt 0 ] || continue
            percent=$((100 * done / total))
            if [ -t 1 ]; then
                printf '\r  build: %3d%% (%d/%d) %s   ' "$percent" "$done" "$total" \
                    "$(ui_duration $((SECONDS - started)))"
                open=true
            elif [ "$percent" -ge $((shown + 10)) ] || [ "$done" -eq "$total" ]; then
                shown=$((percent / 10 * 10))
                printf '  build: %3d%% (%d/%d) %s\n' "$percent" "$done" "$total" \
                    "$(ui_duration $((SECONDS - started)))"
            fi
        elif [ "$line" = "ninja: no work to do." ]; then
            echo "  up to date"
        else
            $open && { echo; open=false; }
            printf '%s\n' "$line"
        fi
    done
    if $open; then echo; fi
}

# The asan and tsan trees run the release tree's integration tests against their own proxy
# (tests/CMakeLists.txt): building either tree in full builds those tests in release first.
if [ ${#targets[@]} -eq 0 ] && [[ " ${presets[*]} " =~ " asan "|" tsan " ]] &&
    [[ " ${presets[*]} " != *" release "* ]]; then
    "$0" --target integration_tests release
fi

for preset in "${presets[@]}"; do
    # A tree configured before CMakePresets.json last changed (e.g. the asan preset's switch to
    # clang++-14) is configured afresh: the compiler and the presets' cache variables are read only
    # on a fresh configure. Objects whose command line did not change are not rebuilt.
    fresh=()
    if [ -f "build/$preset/CMakeCache.txt" ] && [ CMakePresets.json -nt "build/$preset/CMakeCache.txt" ]; then
        fresh=(--fresh)
    fi
    if [ ! -f "build/$preset/build.ninja" ] || [ ${#fresh[@]} -gt 0 ]; then
        ui_step "Configuring build/$preset (cmake ${fresh[*]:+--fresh }--preset $preset)"
        if ! output=$(cmake "${fresh[@]}" --preset "$preset" 2>&1); then
            printf '%s\n' "$output"
            echo "build.sh: configuring the $preset preset failed" >&2
            exit 1
        fi
    fi
    what="every target"
    target_args=()
    if [ ${#targets[@]} -gt 0 ]; then
        what="${targets[*]}"
        target_args=(--target "${targets[@]}")
    fi
    ui_step "Building $what in build/$preset ($jobs jobs)"
    started=$SECONDS
    if ! cmake --build --preset "$preset" -j "$jobs" "${target_args[@]}" 2>&1 |
        show_progress "build/$preset/build.log"; then
        echo "build.sh: building the $preset preset failed (full output: build/$preset/build.log)" >&2
        exit 1
    fi
    echo "  built in $(ui_duration $((SECONDS - started)))"
done
