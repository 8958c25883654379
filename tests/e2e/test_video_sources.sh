#!/usr/bin/env bash
# A folder (or one file) of video clips in any container/codec, under any dataset NAME: copied
# when the source's keyframes fit the fragments, else re-encoded for a PSNR target; bad clips
# refused with nothing landed, or skipped with --skip-bad. Clips generated here with the ffmpeg
# CLI (testsrc2 + noise for texture; 320x240, 3-4 s).
. "$(dirname "$0")/lib.sh"
start_storage
lh init
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
nframes() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nk=1:nw=1 "$1" | grep -E '^[0-9]+$' | head -n1; }
packet_hashes() { ffmpeg -v error -i "$1" -map 0:v:0 -c copy -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
src() { echo "testsrc2=size=320x240:rate=$1:duration=$2,noise=alls=12:allf=t+u"; }
C=$FIXTURES/clips
mkdir -p "$C/drone/day" "$C/annotations"
# 1-s GOP H.264 (copied), with audio (dropped, said so)
ffmpeg -v error -f lavfi -i "$(src 25 4)" -f lavfi -i sine=duration=4 -c:v libx264 -g 25 \
  -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -shortest "$C/drone/gop1.mp4"
# 8-s GOP H.264 (longer than 2 x 1 s: re-encoded), in a subfolder, MOV
ffmpeg -v error -f lavfi -i "$(src 25 4)" -c:v libx264 -g 200 -keyint_min 200 -sc_threshold 0 \
  -pix_fmt yuv420p "$C/drone/day/gop8.mov"
# VP9 WebM (re-encoded)
ffmpeg -v error -f lavfi -i "$(src 25 3)" -c:v libvpx-vp9 -b:v 300k -deadline realtime \
  -cpu-used 8 "$C/vp9.webm"
# variable frame rate (25 fps, then 12.5 fps after 2 s), 8-s GOP, Matroska: re-encoded, its
# timestamps kept; a rotated 1-s GOP clip (display matrix 90 degrees): copied, rotation kept
mkdir -p "$C/more"
ffmpeg -v error -f lavfi -i "$(src 25 4)" -vf "setpts='if(lt(N,50),N/25,2+(N-50)*2/25)/TB'" \
  -vsync vfr -c:v libx264 -g 200 -sc_threshold 0 -pix_fmt yuv420p "$C/more/vfr.mkv"
ffmpeg -v error -f lavfi -i "$(src 25 2)" -c:v libx264 -g 25 -sc_threshold 0 -pix_fmt yuv420p "$C/more/rotated.mp4"
# FFmpeg 5.1's CLI cannot set a rotation: write a 90-degree matrix into the tkhd box
python3 - "$C/more/rotated.mp4" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.find(b'tkhd'); v = b[i + 4]
off = i + 8 + (12 if v == 0 else 24) + 4 + (4 if v == 0 else 8) + 16
b[off:off + 36] = struct.pack('>9i', 0, 65536, 0, -65536, 0, 0, 0, 0, 0x40000000)
open(sys.argv[1], 'wb').write(b)
PY
# one annotation file (under annotations/), the other clips without
printf '1,1,10,10,20,20,1,4,0,0\n30,1,12,12,20,20,1,4,0,0\n75,2,40,40,10,10,1,1,0,1\n' >"$C/annotations/gop8.txt"
base=$(snapshot_count)

# --- bad inputs first: each refused (exit 2, naming the file), nothing landed -------------------
mkdir -p "$FIXTURES/bad"
bad_case() { # NAME FILE CONTENT-MAKER...
  local name=$1 file=$2; shift 2
  rm -rf "$FIXTURES/bad/$name"; mkdir -p "$FIXTURES/bad/$name"
  cp "$C/drone/gop1.mp4" "$FIXTURES/bad/$name/good.mp4"
  "$@" "$FIXTURES/bad/$name/$file"
}
notvideo() { echo "this is not a video" >"$1"; }
truncated() { head -c 20000 "$C/drone/day/gop8.mov" >"$1"; }
cutmkv() { ffmpeg -v error -i "$C/drone/day/gop8.mov" -c copy "$FIXTURES/whole.mkv"; head -c $(($(stat -c %s "$FIXTURES/whole.mkv") * 6 / 10)) "$FIXTURES/whole.mkv" >"$1"; }
cutfaststart() { ffmpeg -v error -i "$C/drone/gop1.mp4" -c copy -movflags +faststart "$FIXTURES/whole.mp4"; head -c $(($(stat -c %s "$FIXTURES/whole.mp4") * 6 / 10)) "$FIXTURES/whole.mp4" >"$1"; }
zeroframes() { ffmpeg -v error -f lavfi -i "$(src 25 1)" -frames:v 0 -c:v libx264 "$1" 2>/dev/null || : >"$1"; }
audioonly() { ffmpeg -v error -f lavfi -i sine=duration=1 -c:a aac "$1"; }
badann() { cp "$C/drone/gop1.mp4" "$1"; printf '1,1,10,10,20,20,1,4,0,0\n2,1,10,10,20,20,1\n' >"${1%.mp4}.txt"; }
bad_case notvideo junk.mp4 notvideo
bad_case truncated cut.mov truncated
bad_case zeroframes empty.mp4 zeroframes
bad_case audioonly sound.m4v audioonly
bad_case badann ann.mp4 badann
bad_case cutmkv half.mkv cutmkv
bad_case cutfaststart half.mp4 cutfaststart
for c in notvideo:junk.mp4 truncated:cut.mov zeroframes:empty.mp4 audioonly:sound.m4v cutmkv:half.mkv cutfaststart:half.mp4; do
  lh ingest clips --from "$FIXTURES/bad/${c%%:*}"
  check "bad input (${c%%:*}): exit 2 naming ${c#*:}" eval '[ $RC -eq 2 ] && contains "$ERR" "${c#*:}"'
done
lh ingest clips --from "$FIXTURES/bad/badann"
check "an annotation line with 7 columns: exit 2 naming file and line" eval '[ $RC -eq 2 ] && contains "$ERR" "ann.txt:2:"'
check "bad inputs landed nothing (no snapshot, no clip object)" \
  eval '[ "$(snapshot_count)" = "$base" ] && [ -z "$(object_keys assets/clips/)" ]'
lh ingest clips --from "$FIXTURES/bad/notvideo" --skip-bad
check "--skip-bad lands the rest and lists what it skipped" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "skipped 1 bad clips" && contains "$OUT" "junk.mp4" && [ "$(value "SELECT count(*) FROM raw.clips_clips")" = 1 ]'

# --- a folder of clips, any NAME ----------------------------------------------------------------
lh ingest drone --from "$C"
check "a folder of clips (mp4, mov, mkv, webm; subfolders) lands under any NAME" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.drone_clips")" = 5 ] && contains "$OUT" "2 copied, 3 encoded"'
check "sequence is the file's stem; source_uri the file" \
  eval '[ "$(value "SELECT string_agg(sequence, '"' '"' ORDER BY sequence) FROM raw.drone_clips")" = "gop1 gop8 rotated vfr vp9" ] && [ "$(value "SELECT source_uri FROM raw.drone_clips WHERE sequence = '"'vp9'"'")" = "$C/vp9.webm" ]'
