#!/usr/bin/env bash
# Benchmark (not a test): `lakehouse ingest` of N generated ~1.3 MB images against, in the
# same run and on the same embedded S3 server,
#   (a) an equally safe parallel uploader: curl, 8 processes, each uploading its batch of the
#       same JPEG files over one keep-alive connection with a signed payload (the SHA-256 of
#       every file computed first, sent as x-amz-content-sha256 and verified by the server,
#       as it is for ours); for information also (a') the same without any hashing
#       (UNSIGNED-PAYLOAD);
#   (b) the Python reference from the seed's scaffold: datasets + boto3 put_object in a loop.
# Prints wall time, objects/s, MB/s and peak RSS for each, and the ratios; then, when `perf`
# is there (Debian linux-perf), where the ingest process's CPU goes.
# Usage: bench/ingest.sh [N_IMAGES [ROWS_PER_ROW_GROUP]] (default 2000 16: about 2.4 GB of
# media; DuckDB holds one row group's blobs while it decodes them, so peak RSS follows the
# row-group size, not the dataset size)
N=${1:-2000}
RG=${2:-16}
. "$(dirname "$0")/lib.sh"
VENV=.deps/bench-venv
if [ ! -x $VENV/bin/python ] || ! cmp -s bench/requirements.txt $VENV/requirements.txt; then
  python3 -m venv $VENV && (cd bench && ../$VENV/bin/pip install -q -r requirements.txt)
  cp bench/requirements.txt $VENV/requirements.txt
fi
echo "generating $N images..."
.deps/venv/bin/python tests/tools/make_fixtures.py --out "$W/hub" --bench "$N" --row-group "$RG"
media_mb=$(du -sm "$W/hub/bench-files" | cut -f1)
start_storage

measure() { # measure NAME COMMAND... -> "seconds peak_rss_kb"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" > "$W/$name.out" 2> "$W/$name.err" || {
    echo "$name failed:"; cat "$W/$name.err"; exit 1; }
  cat "$W/$name.time"
}

# (a) plain parallel uploader
plain() { # plain BUCKET
  curl -sf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$AWS_ENDPOINT_URL/$1"
  find "$W/hub/bench-files" -name '*.jpg' | sort | xargs -P 8 -n $(( (N + 7) / 8 )) bash -c '
    b=$0; args=(); for f; do args+=(-T "$f" "$AWS_ENDPOINT_URL/$b/assets/plain/image/$(basename "$f")"); done
    curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "${args[@]}"' "$1"
}
# (a) the same, payload signed: sha256sum of each file, then one keep-alive curl per batch with
# one request per file (--next), each carrying its own x-amz-content-sha256
signed() { # signed BUCKET
  curl -sf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$AWS_ENDPOINT_URL/$1"
  find "$W/hub/bench-files" -name '*.jpg' | sort | xargs -P 8 -n $(( (N + 7) / 8 )) bash -c '
    b=$0; args=(); first=1
    while read -r sum f; do
      [ $first = 1 ] || args+=(--next); first=0
      args+=(-sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
             -H "x-amz-content-sha256: $sum" -T "$f" "$AWS_ENDPOINT_URL/$b/assets/signed/image/$(basename "$f")")
    done < <(sha256sum "$@")
    curl "${args[@]}"' "$1"
}
export -f plain signed; export W N

# lakehouse ingest, from the staged folder (no download in the timing), into its own bucket
ingest() { # ingest BUCKET (the lake was created by `init` before the clock started)
  cd "$W" && LAKEHOUSE_BUCKET=$1 LAKEHOUSE_CATALOG=$W/$1.ducklake \
    $LH ingest bench --from "$W/hub/fixtures/bench" --split train --threads 8
}
export -f ingest; export LH

# Rounds alternate the two fast contenders, each into a fresh bucket; `sync` first so one
# run's dirty pages do not slow the next. The medians are reported.
ROUNDS=${ROUNDS:-3}
for i in $(seq "$ROUNDS"); do
  sync; read -r s kb < <(measure signed$i bash -c "signed signed$i"); a_all+=("$s"); a_kb=$kb
  objects=$(LAKEHOUSE_BUCKET=signed$i $LH storage ls --csv assets/signed/image/ | tail -n +2 | wc -l)
  [ "$objects" -eq "$N" ] || { echo "signed curl uploaded $objects of $N objects"; exit 1; }
  sync; read -r s kb < <(measure plain$i bash -c "plain plain$i"); u_all+=("$s")
  (cd "$W" && LAKEHOUSE_BUCKET=lakehouse$i LAKEHOUSE_CATALOG=$W/lakehouse$i.ducklake $LH init >/dev/null)
  sync; read -r s kb < <(measure lakehouse$i bash -c "ingest lakehouse$i"); l_all+=("$s"); l_kb=$kb
  objects=$(LAKEHOUSE_BUCKET=lakehouse$i $LH storage ls --csv assets/bench/image/ | tail -n +2 | wc -l)
  [ "$objects" -eq "$N" ] || { echo "lakehouse uploaded $objects of $N objects"; exit 1; }
  rm -rf "$S3_OBJECTS/plain$i" "$S3_OBJECTS/signed$i" "$S3_OBJECTS/lakehouse$i" # disk
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
a_s=$(median "${a_all[@]}"); l_s=$(median "${l_all[@]}"); u_s=$(median "${u_all[@]}")

