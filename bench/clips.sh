#!/usr/bin/env bash
# Benchmark (not a test): what a stored clip costs against its source, at a quality target.
#   Sources, generated to resemble aerial footage: 960x540 30 fps, fine texture and motion with
#   sensor noise, stored the way drone cameras do (H.264 CRF 18 medium, 3 B-frames, long GOP):
#     pan   a camera pan over textured ground (blurred noise field scrolled diagonally, plus
#           temporal noise), keyframes every 6 s (GOP 180)
#     zoom  a zoom into fine detail (mandelbrot, plus temporal noise), keyframes every 8.3 s
#           (GOP 250)
#     lowrate  the pan as a bitrate-starved camera stores it (CRF 27, GOP 250): the case where
#           42 dB against the decoded source costs more bytes than the source
#   Their keyframes are too far apart for a stream copy (more than 2 x 1 s), so `lakehouse
#   ingest` re-encodes them for --quality 42 (default): it picks the CRF per clip and records
#   the measured PSNR; this script measures it again with FFmpeg's psnr filter.
#   Same run, the reference: FFmpeg's CLI, libx264 with the same preset and closed 1-s GOPs into
#   a plain MP4, at the CRF (bisected here) that reaches the same PSNR as lakehouse's clip; and
#   the brief's fixed point, veryfast CRF 23.
# Usage: bench/clips.sh [SECONDS]   (default 10 s per clip)
SECS=${1:-10}
PRESET=$(sed -n 's/^#define VIDEO_DEFAULT_PRESET "\(.*\)".*/\1/p' "$(dirname "$0")/../src/media/video.h")
. "$(dirname "$0")/lib.sh"
cd "$W"
mkdir -p src
echo "generating 3 clips of $SECS s (960x540, 30 fps, H.264 medium, long GOP, 3 B-frames)..."
camera() { ffmpeg -nostdin -v error -y -f lavfi -i "$1" -t "$SECS" -r 30 -pix_fmt yuv420p -c:v libx264 -preset medium -crf "${4:-18}" -g "$2" -keyint_min "$2" -sc_threshold 0 -bf 3 "$3"; }
PAN="color=gray:s=960x540,noise=alls=60:allf=u,gblur=sigma=1.5,scroll=h=0.0015:v=0.0008,noise=alls=2:allf=t"
camera "$PAN" 180 src/pan.mp4
camera "mandelbrot=s=960x540:r=30,noise=alls=2:allf=t" 250 src/zoom.mp4
camera "$PAN" 250 src/lowrate.mp4 27
$LH storage start >/dev/null
$LH init >/dev/null

psnr() { ffmpeg -nostdin -v info -i "$1" -i "$2" -lavfi "[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]psnr" -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tail -n1; }
bytes() { stat -L -c %s "$@" | paste -sd+ | bc; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
ge() { [ "$(echo "$1 >= $2" | bc -l)" = 1 ]; }
now() { date +%s.%N; }
cli() { # SRC CRF OUT: FFmpeg's CLI, closed 1-s GOPs
  ffmpeg -nostdin -v error -y -i "$1" -an -c:v libx264 -preset "$PRESET" -crf "$2" -g 30 -keyint_min 30 -sc_threshold 0 -x264-params open-gop=0 "$3"
}

echo "== lakehouse ingest (--quality 42, --copy auto: long GOPs, so re-encoded; preset $PRESET)"
t0=$(now); $LH ingest bench --from src/ >/dev/null; t1=$(now)
frames=$($LH sql --csv "SELECT sum(n_frames) FROM raw.bench_clips" | tail -n1)
printf '  ingest of %s frames: %.1f s, %.1f frames/s (reading, CRF search on a sample, encode, PSNR over every frame, upload)\n' \
  "$frames" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$frames / ($t1 - $t0)" | bc -l)"
: > "$W/rows"
$LH sql --csv "SELECT sequence, clip_uri, stored_bytes, source_bytes, crf, round(psnr_db, 2), copied FROM raw.bench_clips ORDER BY 1" | tail -n +2 |
while IFS=, read -r seq uri stored source crf db copied; do
  $LH storage get "$uri" -o "$W/$seq-stored.mp4" >/dev/null </dev/null
  check=$(psnr "$W/$seq-stored.mp4" "src/$seq.mp4")
  printf '  %-7s copied %-5s crf %-5s stored %9d B / source %9d B = %sx   PSNR %s dB (FFmpeg psnr filter: %s)\n' \
    "$seq" "$copied" "$crf" "$stored" "$source" "$(ratio "$stored" "$source")" "$db" "$check"
  echo "$seq $stored $source $check" >> "$W/rows"
done

echo "== FFmpeg's CLI, same run (libx264 $PRESET, closed 1-s GOPs, plain MP4)"
: > "$W/refrows"
while read -r seq stored source db; do
  src=src/$seq.mp4
  t0=$(now); cli "$src" 23 "$W/ref23.mp4"; t1=$(now)
  printf '  %-7s crf 23: %sx  PSNR %s dB  (encode %.1f frames/s)\n' "$seq" "$(ratio "$(bytes "$W/ref23.mp4")" "$source")" \
    "$(psnr "$W/ref23.mp4" "$src")" "$(echo "$SECS * 30 / ($t1 - $t0)" | bc -l)"
  # bracket lakehouse's PSNR between two CRFs 1/4 apart (bisection), then the reference's bytes
  # at exactly that PSNR: log(bytes) interpolated linearly in PSNR between the two
  lo=8 hi=40 lob=0 lodb=0 hib=0 hidb=0
  while [ "$(echo "$hi - $lo > 0.25" | bc -l)" = 1 ]; do
    mid=$(echo "scale=2; x = ($lo + $hi) * 2; scale=0; x = (x + 0.5) / 1; scale=2; x / 4" | bc -l)
    cli "$src" "$mid" "$W/try.mp4"
    tdb=$(psnr "$W/try.mp4" "$src"); tb=$(bytes "$W/try.mp4")
    if ge "$tdb" "$db"; then lo=$mid lob=$tb lodb=$tdb; else hi=$mid hib=$tb hidb=$tdb; fi
  done
  if [ "$hib" = 0 ] || [ "$lob" = 0 ]; then refb=$((lob + hib)); else
    refb=$(echo "e(l($hib) + (l($lob) - l($hib)) * ($db - $hidb) / ($lodb - $hidb))" | bc -l | cut -d. -f1); fi
  printf '  %-7s at equal PSNR: crf %s (%s B, %.2f dB) .. %s (%s B, %.2f dB) -> %s B = %sx at %s dB; lakehouse %sx: %s the reference'"'"'s bytes\n' \
    "$seq" "$lo" "$lob" "$lodb" "$hi" "$hib" "$hidb" "$refb" "$(ratio "$refb" "$source")" "$db" "$(ratio "$stored" "$source")" "$(ratio "$stored" "$refb")x"
  echo "$seq $refb" >> "$W/refrows"
done < "$W/rows"

read -r s b p < <(awk '{ s += $2; b += $3; p = (p == "" || $4 < p) ? $4 : p } END { printf "%d %d %s\n", s, b, p }' "$W/rows")
r=$(awk '{ s += $2 } END { print s }' "$W/refrows")
result "clips: stored vs source video (--quality 42, $PRESET), worst PSNR $p dB" "$s B" "$b B" "$(ratio "$s" "$b")x" "<= 1.5x at >= 42 dB"
result "clips: stored vs FFmpeg CLI at equal PSNR (1-s GOPs, $PRESET)" "$s B" "$r B" "$(ratio "$s" "$r")x" "<= 1.0x"
