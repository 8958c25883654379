#!/usr/bin/env bash
# Benchmark (not a test): `lakehouse export --format webdataset` against what a team does
# without it, in the same run, on N large generated images (~1.3 MB noise JPEGs 1400x1000,
# tests/tools/make_fixtures.py --bench; N=2000 is ~2.6 GB).
#   (a) to a folder:  export -> DEST/*.tar   vs   `lakehouse fetch` to a folder + GNU tar
#       into the same number of shards (goal: export >= 1.5x faster)
#   (b) to s3://:     export -> s3://...     vs   fetch + tar + one curl upload per shard
#   (a2) the same folder baseline made as safe as export: + `openssl dgst -sha256` per shard
#       (the SHA-256 export's manifest records; libcrypto's, the fastest standard hasher here:
#       coreutils sha256sum took 3.7x as long)
#   peak RSS of every export (goal < 256 MiB: one shard streamed, never held whole)
# Usage: bench/export.sh [N [SHARD_SIZE]]   (default 2000 images, 512 MiB shards)
N=${1:-2000}
SHARD=${2:-536870912}
. "$(dirname "$0")/lib.sh"
echo "generating $N images..."
.deps/venv/bin/python tests/tools/make_fixtures.py --out "$W/hub" --bench "$N" >/dev/null
rm -rf "$W/hub/bench-files" # the plain copies are for bench/ingest.sh only
$LH storage start >/dev/null
cd "$W"
$LH init >/dev/null
$LH ingest bench --from "$W/hub/fixtures/bench" --split train --threads 8 >/dev/null
rm -rf "$W/hub"
SEL="SELECT image_uri FROM raw.bench"
echo "$N images in the lake ($(du -sm "$LAKEHOUSE_DATA_DIR/objects/lakehouse/assets" | cut -f1) MB of objects)"

measure() { # measure NAME COMMAND...: "seconds peak_rss_kb" into $W/NAME.time
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
    echo "$name failed:"; cat "$W/$name.err"; exit 1; }
}

# the baseline: fetch into a folder, then GNU tar the files into as many shards as export made
baseline_tar() { # baseline_tar DIR SHARDS
  local dir=$1 shards=$2
  mkdir -p "$dir"
  $LH fetch --sql "$SEL" --out "$dir/files" --threads 8 >/dev/null
  (cd "$dir/files" && ls | sort >"$dir/list" &&
    split -n "l/$shards" -d -a 6 "$dir/list" "$dir/part-" &&
    for p in "$dir"/part-*; do tar -cf "$dir/base-${p##*-}.tar" -T "$p"; done)
}
baseline_tar_hashed() { # baseline_tar_hashed DIR SHARDS: + the shards' SHA-256
  baseline_tar "$1" "$2"
  openssl dgst -sha256 "$1"/base-*.tar >"$1/sha256"
}
baseline_s3() { # baseline_s3 DIR SHARDS: + one curl upload per shard
  baseline_tar "$1" "$2"
  for t in "$1"/base-*.tar; do
    curl -sf -o /dev/null -T "$t" --aws-sigv4 aws:amz:us-east-1:s3 \
      --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
      "$AWS_ENDPOINT_URL/lakehouse/baseline/$(basename "$t")"
  done
}
export -f baseline_tar baseline_tar_hashed baseline_s3; export LH SEL

# (a) folder
measure export-dir $LH export --sql "$SEL" --format webdataset --out "$W/wds" --shard-size "$SHARD"
read -r e_s e_kb <"$W/export-dir.time"
shards=$(ls "$W/wds"/*.tar | wc -l)
bytes=$(cat "$W/wds"/*.tar | wc -c)
rm -rf "$W/wds"
measure base-dir bash -c "baseline_tar '$W/base' $shards"
read -r b_s _ <"$W/base-dir.time"
rm -rf "$W/base"
ratio_a=$(echo "$b_s / $e_s" | bc -l)
printf '(a) folder: export %.1f s (%d shards, %.0f MB, peak RSS %d MiB) vs fetch + GNU tar %.1f s: %.2fx\n' \
  "$e_s" "$shards" "$(echo "$bytes / 1000000" | bc -l)" $((e_kb / 1024)) "$b_s" "$ratio_a"
measure base-dir-hashed bash -c "baseline_tar_hashed '$W/base' $shards"
read -r h_s _ <"$W/base-dir-hashed.time"
rm -rf "$W/base"
ratio_a2=$(echo "$h_s / $e_s" | bc -l)
printf '(a2) folder: export %.1f s vs fetch + GNU tar + openssl SHA-256 per shard %.1f s: %.2fx\n' \
  "$e_s" "$h_s" "$ratio_a2"

# (b) s3://
measure export-s3 $LH export --sql "$SEL" --format webdataset --out s3://lakehouse/wds --shard-size "$SHARD"
read -r s_s s_kb <"$W/export-s3.time"
measure base-s3 bash -c "baseline_s3 '$W/base' $shards"
read -r c_s _ <"$W/base-s3.time"
rm -rf "$W/base"
ratio_b=$(echo "$c_s / $s_s" | bc -l)
printf '(b) s3://: export %.1f s (peak RSS %d MiB) vs fetch + tar + curl per shard %.1f s: %.2fx\n' \
  "$s_s" $((s_kb / 1024)) "$c_s" "$ratio_b"
peak=$(( (e_kb > s_kb ? e_kb : s_kb) / 1024 ))
echo "peak RSS of export: $peak MiB (goal < 256)"

result "export $N images -> webdataset folder (s)" "$e_s" "$b_s" "$(printf %.2f "$ratio_a")" ">= 1.5x"
result "export $N images -> webdataset folder, baseline with SHA-256 (s)" "$e_s" "$h_s" "$(printf %.2f "$ratio_a2")" ">= 1.5x"
result "export $N images -> webdataset s3:// (s)" "$s_s" "$c_s" "$(printf %.2f "$ratio_b")" "faster"
result "export peak RSS (MiB)" "$peak" "-" "-" "< 256"