check "the 1-s GOP H.264 clip is copied (copied, no crf/psnr)" \
  test "$(value "SELECT copied || '/' || coalesce(crf::VARCHAR, 'null') || '/' || encoding FROM raw.drone_clips WHERE sequence = 'gop1'")" = "true/null/copy"
uri=$(value "SELECT clip_uri FROM raw.drone_clips WHERE sequence = 'gop1'")
"$LAKEHOUSE_BIN" storage get "$uri" -o "$WORK/gop1-stored.mp4" >/dev/null
check "copied packets equal the source's (framemd5, $(packet_hashes "$C/drone/gop1.mp4" | wc -l) packets)" \
  eval '[ -n "$(packet_hashes "$WORK/gop1-stored.mp4")" ] && [ "$(packet_hashes "$WORK/gop1-stored.mp4")" = "$(packet_hashes "$C/drone/gop1.mp4")" ]'
check "copied fragments start at the source's keyframes (4 of 25 frames)" \
  test "$(value "SELECT string_agg(start_frame::VARCHAR, '-' ORDER BY fragment_id) FROM raw.drone_fragments WHERE clip_uri = '$uri'")" = "0-25-50-75"
check "the clip with audio says the audio was dropped" \
  test "$(value "SELECT audio_dropped FROM raw.drone_clips WHERE sequence = 'gop1'")" = true
