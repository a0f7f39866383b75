#!/usr/bin/env bash
# The whole test set-up on a fresh Debian/Ubuntu machine, then the suite.
# Installs the system packages the tests compile and load against, the
# project with its test extra into ./.venv, and runs pytest on every core.
set -euo pipefail
cd "$(dirname "$0")/.."

# musl-tools: musl-gcc builds real musl ELF files; pax-utils: scanelf for the
# scan benchmark; libblas3/libopenblas0-pthread/libblis4: the other BLAS
# libraries `apkneed blas --compare` must find and load; zlib1g-dev: test
# extensions link against zlib.
SYSTEM_PACKAGES=(musl-tools pax-utils libblas3 libopenblas0-pthread libblis4 zlib1g-dev)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null; then
        sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "scripts/test.sh: please install: ${missing[*]}" >&2
        exit 2
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest -n 2 "$@"
