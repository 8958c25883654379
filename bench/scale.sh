#!/usr/bin/env bash
# Benchmark (not a test): how the lake's costs grow with its size. For each size N (images;
# default 1000 10000 100000) a fresh lake on the embedded S3 server gets:
#   - N generated COCO-like images (~1 KB JPEGs, ~7 boxes, 5 captions each; bench/make_scale.py)
#     ingested as detection + captions, then `transform silver`;
#   - VisDrone-like fragment index rows for N/100 clips of 30 s (1 s fragments);
#   - 20 small commits to silver.coco_objects (an update of 0.1 % of the boxes each), so
#     history, time travel, diff, log and expire have something to chew on.
# Then, per size: ingest wall time and objects/s, catalog bytes, live data files, bucket
# objects and bytes, and the latency of crowded-scenes, busy-fragments, a fair time-travel
# read (the crowded-scenes aggregate on version V vs on a table holding exactly V's rows as
# its current state), diff of two snapshots, log, gc and expire --keep 10. Query latencies run
# REPS times inside one `lakehouse sql -f` process, timed by DuckDB's transaction-start stamps
# (no process start-up); verbs are whole processes minus `lakehouse sql 'SELECT 1'`. Best of 3.
# Growth per 10x of data is printed for every figure. Goals: ingest and gc linear or better
# (<= 10x per 10x), the two queries, time travel and log flat (<= 2x per 10x).
# Last, the many-small-commits case: COMMITS (default 1000) commits of 10-100 rows to one
# table, query latency / data files / catalog bytes before and after `lakehouse compact`,
# against the same rows landed in one commit (goal: compacted within 1.5x of one commit).
# Usage: bench/scale.sh [N...]   (env: REPS=5, COMMITS=1000)
. "$(dirname "$0")/lib.sh"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
REPS=${REPS:-5}
COMMITS=${COMMITS:-1000}
PY=$ROOT/.deps/venv/bin/python
cd "$W"
$LH storage start >/dev/null
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; sizes ${SIZES[*]}"
t_start=$(date +%s)

now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc -l; }
# best3 CMD...: best wall time of three runs (seconds)
best3() { local b="" s t; for _ in 1 2 3; do s=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; t=$(secs "$s"); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi; done; echo "$b"; }
# per_query FILE_WITH_ONE_QUERY: ms per query: REPS runs in one `lakehouse sql -f` process,
# timed by DuckDB's own transaction-start stamps around them (no process start-up, no attach);
# the best of 3 processes.
per_query() {
  local q b="" t; q=$(grep -v '^--' "$1" | tr '\n' ' ' | sed 's/;* *$//')
  { echo "SELECT 'T0', epoch_us(now());"; for _ in $(seq "$REPS"); do echo "$q;"; done
    echo "SELECT 'T1', epoch_us(now());"; } > "$W/q.sql"
  for _ in 1 2 3; do
    $LH sql --csv -f "$W/q.sql" > "$W/q.out" 2> "$W/q.err" || { echo "query failed: $(cat "$W/q.err")" >&2; exit 1; }
    t=$(awk -F, '$1 == "T0" {a = $2} $1 == "T1" {b = $2} END {printf "%.3f", (b - a) / 1000}' "$W/q.out")
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b / $REPS" | bc -l
}
value() { $LH sql --csv "$1" | tail -n1; }
ms() { printf '%.1f' "$(echo "$1 * 1000" | bc -l)"; }

declare -A F # F[metric,size]
METRICS=(ingest_s ingest_objs catalog_kb data_files bucket_objects bucket_mb crowded_ms busy_ms
         tt_version_ms tt_table_ms tt_ratio diff_ms log_ms gc_ms expire_ms transform_s)
