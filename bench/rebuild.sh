#!/usr/bin/env bash
# Benchmark (not a test): rebuild.sh --offline from an empty bucket, twice (the first run also
# generates the fixtures): wall time and peak RSS of the largest process; baseline: the same
# ingests' inputs copied with cp (what moving the bytes alone costs on this disk).
. "$(dirname "$0")/lib.sh"
export LAKEHOUSE_LOCAL_STORE=$W/local-store LAKEHOUSE_BIN=$LH
./rebuild.sh --yes --offline >/dev/null 2>"$W/first.err" || { cat "$W/first.err"; exit 1; }
/usr/bin/time -f "%e %M" -o "$W/t" ./rebuild.sh --yes --offline >"$W/out" 2>"$W/second.err" || { cat "$W/second.err"; exit 1; }
read -r secs kb <"$W/t"
s=$(date +%s.%N); cp -r "$LAKEHOUSE_LOCAL_STORE/offline-hub" "$W/copy"; sync; cp_s=$(echo "$(date +%s.%N) - $s" | bc)
grep '^elapsed' "$W/out"
echo "rebuild (offline fixtures): $secs s, peak RSS $((kb / 1024)) MiB (largest process); copying its inputs: $cp_s s"
result "rebuild.sh --offline (second run)" "$secs s" "$(printf '%.2f s cp' "$cp_s")" "-" "-"
result "rebuild.sh --offline peak RSS" "$((kb / 1024)) MiB" "-" "-" "-"
