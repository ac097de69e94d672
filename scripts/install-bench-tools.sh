#!/usr/bin/env bash
# Load generators for `make bench`: wrk (closed loop, from Debian) and vegeta (constant-rate open
# loop, built with Go into bench/.cache/bin, git-ignored). Idempotent: installs only what is missing.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
BIN_DIR="$REPO_ROOT/bench/.cache/bin"
VEGETA_MODULE="github.com/tsenart/vegeta/v12@v12.13.0"

log() { printf '[bench-tools] %s\n' "$*" >&2; }

install_wrk() {
    command -v wrk >/dev/null 2>&1 && return 0
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    log "installing wrk with apt-get"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
        install -y -qq --no-install-recommends wrk
}

install_vegeta() {
    command -v vegeta >/dev/null 2>&1 && return 0
    [ -x "$BIN_DIR/vegeta" ] && return 0
    local go_bin
    go_bin="$(command -v go || true)"
    [ -n "$go_bin" ] || { [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go; }
    [ -n "$go_bin" ] || { log "Go is missing: install Go (or vegeta) to measure open-loop latency"; exit 1; }
    log "building vegeta ($VEGETA_MODULE) into $BIN_DIR"
    mkdir -p "$BIN_DIR"
    GOBIN="$BIN_DIR" "$go_bin" install "$VEGETA_MODULE"
}

install_wrk
install_vegeta
log "ready: wrk $(command -v wrk), vegeta $(command -v vegeta || echo "$BIN_DIR/vegeta")"
