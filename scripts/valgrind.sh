#!/usr/bin/env bash
# Memory check (a script, not CI: it is slow): runs an end-to-end scenario with every
# lakehouse call under Valgrind memcheck and fails when a leak is attributed to our code
# (frames in src/). Leaks inside libduckdb, libcurl or FFmpeg's own caches are listed, not
# counted.   scripts/valgrind.sh [SCENARIO]   (default: test_lifecycle)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is missing: sudo apt-get install valgrind" >&2; exit 2; }
scripts/bootstrap.sh --test-tools >/dev/null
scripts/build.sh >/dev/null
scenario=${1:-test_lifecycle}
logs=$(mktemp -d /tmp/lakehouse-valgrind-XXXXXX)
wrapper=$logs/lakehouse
cat >"$wrapper" <<WRAP
#!/usr/bin/env bash
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
  --log-file=$logs/vg.%p.log $PWD/build/lakehouse "\$@"
WRAP
chmod +x "$wrapper"
LAKEHOUSE_BIN=$wrapper bash "tests/e2e/$scenario.sh" | tail -n 3
ours=$(grep -l "definitely lost" "$logs"/vg.*.log 2>/dev/null | xargs -r grep -l "src/" || true)
runs=$(ls "$logs"/vg.*.log | wc -l)
echo "valgrind: $runs lakehouse runs, logs in $logs"
if [ -n "$ours" ]; then
  echo "leaks attributed to our code in:"; echo "$ours"; exit 1
fi
echo "no definite leak from our code"
