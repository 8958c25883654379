#!/usr/bin/env bash
# Benchmark (not a test): `lakehouse view` drawing a contact sheet of N images against, in the
# same run and on the same embedded S3 server, fetching the same N objects with 8 parallel curl
# processes (each over one keep-alive connection). Also: peak RSS of the view, and the second
# run with nothing changed (up to date) and a run after a new snapshot (pages rebuilt, every
# thumbnail from the cache).
# The fair baseline beside it: the pipeline a user would write for the same thumbnails, curl
# piped into FFmpeg's CLI per object (longer side 320, as the view's), 8 at a time: the curl
# fetch alone decodes nothing, while each thumbnail must entropy-decode a whole JPEG.
# Goals: view <= 1.5x the curl fetch (unfair, see above), and <= 1.5x curl + ffmpeg;
# peak RSS < 256 MiB; a second run < 1/4 of the first.
# Usage: bench/view.sh [N_IMAGES]   (default 500 generated ~1.3 MB 1400x1000 JPEGs)
N=${1:-500}
. "$(dirname "$0")/lib.sh"
echo "generating $N images..."
.deps/venv/bin/python tests/tools/make_fixtures.py --out "$W/hub" --bench "$N" --row-group 16 >/dev/null
$LH storage start >/dev/null
$LH init >/dev/null
$LH ingest bench --from "$W/hub/fixtures/bench" --split train --threads 8 >/dev/null
SQL="SELECT image_id, image_uri FROM raw.bench ORDER BY image_id"
$LH sql --csv "SELECT replace(image_uri, 's3://lakehouse/', '') FROM ($SQL)" | tail -n +2 > "$W/keys"
mb=$(( $(du -sbL "$LAKEHOUSE_DATA_DIR/objects/lakehouse/assets" | cut -f1) / 1000000 ))
echo "$(wc -l < "$W/keys") objects, $mb MB in the bucket"

measure() { # measure NAME COMMAND... -> "seconds peak_rss_kb cpu_seconds"
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$W/$name.time" "$@" > "$W/$name.out" 2> "$W/$name.err" || {
    echo "$name failed:"; cat "$W/$name.err"; exit 1; }
  awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$W/$name.time"
}
curl_all() {
  xargs -P 8 -n $(( (N + 7) / 8 )) bash -c 'args=(); for k; do args+=("$AWS_ENDPOINT_URL/lakehouse/$k" -o /dev/null); done
    curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "${args[@]}"' _ < "$W/keys"
}
curl_ffmpeg_all() {
  mkdir -p "$W/thumbs-ffmpeg"
  xargs -P 8 -n 1 bash -c 'curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$AWS_ENDPOINT_URL/lakehouse/$1" |
    ffmpeg -nostdin -loglevel error -y -f jpeg_pipe -i - -vf "scale=320:320:force_original_aspect_ratio=decrease" \
      -frames:v 1 "$W/thumbs-ffmpeg/$(basename "$1")"' _ < "$W/keys"
}
export -f curl_all curl_ffmpeg_all; export W N
view() { $LH view --out "$1" --sql "$SQL" --limit "$N" --threads 8; }
export -f view; export LH SQL

sync; read -r c_s c_kb c_cpu < <(measure curl bash -c curl_all)
sync; read -r f_s f_kb f_cpu < <(measure curlffmpeg bash -c curl_ffmpeg_all)
[ "$(ls "$W/thumbs-ffmpeg" | wc -l)" -eq "$N" ] || { echo "curl + ffmpeg made $(ls "$W/thumbs-ffmpeg" | wc -l) of $N thumbnails"; exit 1; }
sync; read -r v_s v_kb v_cpu < <(measure view1 bash -c "view $W/site")
grep -q " 0 warnings" "$W/view1.out" || { echo "view warned:"; cat "$W/view1.out" "$W/view1.err"; exit 1; }
read -r u_s u_kb u_cpu < <(measure view2 bash -c "view $W/site")
$LH sql -m "bench: a new snapshot" "CREATE TABLE raw.bench_touch AS SELECT 1 AS x" >/dev/null
read -r r_s r_kb r_cpu < <(measure view3 bash -c "view $W/site")
echo "curl, 8 processes:        $c_s s ($c_cpu s CPU)"
echo "curl | ffmpeg, 8 at once:  $f_s s ($f_cpu s CPU): the same thumbnails by FFmpeg's CLI"
echo "view (first):             $v_s s ($v_cpu s CPU, $(echo "$v_cpu * 1000 / $N" | bc) ms per image), peak RSS $((v_kb / 1024)) MiB   ($(sed -n 2p "$W/view1.out"))"
echo "   (load average during the run: $(cut -d' ' -f1-3 /proc/loadavg); decoding is CPU work curl does not do: compare CPU seconds on a busy machine)"
echo "view (nothing changed):   $u_s s, peak RSS $((u_kb / 1024)) MiB"
echo "view (new snapshot):      $r_s s, peak RSS $((r_kb / 1024)) MiB   ($(sed -n 2p "$W/view3.out"))"
ratio=$(echo "$v_s / $c_s" | bc -l)
printf 'view / curl = %.2fx (goal <= 1.5x); second / first = %.2f (goal < 0.25); new snapshot / first = %.2f\n' \
  "$ratio" "$(echo "$u_s / $v_s" | bc -l)" "$(echo "$r_s / $v_s" | bc -l)"
result "view: contact sheet of $N images" "${v_s} s" "${c_s} s (8x curl)" "$(printf '%.2fx' "$ratio")" "<= 1.5x"
fair=$(echo "$v_s / $f_s" | bc -l)
printf 'view / (curl | ffmpeg) = %.2fx (goal <= 1.5x)\n' "$fair"
result "view: contact sheet of $N images" "${v_s} s" "${f_s} s (8x curl + ffmpeg)" "$(printf '%.2fx' "$fair")" "<= 1.5x"
result "view: peak RSS" "$((v_kb / 1024)) MiB" - - "< 256 MiB"
result "view: second run, nothing changed" "${u_s} s" "${v_s} s" "$(printf '%.2f' "$(echo "$u_s / $v_s" | bc -l)")" "< 0.25"
