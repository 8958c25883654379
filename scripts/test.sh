#!/usr/bin/env bash
# Sets up a fresh machine (idempotent), builds, and runs the whole test suite twice: once on
# the normal build (with the S3 compatibility matrix: the S3 tests again against RustFS, and a
# few against s3s-fs), once under AddressSanitizer + UndefinedBehaviorSanitizer. Every test
# that needs S3 starts its own real server (versitygw, RustFS or s3s-fs) on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests wait on servers and subprocesses more than on the CPU: two at a time keep 2 cores busy
# (every test has its own ports and temp folders). LAKEHOUSE_TEST_JOBS=1 runs them one by one.
JOBS=${LAKEHOUSE_TEST_JOBS:-2}
scripts/bootstrap.sh --test-tools

echo "== build and test (RelWithDebInfo)"
scripts/build.sh
# both passes run even when the first fails, so one CI run shows every failure
failed=0
(cd build && ctest --output-on-failure -j "$JOBS") || failed=1

echo "== build and test under ASan + UBSan"
scripts/build.sh --sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# the S3 compatibility matrix ran above; it exercises the same code against another server
(cd build-asan && ctest --output-on-failure -j "$JOBS" --label-exclude "compat|report") || failed=1
exit "$failed"
