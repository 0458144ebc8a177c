#!/bin/sh
# Installs the C libraries fedplane builds against on Debian 12 / Ubuntu 22.04+ (libyaml, SQLite,
# libcurl, pkg-config). Uses sudo only when not already root, so it also works in a fresh root
# container that has no sudo. With --tests it also installs the Python packages some tests use.
set -eu

run_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: installing packages needs root, and sudo is not installed; run this script as root" >&2
        exit 1
    fi
}

export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update
# libpq-dev: the PostgreSQL state backend (libpq, the server's own C client).
run_as_root apt-get install -y libyaml-dev libsqlite3-dev libcurl4-openssl-dev pkg-config libpq-dev

if [ "${1:-}" = "--tests" ]; then
    # The multi-host tests build network namespaces, each with its own sshd.
    run_as_root apt-get install -y openssh-server openssh-client iproute2
    # The PostgreSQL state tests start their own server (initdb in a temp dir, 127.0.0.1).
    run_as_root apt-get install -y postgresql
    # Tests run whichever python3 is first on PATH; inside a virtual environment pip needs no flag.
    python3 -m pip install numpy safetensors jsonschema pyyaml 'moto[server]'
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "note: no swift on PATH. fedplane needs the Swift 6 toolchain, which Debian's apt does not have:" >&2
    echo "      install it from swift.org (the swiftly installer or the Linux tarball), then run: swift build -c release" >&2
fi