# (b) Python reference (once: it is the slow one)
sync
read -r b_s b_kb < <(measure python $VENV/bin/python bench/python_reference.py "$AWS_ENDPOINT_URL" \
  "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" reference "$W"/hub/fixtures/bench/data/*.parquet)

row() { printf '%-28s %8.2f s %9.1f obj/s %8.1f MB/s %8.1f MiB peak RSS\n' "$1" "$2" \
  "$(echo "$N / $2" | bc -l)" "$(echo "$media_mb / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"; }
echo "$N images, $media_mb MB of media, $RG rows per row group, $(nproc) cores, $S3_SERVER on loopback"
echo "lakehouse runs: ${l_all[*]} s; signed curl runs: ${a_all[*]} s; unsigned: ${u_all[*]} s (medians below)"
row "lakehouse ingest" "$l_s" "$l_kb"
row "(a) curl x8, signed payload" "$a_s" "$a_kb"
row "(a') curl x8, unsigned" "$u_s" "$a_kb"
row "(b) datasets + boto3 loop" "$b_s" "$b_kb"
printf 'lakehouse vs (a) signed curl: %.2fx throughput (goal >= 0.9x)\n' "$(echo "$a_s / $l_s" | bc -l)"
printf "lakehouse vs (a') unsigned curl: %.2fx throughput (for information)\n" "$(echo "$u_s / $l_s" | bc -l)"
printf 'lakehouse vs (b): %.2fx throughput (goal >= 2.5x)\n' "$(echo "$b_s / $l_s" | bc -l)"
printf 'lakehouse peak RSS: %.1f MiB for %d MB of media (goal < 256 MiB)\n' "$(echo "$l_kb / 1024" | bc -l)" "$media_mb"
result "ingest $N images: lakehouse vs 8 x curl signed" "$l_s s" "$a_s s" "$(printf '%.2fx' "$(echo "$a_s / $l_s" | bc -l)")" ">= 0.9x"
result "ingest $N images: lakehouse vs 8 x curl unsigned" "$l_s s" "$u_s s" "$(printf '%.2fx' "$(echo "$u_s / $l_s" | bc -l)")" "-"
result "ingest $N images: lakehouse vs datasets+boto3" "$l_s s" "$b_s s" "$(printf '%.2fx' "$(echo "$b_s / $l_s" | bc -l)")" ">= 2.5x"
result "ingest $N images: lakehouse peak RSS" "$(printf '%.0f MiB' "$(echo "$l_kb / 1024" | bc -l)")" "-" "-" "< 256 MiB"

# Where the ingest process's CPU goes: one more ingest under perf, grouped by library and symbol.
if command -v perf >/dev/null 2>&1; then
  (cd "$W" && LAKEHOUSE_BUCKET=profiled LAKEHOUSE_CATALOG=$W/profiled.ducklake $LH init >/dev/null)
  if perf record -q -F 499 -g -o "$W/perf.data" -- bash -c "ingest profiled" >/dev/null 2>"$W/perf.err"; then
    echo "CPU profile of one lakehouse ingest (perf, share of the process's samples):"
    # the first lines of each report: awk reads the report to its end (a reader that stops
    # early, like head, kills perf with SIGPIPE, and under pipefail the whole benchmark
    # with it: exit 141); a report that fails is said, not fatal
    perf report -i "$W/perf.data" --stdio --no-children --sort dso -g none -q 2>/dev/null |
      awk 'NF && ++n <= 8 { sub(/[[:space:]]+$/, ""); print }' || echo "(perf report by library failed)"
    perf report -i "$W/perf.data" --stdio --no-children --sort dso,symbol -q -g none 2>/dev/null |
      awk 'NF && ++n <= 15 { sub(/[[:space:]-]+$/, ""); print }' || echo "(perf report by symbol failed)"
  else
    echo "perf could not profile here: $(tail -n1 "$W/perf.err")"
  fi
fi