for N in "${SIZES[@]}"; do
  echo "== $N images, $((N / 100)) clips"
  $PY "$ROOT/bench/make_scale.py" "$W/pool" "$W/s$N" "$N"
  export LAKEHOUSE_BUCKET=scale-$N LAKEHOUSE_CATALOG=$W/scale-$N.ducklake
  $LH init >/dev/null
  s=$(now); $LH ingest coco --from "$W/s$N/det" --split train >/dev/null
  $LH ingest coco --from "$W/s$N/cap" --split train >/dev/null; F[ingest_s,$N]=$(secs "$s")
  F[ingest_objs,$N]=$(echo "$N / ${F[ingest_s,$N]}" | bc -l)
  s=$(now); $LH transform silver >/dev/null; F[transform_s,$N]=$(secs "$s")
  clips=$(( N / 100 ))
  $LH sql -m "VisDrone-like fragment index: $clips clips of 30 s" "CREATE TABLE silver.visdrone_fragments AS
    SELECT 's3://$LAKEHOUSE_BUCKET/assets/visdrone/clip/' || c || '.mp4' AS clip_uri, 'seq' || c AS sequence,
           f AS fragment_id, f * 30 AS start_frame, f * 30 + 29 AS end_frame, f * 1.0 AS start_time,
           f + 1.0 AS end_time, 1000 + f * 90000 AS byte_offset, 90000 AS byte_length,
           (hash(c, f) % 400)::BIGINT AS n_objects, (hash(f, c) % 40)::BIGINT AS n_tracks,
           [1, 4] AS categories, (hash(c * f) % 30)::BIGINT AS max_objects_in_frame
    FROM range($clips) t(c), range(30) u(f)" >/dev/null
  for i in $(seq 20); do echo "UPDATE silver.coco_objects SET area = area + 1 WHERE object_id % 1000 = $i;"; done > "$W/history.sql"
  $LH sql -f "$W/history.sql" >/dev/null
  cur=$(value "SELECT max(snapshot_id) FROM lake.snapshots()")
  V=$((cur - 10))
  $LH sql -m "time-travel baseline" "CREATE TABLE silver.tt_copy AS FROM silver.coco_objects AT (VERSION => $V)" >/dev/null

  F[catalog_kb,$N]=$(( $(stat -c %s "$LAKEHOUSE_CATALOG") / 1024 ))
  F[data_files,$N]=$(value "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file WHERE end_snapshot IS NULL")
  st=$($LH storage status --json)
  F[bucket_objects,$N]=$(printf '%s' "$st" | sed -n 's/.*"objects": \([0-9]*\).*/\1/p')
  F[bucket_mb,$N]=$(echo "$(printf '%s' "$st" | sed -n 's/.*"bytes": \([0-9]*\).*/\1/p') / 1048576" | bc -l)
  F[crowded_ms,$N]=$(per_query "$ROOT/sql/queries/crowded-scenes.sql")
  F[busy_ms,$N]=$(per_query "$ROOT/sql/queries/busy-fragments.sql")
  tt="SELECT o.category, count(*), sum(o.area) FROM (FROM silver.coco_objects AT (VERSION => $V)) o JOIN silver.coco_images i USING (image_id) WHERE o.category = 'person' GROUP BY ALL"
  echo "$tt" > "$W/tt_version.sql"; echo "${tt/(FROM silver.coco_objects AT (VERSION => $V))/silver.tt_copy}" > "$W/tt_table.sql"
  F[tt_version_ms,$N]=$(per_query "$W/tt_version.sql")
  F[tt_table_ms,$N]=$(per_query "$W/tt_table.sql")
  F[tt_ratio,$N]=$(echo "${F[tt_version_ms,$N]} / ${F[tt_table_ms,$N]}" | bc -l)
  noop=$(best3 $LH sql "SELECT 1")
  F[diff_ms,$N]=$(echo "($(best3 $LH diff silver.coco_objects $V "$cur") - $noop) * 1000" | bc -l)
  F[log_ms,$N]=$(echo "($(best3 $LH log silver.coco_objects) - $noop) * 1000" | bc -l)
  s=$(now); $LH gc --yes --min-age 0 >/dev/null; F[gc_ms,$N]=$(echo "($(secs "$s") - $noop) * 1000" | bc -l)
  s=$(now); $LH expire --keep 10 --yes >/dev/null; F[expire_ms,$N]=$(echo "($(secs "$s") - $noop) * 1000" | bc -l)
  printf '   ingest %.1f s (%.0f obj/s), catalog %d KB, %d data files, %d objects, crowded %.1f ms, time travel %.2fx\n' \
    "${F[ingest_s,$N]}" "${F[ingest_objs,$N]}" "${F[catalog_kb,$N]}" "${F[data_files,$N]}" "${F[bucket_objects,$N]}" \
    "${F[crowded_ms,$N]}" "${F[tt_ratio,$N]}"
  rm -rf "$W/s$N" "$LAKEHOUSE_DATA_DIR/objects/scale-$N" # disk: the next size starts clean
