#!/usr/bin/env bash
# Builds lakehouse into build/ (or into build-asan/ with --sanitize: ASan + UBSan).
# Expects scripts/bootstrap.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build type=RelWithDebInfo sanitize=OFF
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan type=Debug sanitize=ON
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=$type -DLAKEHOUSE_SANITIZE=$sanitize >/dev/null
cmake --build "$dir"
