#!/usr/bin/env bash
# VisDrone sequences -> fragmented MP4 clips + fragment index; the loader reads only the
# byte ranges a query selects. Real FFmpeg, real S3 server, real DuckLake.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
SQL_DIR=$E2E_DIR/../../sql
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" --bad
VM=$FIXTURES/hub/visdrone-manifest.json
start_hub "$FIXTURES/hub"
start_storage
lh init
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
base=$(snapshot_count)

# --- bad input first: nothing lands, no clip is uploaded --------------------------------------
lh ingest visdrone --from "$FIXTURES/hub/fixtures/visdrone-missing-frame"
check "a missing frame: exit 2 naming the frame" eval '[ $RC -eq 2 ] && contains "$ERR" "frame 0000017.jpg is missing"'
lh ingest visdrone --from "$FIXTURES/hub/fixtures/visdrone-bad-annotation"
check "a malformed annotation line: exit 2 with file and line number" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "uav0000098_00000_v.txt:7:"'
lh ingest visdrone --from "$FIXTURES/hub/fixtures/visdrone-sizes"
check "frames of different sizes: refused, naming the frame" eval '[ $RC -ne 0 ] && contains "$ERR" "frame 21 is 336x240"'
check "bad sequences landed nothing" eval '[ "$(snapshot_count)" = "$base" ]'

# --- ingest from the Hub emulator ---------------------------------------------------------------
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot --fps 30
check "ingest from the Hub: one snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = "$((base + 1))" ]'
check "three clips, 120 frames each" \
  eval '[ "$(value "SELECT count(*) || '"'/'"' || sum(n_frames) FROM raw.visdrone_clips")" = "3/360" ]'
check "one clip object per sequence under assets/visdrone/clips/" \
  eval '[ "$("$LAKEHOUSE_BIN" storage ls --csv assets/visdrone/clips/ | tail -n +2 | wc -l)" -eq 3 ]'
check "annotations landed as in the files" \
  eval '[ "$(value "SELECT count(*) FROM raw.visdrone_annotations")" -eq "$("$PY" -c "import json; print(sum(s[\"annotations\"] for s in json.load(open(\"$VM\"))[\"sequences\"].values()))")" ]'
check "fragments tile each clip: contiguous byte ranges after the init segment" \
  eval '[ "$(value "SELECT count(*) FROM (SELECT f.byte_offset, lag(f.byte_offset + f.byte_length, 1, c.init_bytes) OVER (PARTITION BY f.clip_uri ORDER BY f.fragment_id) AS expected FROM raw.visdrone_fragments f JOIN raw.visdrone_clips c USING (clip_uri)) WHERE byte_offset <> expected")" -eq 0 ]'
before=$(snapshot_count)
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot --fps 30
check "re-ingest: nothing new, no snapshot" eval '[ $RC -eq 0 ] && contains "$OUT" "nothing new" && [ "$(snapshot_count)" = "$before" ]'

# --- every fragment decodes on its own ----------------------------------------------------------
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.visdrone_fragments" --out "$WORK/all"
check "fetch all fragments" test "$RC" -eq 0
bad=0
while IFS=, read -r seq id frames; do
  got=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/all/$seq#$id.mp4")
  [ "$got" = "$frames" ] || { bad=1; echo "  $seq#$id: $got frames, index says $frames"; }
done < <("$LAKEHOUSE_BIN" sql --csv "SELECT c.sequence, f.fragment_id, f.end_frame - f.start_frame + 1 FROM raw.visdrone_fragments f JOIN raw.visdrone_clips c USING (clip_uri)" | tail -n +2)
check "every fragment (init + its bytes) decodes alone to end-start+1 frames (ffprobe)" test "$bad" -eq 0

