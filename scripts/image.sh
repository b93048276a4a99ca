#!/usr/bin/env bash
# Builds the container images with `docker build` when a Docker engine answers, else with
# Debian's buildah (chroot isolation, host network: no daemon, no registry). Without a local
# debian:12 / debian:12-slim, buildah's base images are made here by debootstrap from the
# Debian mirror apt already uses. Prints each image's size and the build time.
#
# Usage: scripts/image.sh [all|proxy|model-server|base]     (default: all)
#        scripts/image.sh runtime BINARY
#   all           both images, full multi-stage builds: shadowproxy:latest and
#                 shadowproxy-model-server:latest
#   runtime       only the proxy's runtime stage, around an already built BINARY (stripped
#                 here) instead of the build stage; tagged shadowproxy:ci. What CI and the
#                 image smoke test use.
#   base          only make sure the Debian base images exist
# Environment: IMAGE_ENGINE=docker|buildah (default: docker if `docker info` works),
#              IMAGE_TAG (overrides the tag of `proxy` and `runtime`).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-all}"
engine="${IMAGE_ENGINE:-}"
if [ -z "$engine" ]; then
    if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then
        engine=docker
    else
        engine=buildah
    fi
fi
if [ "$engine" = buildah ]; then
    scripts/install-deps.sh image
fi

log() { printf '[image.sh %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# The first URI apt uses for SUITE, from one-line (.list) or deb822 (.sources) source files.
apt_mirror() {
    local suite="$1" file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '$1 == "deb" {
                i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit } }' "$file"
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ")) {
                                   split(uris, u, " "); print u[1]; exit }
                               types = suites = uris = "" }
            /^[ \t]*$/ { flush(); next }
            /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
            /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
            /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
            END { flush() }' "$file"
    done
}

have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# Commits the root file system in DIR as image NAME (what `tar -C DIR -c . | podman import`
# does, with buildah alone).
import_rootfs() {
    local dir="$1" name="$2" tarball ctr
    tarball="$(dirname "$dir")/rootfs.tar"
    tar -C "$dir" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$tarball" .
    ctr="$(buildah from scratch)"
    buildah add --quiet "$ctr" "$tarball" / >/dev/null
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd /bin/bash "$ctr"
    buildah commit --quiet --rm "$ctr" "$name" >/dev/null
    rm -f "$tarball"
}

# debian:12 is a debootstrap minbase of bookworm with the host's mirrors in its sources;
# debian:12-slim is the same with documentation, man pages and locales removed and excluded
# from later installs, as the official slim images do.
ensure_base_images() {
    [ "$engine" = buildah ] || return 0
    if have_image docker.io/library/debian:12 && have_image docker.io/library/debian:12-slim; then
        return 0
    fi
    local mirror security work root
    mirror="$(apt_mirror bookworm | head -n 1)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    security="$(apt_mirror bookworm-security | head -n 1)"
    work="$(mktemp -d /var/tmp/shadowproxy-base.XXXXXX)"
    root="$work/rootfs"
    log "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
        tail -n 20 "$work/debootstrap.log" >&2
        exit 1
    }
    {
        echo "deb $mirror bookworm main"
        echo "deb $mirror bookworm-updates main"
        [ -z "$security" ] || echo "deb $security bookworm-security main"
    } >"$root/etc/apt/sources.list"
    # As the official images: no package caches or downloaded .debs kept after apt runs.
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
    import_rootfs "$root" docker.io/library/debian:12
    cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
    import_rootfs "$root" docker.io/library/debian:12-slim
    rm -rf "$work"
    log "base images debian:12 and debian:12-slim created"
}

# build TAG DOCKERFILE [extra build arguments]
build() {
    local tag="$1" dockerfile="$2"
    shift 2
    local start=$SECONDS
    log "building $tag from $dockerfile with $engine"
    if [ "$engine" = docker ]; then
        DOCKER_BUILDKIT=1 docker build -f "$dockerfile" -t "$tag" "$@" .
    else
        buildah bud --isolation chroot --network host --pull=never --layers \
            -f "$dockerfile" -t "$tag" "$@" .
    fi
    log "built $tag in $((SECONDS - start)) s"
}

# The project's images and their bases, with sizes (uncompressed).
sizes() {
    if [ "$engine" = docker ]; then
        docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}'
    else
        buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}'
    fi | grep -E '(shadowproxy|debian)[^ ]*:' || true
}

# The runtime stage takes the binary from the stage named "binary"; a named build context of
# that name replaces the stage (docker and buildah alike), so the build stage never runs.
runtime_from_binary() {
    local binary="$1" context
    [ -x "$binary" ] || { echo "image.sh: $binary is not an executable" >&2; exit 2; }
    context="$(mktemp -d /var/tmp/shadowproxy-binary.XXXXXX)"
    install -D -m 0755 "$binary" "$context/usr/local/bin/shadowproxy"
    strip --strip-unneeded "$context/usr/local/bin/shadowproxy"
    build "${IMAGE_TAG:-shadowproxy:ci}" docker/Dockerfile --build-context "binary=$context"
    rm -rf "$context"
}

start=$SECONDS
case "$mode" in
    base) ensure_base_images ;;
    proxy)
        ensure_base_images
        build "${IMAGE_TAG:-shadowproxy:latest}" docker/Dockerfile
        ;;
    model-server)
        ensure_base_images
        build shadowproxy-model-server:latest docker/model-server.Dockerfile
        ;;
    all)
        ensure_base_images
        build shadowproxy:latest docker/Dockerfile
        build shadowproxy-model-server:latest docker/model-server.Dockerfile
        ;;
    runtime)
        [ $# -ge 2 ] || { echo "usage: scripts/image.sh runtime BINARY" >&2; exit 2; }
        ensure_base_images
        runtime_from_binary "$2"
        ;;
    *)
        echo "usage: scripts/image.sh [all|proxy|model-server|base] | runtime BINARY" >&2
        exit 2
        ;;
esac
log "done in $((SECONDS - start)) s"
[ "$mode" = base ] || sizes