check "the 8-s GOP, VFR and VP9 clips are re-encoded at >= 42 dB (measured), crf recorded" \
  test "$(value "SELECT count(*) FROM raw.drone_clips WHERE NOT copied AND psnr_db >= 42 AND crf BETWEEN 8 AND 40 AND codec = 'h264'")" = 3
frame_times() { ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp_time -of default=nk=1:nw=1 "$1" | grep -E '^[0-9.]+$' | awk '{printf "%.3f\n", $1 - (NR == 1 ? (f = $1) : f)}'; }
"$LAKEHOUSE_BIN" storage get "$(value "SELECT clip_uri FROM raw.drone_clips WHERE sequence = 'vfr'")" -o "$WORK/vfr-stored.mp4" >/dev/null
check "variable frame rate: the re-encoded clip keeps every frame's timestamp ($(frame_times "$C/more/vfr.mkv" | wc -l) frames)" \
  eval '[ "$(frame_times "$WORK/vfr-stored.mp4")" = "$(frame_times "$C/more/vfr.mkv")" ]'
check "variable frame rate: fragment times follow the frames (25 frames each: 0, 1, 2, 4 s)" \
  test "$(value "SELECT string_agg(start_time::VARCHAR, '-' ORDER BY fragment_id) FROM raw.drone_fragments JOIN raw.drone_clips USING (clip_uri) WHERE sequence = 'vfr'")" = "0.0-1.0-2.0-4.0"
"$LAKEHOUSE_BIN" storage get "$(value "SELECT clip_uri FROM raw.drone_clips WHERE sequence = 'rotated'")" -o "$WORK/rot-stored.mp4" >/dev/null
rotation() { ffprobe -v error -select_streams v:0 -show_entries side_data=rotation -of default=nk=1:nw=1 "$1" | grep -E '^-?[0-9]+$' | head -n1; }
check "rotation metadata kept ($(rotation "$C/more/rotated.mp4"))" \
  eval '[ -n "$(rotation "$WORK/rot-stored.mp4")" ] && [ "$(rotation "$WORK/rot-stored.mp4")" = "$(rotation "$C/more/rotated.mp4")" ]'
check "stored and source bytes recorded" \
  test "$(value "SELECT count(*) FROM raw.drone_clips WHERE source_bytes > 0 AND stored_bytes = bytes")" = 5
check "annotations: 3 rows for gop8 (annotations/gop8.txt), none for the other two" \
  test "$(value "SELECT count(*) || '/' || count(DISTINCT sequence) FROM raw.drone_annotations")" = "3/1"
# every fragment fetched alone gives its frames; all of them together every source frame
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.drone_fragments" --out "$WORK/frags"
check "fetch of every fragment succeeds" test "$RC" -eq 0
bad=0
while IFS=, read -r seq id frames; do
  got=$(nframes "$WORK/frags/$seq#$id.mp4")
  [ "$got" = "$frames" ] || { bad=1; echo "  $seq#$id: $got frames, index says $frames"; }
done < <("$LAKEHOUSE_BIN" sql --csv "SELECT c.sequence, f.fragment_id, f.end_frame - f.start_frame + 1 FROM raw.drone_fragments f JOIN raw.drone_clips c USING (clip_uri)" | tail -n +2)
check "every fragment decodes alone to its indexed frame count" test "$bad" -eq 0
for s in gop1:drone/gop1.mp4 gop8:drone/day/gop8.mov vp9:vp9.webm vfr:more/vfr.mkv rotated:more/rotated.mp4; do
  want=$(nframes "$C/${s#*:}")
  got=0
  for f in "$WORK"/frags/"${s%%:*}"#*.mp4; do
    n=$(nframes "$f"); got=$((got + n))
  done
  check "${s%%:*}: the fragments hold every source frame ($want)" test "$got" = "$want"