# --- the busy-fragments query and the over-read test --------------------------------------------
lh transform silver
check "silver.visdrone_fragments built (transform silver: the visdrone section only)" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "sections visdrone"'
want=$("$PY" -c "
import json
m = json.load(open('$VM'))['sequences']
print(' '.join(sorted(f'{s}#{(b[0] - 1) // 30}' for s, v in m.items() for b in [v['busy_frames']])))")
got=$("$LAKEHOUSE_BIN" sql --csv -f "$SQL_DIR/queries/busy-fragments.sql" | tail -n +2 | sed 's|.*/clips/\([^/]*\)/[0-9a-f]*\.mp4,\([0-9]*\),.*|\1#\2|' | sort | tr '\n' ' ' | sed 's/ $//')
check "busy-fragments returns exactly the fragments the fixture made busy ($want)" test "$got" = "$want"
busy_sql="SELECT clip_uri, fragment_id FROM silver.visdrone_fragments WHERE n_tracks >= 20"
lh fetch --sql "$busy_sql" --out "$WORK/busy" --frames png
expect=$(value "SELECT sum(byte_length) + (SELECT sum(init_bytes) FROM raw.visdrone_clips WHERE clip_uri IN (SELECT clip_uri FROM ($busy_sql))) FROM raw.visdrone_fragments WHERE (clip_uri, fragment_id) IN (SELECT clip_uri, fragment_id FROM ($busy_sql))")
fetched=$(printf '%s' "$OUT" | sed -n 's/.* \([0-9]*\) bytes fetched.*/\1/p')
check "over-read: bytes fetched ($fetched) = selected fragments + init segments ($expect)" \
  eval '[ $RC -eq 0 ] && [ "$fetched" = "$expect" ]'
check "frames decoded = frames of the selected fragments (90)" \
  eval 'contains "$OUT" "90 frames decoded" && [ "$(ls "$WORK/busy"/*.png | wc -l)" -eq 90 ]'
worst=99
for n in 0000031 0000045 0000060; do
  img="$WORK/busy/uav0000001_00000_v_$n.png"
  src="$FIXTURES/hub/fixtures/visdrone-mot/sequences/uav0000001_00000_v/$n.jpg"
  p=$(ffmpeg -v info -i "$img" -i "$src" -lavfi "[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]psnr" -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p')
  [ "$p" = inf ] && p=99
  worst=$(python3 -c "print(min($worst, $p))")
done
check "decoded frames match the source frames (worst PSNR $worst dB >= 30)" python3 -c "import sys; sys.exit(0 if $worst >= 30 else 1)"
lh fetch --sql "$busy_sql" --dry-run
check "--dry-run plans without fetching" eval '[ $RC -eq 0 ] && contains "$OUT" "would fetch 3 fragments"'

# --- a stale index and a deleted object fail clearly ------------------------------------------
lh sql -m "test: corrupt one index row" "UPDATE raw.visdrone_fragments SET byte_length = byte_length + 100000 WHERE fragment_id = 3 AND clip_uri LIKE '%uav0000002%'"
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.visdrone_fragments WHERE fragment_id = 3 AND clip_uri LIKE '%uav0000002%'" --out "$WORK/stale"
check "an index range past the object's end: fails naming the object" \
  eval '[ $RC -ne 0 ] && [ $RC -lt 128 ] && contains "$ERR" "clips/uav0000002_00000_v/"'
gone=$(value "SELECT replace(clip_uri, 's3://lakehouse/', '') FROM raw.visdrone_clips WHERE sequence = 'uav0000003_00000_v'")
curl -sf -X DELETE --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
  "$AWS_ENDPOINT_URL/lakehouse/$gone"
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.visdrone_fragments WHERE clip_uri LIKE '%uav0000003%'" --out "$WORK/gone"
check "an object deleted behind the catalog: fails with its URI and NoSuchKey" \
  eval '[ $RC -ne 0 ] && [ $RC -lt 128 ] && contains "$ERR" "$gone" && contains "$ERR" "NoSuchKey"'
# --- a sequence given as a video file (irregular GOP: transcoded to fixed fragments) --------
mkdir -p "$FIXTURES/vfile/sequences" "$FIXTURES/vfile/annotations"
ffmpeg -v error -framerate 25 -i "$FIXTURES/hub/fixtures/visdrone-mot/sequences/uav0000002_00000_v/%07d.jpg" \
  -c:v libx264 -g 250 -pix_fmt yuv420p "$FIXTURES/vfile/sequences/clipfile.mp4"
cp "$FIXTURES/hub/fixtures/visdrone-mot/annotations/uav0000002_00000_v.txt" "$FIXTURES/vfile/annotations/clipfile.txt"
lh ingest visdrone --from "$FIXTURES/vfile" --fragment-frames 25
check "a sequence given as a video file: its own 25 fps, fragments of 25 frames" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT n_frames || '"'@'"' || fps || '"'/'"' || (SELECT count(*) FROM raw.visdrone_fragments f WHERE f.clip_uri = c.clip_uri) FROM raw.visdrone_clips c WHERE sequence = '"'clipfile'"'")" = "120@25/5" ]'


# --- stored for storage: B-frames inside closed GOPs; each fragment still decodes alone ---------
bf=$(ffprobe -v error -select_streams v:0 -show_entries stream=has_b_frames -of csv=p=0 "$(ls "$WORK"/all/*.mp4 | head -n1)")
check "stored clips use B-frames (ffprobe has_b_frames=$bf > 0)" test "${bf:-0}" -gt 0
check "raw.visdrone_clips records how each clip was encoded: the CRF picked for 42 dB, measured" \
  eval '[ "$(value "SELECT count(*) FROM raw.visdrone_clips WHERE encoding LIKE '"'libx264 crf=% preset=veryfast'"' AND crf > 0 AND psnr_db >= 42 AND NOT copied")" -ge 3 ]'

# --- an aligned H.264 source is copied, not re-encoded: packets byte-equal to the source ------
mkdir -p "$FIXTURES/vcopy/sequences" "$FIXTURES/vcopy/annotations" "$FIXTURES/vnever/sequences" "$FIXTURES/vnever/annotations"
ffmpeg -v error -framerate 25 -i "$FIXTURES/hub/fixtures/visdrone-mot/sequences/uav0000002_00000_v/%07d.jpg" \
  -c:v libx264 -g 25 -keyint_min 25 -sc_threshold 0 -bf 2 -x264-params open-gop=0 -pix_fmt yuv420p \
  "$FIXTURES/vcopy/sequences/aligned.mp4"
cp "$FIXTURES/vcopy/sequences/aligned.mp4" "$FIXTURES/vnever/sequences/reencoded.mp4"
cp "$FIXTURES/hub/fixtures/visdrone-mot/annotations/uav0000002_00000_v.txt" "$FIXTURES/vcopy/annotations/aligned.txt"
cp "$FIXTURES/hub/fixtures/visdrone-mot/annotations/uav0000002_00000_v.txt" "$FIXTURES/vnever/annotations/reencoded.txt"
lh ingest visdrone --from "$FIXTURES/vcopy" --fragment-frames 25
check "--copy auto on an aligned H.264 file: says it copied" eval '[ $RC -eq 0 ] && contains "$OUT" "1 copied, 0 encoded"'
uri=$(value "SELECT clip_uri FROM raw.visdrone_clips WHERE sequence = 'aligned'")
check "the copied clip is recorded as encoding=copy" test "$(value "SELECT encoding FROM raw.visdrone_clips WHERE sequence = 'aligned'")" = copy
"$LAKEHOUSE_BIN" storage get "$uri" -o "$WORK/aligned-stored.mp4" >/dev/null
packet_hashes() { ffmpeg -v error -i "$1" -map 0:v:0 -c copy -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
check "copied packets are byte-equal to the source's (framemd5 of $(packet_hashes "$FIXTURES/vcopy/sequences/aligned.mp4" | wc -l) packets)" \
  eval '[ -n "$(packet_hashes "$WORK/aligned-stored.mp4")" ] && [ "$(packet_hashes "$WORK/aligned-stored.mp4")" = "$(packet_hashes "$FIXTURES/vcopy/sequences/aligned.mp4")" ]'
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.visdrone_fragments WHERE clip_uri = '$uri'" --out "$WORK/copied"
bad=0
while IFS=, read -r id frames; do
  got=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/copied/aligned#$id.mp4")
  [ "$got" = "$frames" ] || { bad=1; echo "  aligned#$id: $got frames, index says $frames"; }
done < <("$LAKEHOUSE_BIN" sql --csv "SELECT fragment_id, end_frame - start_frame + 1 FROM raw.visdrone_fragments WHERE clip_uri = '$uri'" | tail -n +2)
check "every copied fragment decodes alone to its indexed frame count (ffprobe)" test "$bad" -eq 0
lh ingest visdrone --from "$FIXTURES/vnever" --fragment-frames 25 --copy never --crf 28 --preset faster
check "--copy never re-encodes with the given CRF and preset" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "0 copied, 1 encoded with libx264 crf 28 faster" && [ "$(value "SELECT encoding FROM raw.visdrone_clips WHERE sequence = '"'reencoded'"'")" = "libx264 crf=28 preset=faster" ]'
lh ingest visdrone --from "$FIXTURES/vnever" --preset warp9
check "an unknown --preset: exit 2 listing the presets" eval '[ $RC -eq 2 ] && contains "$ERR" "veryslow"'
lh ingest visdrone --from "$FIXTURES/vnever" --crf 77
check "--crf out of range: exit 2 naming the range" eval '[ $RC -eq 2 ] && contains "$ERR" "--crf wants a whole number from 1 to 51"'

finish