done

# the table: one row per figure, one column per size, then the growth per 10x
label() {
  case $1 in
    ingest_s) echo "ingest wall time (s) [goal: linear]";; ingest_objs) echo "ingest objects/s";;
    transform_s) echo "transform silver (s)";; catalog_kb) echo "catalog size (KB)";;
    data_files) echo "live data files";; bucket_objects) echo "bucket objects";; bucket_mb) echo "bucket MB";;
    crowded_ms) echo "crowded-scenes (ms) [goal: flat]";; busy_ms) echo "busy-fragments (ms) [goal: flat]";;
    tt_version_ms) echo "time travel: version V (ms) [flat]";; tt_table_ms) echo "same rows as a table (ms)";;
    tt_ratio) echo "time travel / same rows as table";; diff_ms) echo "diff V..current (ms)";;
    log_ms) echo "log (ms) [goal: flat]";; gc_ms) echo "gc --yes (ms) [goal: linear]";; expire_ms) echo "expire --keep 10 --yes (ms)";;
  esac
}
{
  printf '| %-38s |' "figure ($(nproc) cores)"; for N in "${SIZES[@]}"; do printf ' %10s |' "$N img"; done
  for ((i = 1; i < ${#SIZES[@]}; i++)); do printf ' %9s |' "x ${SIZES[i-1]}→${SIZES[i]}"; done; echo
  printf '|%s|' "$(printf -- '-%.0s' $(seq 40))"; for _ in "${SIZES[@]}"; do printf '%s|' "------------"; done
  for ((i = 1; i < ${#SIZES[@]}; i++)); do printf '%s|' "-----------"; done; echo
  for m in "${METRICS[@]}"; do
    printf '| %-38s |' "$(label "$m")"
    for N in "${SIZES[@]}"; do printf ' %10.1f |' "${F[$m,$N]}"; done
    for ((i = 1; i < ${#SIZES[@]}; i++)); do
      a=${F[$m,${SIZES[i-1]}]} b=${F[$m,${SIZES[i]}]}
      if [ "$(echo "$a > 0" | bc -l)" = 1 ]; then printf ' %8.2fx |' "$(echo "$b / $a" | bc -l)"; else printf ' %9s |' -; fi
    done
    echo
  done
} | tee "$W/scale-table.md"
last=${SIZES[${#SIZES[@]}-1]} first=${SIZES[0]}
result "scale: ingest ${last} images" "$(printf '%.0f obj/s' "${F[ingest_objs,$last]}")" "$(printf '%.0f obj/s' "${F[ingest_objs,$first]}")" "$(printf '%.2f' "$(echo "${F[ingest_objs,$last]} / ${F[ingest_objs,$first]}" | bc -l)")" ">= 1 (linear)"
result "scale: crowded-scenes at ${last} vs ${first}" "$(printf '%.1f ms' "${F[crowded_ms,$last]}")" "$(printf '%.1f ms' "${F[crowded_ms,$first]}")" "$(printf '%.2f' "$(echo "${F[crowded_ms,$last]} / ${F[crowded_ms,$first]}" | bc -l)")" "<= 2 per 10x"
result "scale: time travel vs same rows as a table" "$(printf '%.1f ms' "${F[tt_version_ms,$last]}")" "$(printf '%.1f ms' "${F[tt_table_ms,$last]}")" "$(printf '%.2f' "${F[tt_ratio,$last]}")" "<= 1.5"

# many small commits, then compact, against one commit of the same rows
if [ "$COMMITS" -gt 0 ]; then
  echo "== $COMMITS small commits of 10-100 rows to one table"
  export LAKEHOUSE_BUCKET=scale-feed LAKEHOUSE_CATALOG=$W/scale-feed.ducklake
  $LH init >/dev/null
  { echo "CREATE TABLE silver.feed (id BIGINT, cam VARCHAR, ts TIMESTAMP, score DOUBLE);"
    id=0
    for i in $(seq "$COMMITS"); do
      n=$(( 10 + (i * 7919) % 91 ))
      echo "INSERT INTO silver.feed SELECT $id + range, 'cam' || (range % 16), TIMESTAMP '2026-01-01' + INTERVAL ($id + range) SECOND, (range * $i) % 1000 / 10.0 FROM range($n);"
      id=$((id + n))
    done; } > "$W/feed.sql"
  s=$(now); $LH sql -f "$W/feed.sql" >/dev/null; feed_s=$(secs "$s")
  rows=$(value "SELECT count(*) FROM silver.feed")
  echo "SELECT cam, count(*), avg(score), max(ts) FROM silver.feed GROUP BY cam ORDER BY cam" > "$W/feed_q.sql"
  files_small=$(value "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file WHERE end_snapshot IS NULL")
  cat_small=$(( $(stat -c %s "$LAKEHOUSE_CATALOG") / 1024 ))
  q_small=$(per_query "$W/feed_q.sql")
  s=$(now); $LH compact silver.feed >/dev/null; compact_s=$(secs "$s")
  files_after=$(value "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file WHERE end_snapshot IS NULL")
  cat_after=$(( $(stat -c %s "$LAKEHOUSE_CATALOG") / 1024 ))
  q_after=$(per_query "$W/feed_q.sql")
  $LH sql -m "the same rows in one commit" "CREATE TABLE silver.feed_one AS FROM silver.feed" >/dev/null
  sed 's/silver.feed /silver.feed_one /' "$W/feed_q.sql" > "$W/feed_one_q.sql"
  q_one=$(per_query "$W/feed_one_q.sql")
  files_one=$(value "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file f JOIN __ducklake_metadata_lake.ducklake_table t USING (table_id) WHERE t.table_name = 'feed_one' AND f.end_snapshot IS NULL")
  {
    echo "$COMMITS commits, $rows rows, landed in $(printf '%.1f' "$feed_s") s; compact took $(printf '%.1f' "$compact_s") s"
    printf '| %-34s | %12s | %12s | %12s |\n' "" "small commits" "compacted" "one commit"
    printf '| %-34s | %12s | %12s | %12s |\n' "query latency (ms)" "$(printf '%.1f' "$q_small")" "$(printf '%.1f' "$q_after")" "$(printf '%.1f' "$q_one")"
    printf '| %-34s | %12s | %12s | %12s |\n' "live data files" "$files_small" "$files_after" "$files_one"
    printf '| %-34s | %12s | %12s | %12s |\n' "catalog size (KB, whole lake)" "$cat_small" "$cat_after" "-"
    printf 'compacted / one commit: %.2fx (goal <= 1.5x); small commits / one commit: %.2fx\n' \
      "$(echo "$q_after / $q_one" | bc -l)" "$(echo "$q_small / $q_one" | bc -l)"
  } | tee -a "$W/scale-table.md"
  result "many small commits: compacted vs one commit" "$(printf '%.1f ms' "$q_after")" "$(printf '%.1f ms' "$q_one")" "$(printf '%.2f' "$(echo "$q_after / $q_one" | bc -l)")" "<= 1.5"
fi
echo "total $(( $(date +%s) - t_start )) s on $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