done
before=$(snapshot_count)
lh ingest drone --from "$C"
check "re-ingest: nothing new" eval '[ $RC -eq 0 ] && contains "$OUT" "nothing new" && [ "$(snapshot_count)" = "$before" ]'

# --- one file; --copy never / --crf force a re-encode at that CRF -------------------------------
lh ingest single --from "$C/drone/gop1.mp4" --copy never --crf 30
check "a single file, --copy never --crf 30: re-encoded at crf 30" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT copied || '"'/'"' || crf FROM raw.single_clips")" = "false/30.0" ]'
lh ingest always --from "$C/vp9.webm" --copy always
check "--copy always on VP9: exit 2, the codec named" eval '[ $RC -eq 2 ] && contains "$ERR" "vp9"'

# --- the same input gives the same bytes -----------------------------------------------------
k1=$(value "SELECT clip_uri FROM raw.drone_clips WHERE sequence = 'gop8'")
lh ingest drone2 --from "$C/drone/day/gop8.mov"
check "deterministic: the same clip re-encoded under another NAME has the same hash" \
  test "$(basename "$(value "SELECT clip_uri FROM raw.drone2_clips")")" = "$(basename "$k1")"

# --- more codecs: HEVC and AV1 (1-s GOPs) copied, MJPEG AVI re-encoded; fetch decodes them all --
mkdir -p "$FIXTURES/codecs"
ffmpeg -v error -f lavfi -i "$(src 25 3)" -c:v libx265 -x265-params keyint=25:min-keyint=25:scenecut=0:open-gop=0:log-level=error -pix_fmt yuv420p "$FIXTURES/codecs/hevc.mp4"
ffmpeg -v error -f lavfi -i "$(src 25 3)" -c:v libsvtav1 -g 25 -preset 12 -pix_fmt yuv420p "$FIXTURES/codecs/av1.mkv" 2>/dev/null ||
  ffmpeg -v error -f lavfi -i "$(src 25 3)" -c:v libaom-av1 -g 25 -cpu-used 8 -pix_fmt yuv420p "$FIXTURES/codecs/av1.mkv"
ffmpeg -v error -f lavfi -i "$(src 25 3)" -c:v mjpeg -q:v 3 "$FIXTURES/codecs/mjpeg.avi"
lh ingest codecs --from "$FIXTURES/codecs"
check "HEVC and AV1 with 1-s GOPs are copied, MJPEG re-encoded at >= 42 dB" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT string_agg(sequence || '"':'"' || codec || '"':'"' || copied, '"' '"' ORDER BY sequence) FROM raw.codecs_clips")" = "av1:av1:true hevc:hevc:true mjpeg:h264:false" ] && [ "$(value "SELECT psnr_db >= 42 FROM raw.codecs_clips WHERE sequence = '"'mjpeg'"'")" = true ]'
lh fetch --sql "SELECT clip_uri, fragment_id FROM raw.codecs_fragments" --out "$WORK/codecs" --frames png
check "fetch of every HEVC/AV1/MJPEG fragment decodes every frame (3 x 75)" eval '[ $RC -eq 0 ] && contains "$OUT" "225 frames decoded"'

# --- a Hub repo of clips (the emulator): downloaded through local-store/, then as a folder ------
mkdir -p "$FIXTURES/hub/fixtures/drone-clips/videos" "$FIXTURES/hub/fixtures/drone-clips/annotations"
cp "$C/drone/day/gop8.mov" "$C/vp9.webm" "$FIXTURES/hub/fixtures/drone-clips/videos/"
cp "$C/annotations/gop8.txt" "$FIXTURES/hub/fixtures/drone-clips/annotations/"
start_hub "$FIXTURES/hub"
lh ingest hubclips --from hf://datasets/fixtures/drone-clips
check "a Hub repo of clips: 2 clips, the annotation file found, source_uri names the repo file" \
  eval '[ $RC -eq 0 ] && [ "$(value "SELECT count(*) FROM raw.hubclips_clips WHERE source_uri LIKE '"'hf://datasets/fixtures/drone-clips@%/videos/%'"'")" = 2 ] && [ "$(value "SELECT count(*) FROM raw.hubclips_annotations")" = 3 ]'

finish
