#!/usr/bin/env bash
# Installs everything lakehouse needs on a fresh Debian machine, idempotently:
#   1. Debian packages (toolchain, libcurl, jansson, yajl, libxml2, OpenSSL, FFmpeg, libarchive,
#      libjpeg-turbo, cmocka)
#   2. DuckDB 1.5.5: libduckdb.so (npm), duckdb.h (Go module proxy), ducklake + httpfs + sqlite_scanner
#      + postgres_scanner
#      extensions (PyPI wheels, unpacked; Python is not needed at run time)
#   3. the embedded S3 server (versitygw, built from the Go module proxy)
#   4. with --fixture-tools: a Python venv (.deps/venv) for the fixture tools that rebuild.sh's
#      offline path runs: the fixture generators and the local Hub emulator
#      (tests/requirements-fixtures.txt)
#      with --test-tools: the fixture tools, plus what only the tests use: the official Hub
#      clients as oracles (tests/requirements.txt), SeaweedFS (weed, the multi-node store of the
#      "cluster" tests), s3s-fs, the second S3 server of the
#      compatibility matrix (crates.io, cargo), and PostgreSQL for the PostgreSQL-catalog tests
# Every fetched artifact is checked against scripts/deps.lock; what was installed is recorded
# with its SHA-256 in .deps/CHECKSUMS. A second run with nothing changed only checks stamps.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=$ROOT/.deps
LOCK=$ROOT/scripts/deps.lock
mkdir -p "$DEPS"
TOOLS=none # none < fixture < test: each level installs the one before it too
CLUSTER=0  # --cluster-tools: the test tools plus SeaweedFS for the "cluster" tests
case ${1:-} in
  "") ;;
  --fixture-tools) TOOLS=fixture ;;
  --test-tools) TOOLS=test ;;
  --cluster-tools) TOOLS=test CLUSTER=1 ;;
  *) printf 'bootstrap: error: unknown option %s (--fixture-tools, --test-tools or --cluster-tools)\n' "$1" >&2; exit 2 ;;
esac

log() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }
lock_field() { awk -v n="$1" -v f="$2" '$1==n {print $f}' "$LOCK"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
verify() { # verify FILE EXPECTED_SHA256
  local got; got=$(sha_of "$1")
  [ "$got" = "$2" ] || die "checksum mismatch for $1: expected $2, got $got"
}
# A stamp holds the lock line it was made from, so editing deps.lock re-fetches that item.
stamp_ok() { [ -f "$DEPS/stamps/$1" ] && [ "$(cat "$DEPS/stamps/$1")" = "$(grep "^$1 " "$LOCK")" ]; }
stamp_set() { mkdir -p "$DEPS/stamps"; grep "^$1 " "$LOCK" > "$DEPS/stamps/$1"; }

# ---- 1. Debian packages --------------------------------------------------------------------
APT_PACKAGES=(build-essential cmake ninja-build pkg-config python3 git curl ca-certificates unzip golang-go
  libcurl4-openssl-dev libjansson-dev libxml2-dev libssl-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg libcmocka-dev libarchive-dev
  libturbojpeg0-dev libyajl-dev
  bc time valgrind) # bc, GNU time: the benchmark scripts; valgrind: scripts/valgrind.sh
# test-only: throw-away PostgreSQL servers for the PostgreSQL-catalog tests (tests/tools/pg_server.sh)
# pandoc, chromium, poppler-utils (pdfinfo): scripts/report-pages.sh prints REPORT.md to A4 PDF;
# chromium (headless) also opens the pages of `lakehouse view` in tests/e2e/test_view.sh;
# linux-perf: bench/ingest.sh's CPU profile; man-db: tests/e2e/test_cli_errors.sh renders
# `lakehouse man` with man -l
[ "$TOOLS" != test ] || APT_PACKAGES+=(postgresql pandoc chromium poppler-utils linux-perf man-db)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# golang-go is only a fallback: a newer Go already on PATH is preferred.
if command -v go >/dev/null 2>&1; then
  missing=("${missing[@]/golang-go}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- 2. DuckDB library, header, extensions -------------------------------------------------
DUCK=$DEPS/duckdb
EXTDIR=$DUCK/extensions/v1.5.5/linux_amd64
mkdir -p "$DUCK/lib" "$DUCK/include" "$EXTDIR" "$DEPS/cache"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

if ! stamp_ok duckdb-lib; then
  spec=$(lock_field duckdb-lib 3)
  log "fetching $spec (npm)"
  (cd "$TMP" && npm pack --silent "$spec" >/dev/null)
  tgz=$(ls "$TMP"/*.tgz)
  verify "$tgz" "$(lock_field duckdb-lib 4)"
  tar -xzf "$tgz" -C "$TMP" package/libduckdb.so
  install -m 0755 "$TMP/package/libduckdb.so" "$DUCK/lib/libduckdb.so"
  stamp_set duckdb-lib
fi

go_module_dir() { # go_module_dir MODULE@VERSION EXPECTED_H1 -> prints the unpacked module dir
  local json sum dir
  json=$(GOFLAGS=-modcacherw go mod download -json "$1") || die "go mod download $1 failed"
  sum=$(printf '%s' "$json" | sed -n 's/.*"Sum": "\(.*\)".*/\1/p')
  dir=$(printf '%s' "$json" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -z "$2" ] || [ "$sum" = "$2" ] || die "module hash mismatch for $1: expected $2, got $sum"
  printf '%s' "$dir"
}

if ! stamp_ok duckdb-header; then
  spec=$(lock_field duckdb-header 3)
  log "fetching duckdb.h from $spec (Go module proxy)"
  dir=$(cd "$TMP" && go_module_dir "$spec" "")
  verify "$dir/include/duckdb.h" "$(lock_field duckdb-header 4)"
  install -m 0644 "$dir/include/duckdb.h" "$DUCK/include/duckdb.h"
  stamp_set duckdb-header
fi

for ext in ducklake httpfs sqlite_scanner postgres_scanner; do # *_scanner: SQLite/PostgreSQL catalogs
  if ! stamp_ok "ext-$ext"; then
    spec=$(lock_field "ext-$ext" 3)
    log "fetching $spec (PyPI wheel)"
    python3 -m pip download --quiet --no-deps --only-binary :all: --platform manylinux2014_x86_64 \
      -d "$TMP/$ext" "$spec" >/dev/null
    whl=$(ls "$TMP/$ext"/*.whl)
    verify "$whl" "$(lock_field "ext-$ext" 4)"
    unzip -q -o "$whl" -d "$TMP/$ext/unpacked"
    # The file name is the extension's entry point: it must stay <name>.duckdb_extension.
    install -m 0644 "$(find "$TMP/$ext/unpacked" -name "$ext.duckdb_extension" | head -n1)" "$EXTDIR/$ext.duckdb_extension"
    stamp_set "ext-$ext"
  fi
done

# ---- 3. Embedded S3 server ------------------------------------------------------------------
# LAKEHOUSE_SKIP_S3_SERVER=1: for images that talk to RustFS only (docker compose's lab).
if [ "${LAKEHOUSE_SKIP_S3_SERVER:-0}" = 1 ]; then
  log "skipping the embedded S3 server (LAKEHOUSE_SKIP_S3_SERVER=1)"
elif ! stamp_ok s3-server || [ ! -x "$DEPS/bin/versitygw" ]; then
  spec=$(lock_field s3-server 3)
  log "building $spec (Go module proxy; takes a few minutes once)"
  start=$(date +%s)
  (cd "$TMP" && go_module_dir "${spec%%/cmd/*}@${spec##*@}" "$(lock_field s3-server 4)" >/dev/null)
  mkdir -p "$DEPS/bin"
  GOBIN=$DEPS/bin GOFLAGS=-modcacherw go install -trimpath "$spec"
  log "s3 server built in $(( $(date +%s) - start )) s"
  stamp_set s3-server
fi

# ---- 4. fixture tools (--fixture-tools) and test tools (--test-tools) -----------------------
# python_tools LEVEL REQUIREMENTS: pip-installs the pinned file into .deps/venv unless the
# level's stamp (SHA-256 of the file and of the fixture file it includes) says it is there.
# The venv is added to, never wiped: a second checkout sharing .deps keeps working meanwhile.
python_tools() {
  local stamp=$DEPS/venv/.stamp-$1 want
  want=$(cat "$2" "$ROOT/tests/requirements-fixtures.txt" | sha256sum | cut -d' ' -f1)
  [ -x "$DEPS/venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  log "installing $1 tools into .deps/venv (${2#$ROOT/})"
  [ -x "$DEPS/venv/bin/python" ] || python3 -m venv "$DEPS/venv"
  "$DEPS/venv/bin/pip" install --quiet --disable-pip-version-check -r "$2"
  "$DEPS/venv/bin/pip" freeze > "$DEPS/venv/installed.txt"
  echo "$want" > "$stamp"
}
[ "$TOOLS" = none ] || python_tools fixture "$ROOT/tests/requirements-fixtures.txt"
if [ "$TOOLS" = test ]; then
  python_tools test "$ROOT/tests/requirements.txt"
  if ! stamp_ok test-s3s-fs || [ ! -x "$DEPS/bin/s3s-fs" ]; then
    spec=$(lock_field test-s3s-fs 3)
    command -v cargo >/dev/null || die "cargo is needed to build s3s-fs (rustup.rs, or Debian's cargo)"
    log "building $spec (crates.io, Cargo.lock of the crate; takes about 2 minutes once)"
    start=$(date +%s)
    cargo install --quiet --locked --features binary --root "$TMP/cargo" "${spec%@*}" --version "${spec#*@}"
    verify "$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"${spec%@*}-${spec#*@}.crate" | head -1)" \
      "$(lock_field test-s3s-fs 4)"
    mkdir -p "$DEPS/bin"
    mv "$TMP/cargo/bin/s3s-fs" "$DEPS/bin/s3s-fs"
    log "s3s-fs built in $(( $(date +%s) - start )) s"
    stamp_set test-s3s-fs
  fi
  # SeaweedFS (the multi-node store of the "cluster" tests): the module pinned by its go.sum
  # hash (h1:). Its go.mod has replace directives, which `go install pkg@version` refuses,
  # so it is built inside a copy of the verified module (its own go.mod and go.sum).
  # Opt-in (--cluster-tools): building weed takes 10-30 minutes on 2 cores, more than CI's
  # time allows; without it the cluster tests are reported as skipped, never as passed.
  if [ "$CLUSTER" = 1 ] && { ! stamp_ok test-seaweedfs || [ ! -x "$DEPS/bin/weed" ]; }; then
    spec=$(lock_field test-seaweedfs 3)
    log "building $spec (Go module proxy; takes 10+ minutes once)"
    start=$(date +%s)
    dir=$(cd "$TMP" && go_module_dir "${spec%%/weed@*}@${spec##*@}" "$(lock_field test-seaweedfs 4)")
    cp -r "$dir" "$TMP/seaweedfs" && chmod -R u+w "$TMP/seaweedfs"
    mkdir -p "$DEPS/bin"
    (cd "$TMP/seaweedfs" && GOFLAGS=-modcacherw go build -trimpath -o "$DEPS/bin/weed" ./weed)
    log "weed built in $(( $(date +%s) - start )) s"
    stamp_set test-seaweedfs
  fi
fi

# ---- record what is installed ----------------------------------------------------------------
{
  echo "# SHA-256 of the installed third-party files (see scripts/deps.lock for the fetched archives)"
  for f in "$DUCK/lib/libduckdb.so" "$DUCK/include/duckdb.h" "$EXTDIR/ducklake.duckdb_extension" \
           "$EXTDIR/httpfs.duckdb_extension" \
           "$EXTDIR/sqlite_scanner.duckdb_extension" "$EXTDIR/postgres_scanner.duckdb_extension" \
           "$DEPS/bin/versitygw" "$DEPS/bin/s3s-fs" "$DEPS/bin/weed"; do
    [ -f "$f" ] || continue
    printf '%s  %s\n' "$(sha_of "$f")" "${f#$ROOT/}"
  done
} > "$DEPS/CHECKSUMS.new"
mv "$DEPS/CHECKSUMS.new" "$DEPS/CHECKSUMS"
log "ok: dependencies in .deps/ (checksums in .deps/CHECKSUMS)"
