#!/usr/bin/env bash
# Benchmark (not a test): what a stored clip costs against its source.
#   Sources: generated 960x540 30 fps clips with camera motion (a drone pan over textured ground
#   with sensor noise; a zoom with fine detail), stored the way cameras do (H.264, B-frames,
#   long GOP), and their frames as a JPEG sequence (the official VisDrone layout); plus the
#   VisDrone test fixture (JPEG frames).
#   For each CRF/preset: `lakehouse ingest` (re-encode into 1-second fMP4 fragments), then
#   stored bytes / source bytes and PSNR of the stored clip against its source (FFmpeg's psnr
#   filter). Same run, for reference: FFmpeg's CLI with the same settings into a plain MP4
#   (closed 1 s GOPs), and the old tune=zerolatency set-up.
# Usage: bench/clips.sh [SECONDS]   (default 10 s per clip)
SECS=${1:-10}
DEFAULT_CRF=$(sed -n 's/^#define VIDEO_DEFAULT_CRF \([0-9]*\).*/\1/p' "$(dirname "$0")/../src/media/video.h")
. "$(dirname "$0")/lib.sh"
cd "$W"
mkdir -p src/sequences src/annotations jpg/sequences jpg/annotations
echo "generating 2 clips of $SECS s (960x540, 30 fps, H.264 CRF 18 medium, GOP 250, 3 B-frames)..."
camera() { ffmpeg -nostdin -v error -y -f lavfi -i "$1" -t "$SECS" -r 30 -pix_fmt yuv420p -c:v libx264 -preset medium -crf 18 -g 250 -bf 3 "$2"; }
camera "color=gray:s=960x540,noise=alls=60:allf=u,gblur=sigma=1.5,scroll=h=0.0015:v=0.0008,noise=alls=2:allf=t" src/sequences/pan.mp4
camera "mandelbrot=s=960x540:r=30,noise=alls=2:allf=t" src/sequences/zoom.mp4
for s in pan zoom; do
  : > "src/annotations/$s.txt"; : > "jpg/annotations/$s.txt"
  mkdir -p "jpg/sequences/$s"
  ffmpeg -nostdin -v error -i "src/sequences/$s.mp4" -q:v 2 -start_number 1 "jpg/sequences/$s/%07d.jpg"
done
"$ROOT/.deps/venv/bin/python" "$ROOT/tests/tools/make_visdrone.py" --out "$W/fx" --sequences 2 --frames 300 >/dev/null
$LH storage start >/dev/null
$LH init >/dev/null

psnr() { ffmpeg -nostdin -v info -i "$1" ${3:+-framerate "$3"} -i "$2" -lavfi "[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]psnr" -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tail -n1; }
bytes() { stat -L -c %s "$@" | paste -sd+ | bc; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# One ingest per setting into its own dataset split; prints one line per clip.
measure() { # LABEL CRF PRESET SOURCE-ROOT KIND
  local label=$1 crf=$2 preset=$3 root=$4 kind=$5 t0 t1
  t0=$(date +%s.%N)
  $LH ingest visdrone --from "$root" --split "$label" --crf "$crf" --preset "$preset" --copy never --fps 30 >/dev/null
  t1=$(date +%s.%N)
  $LH sql --csv "SELECT sequence, clip_uri, bytes FROM raw.visdrone_clips WHERE split = '$label'" | tail -n +2 |
  while IFS=, read -r seq uri stored; do
    $LH storage get "$uri" -o "$W/stored.mp4" >/dev/null </dev/null
    if [ "$kind" = video ]; then ref="$root/sequences/$seq.mp4"; srcbytes=$(bytes "$ref")
    else ref="$root/sequences/$seq/%07d.jpg"; srcbytes=$(bytes "$root/sequences/$seq"/*.jpg); fi
    if [ "$kind" = video ]; then p=$(psnr "$W/stored.mp4" "$ref"); else p=$(psnr "$W/stored.mp4" "$ref" 30); fi
    printf '  %-22s %-10s crf %2s %-9s stored %9d B / source %9d B = %sx   PSNR %s dB\n' "$label" "$seq" "$crf" "$preset" "$stored" "$srcbytes" "$(ratio "$stored" "$srcbytes")" "$p"
    echo "$label|$seq|$kind|$crf|$preset|$stored|$srcbytes|$p" >> "$W/rows"
  done
  printf '  %-22s ingest %.1f s\n' "$label" "$(echo "$t1 - $t0" | bc -l)"
}

# Each setting lands under a fresh sequence name (landed sequences are skipped by name).
variant() { # DIR SUFFIX: a copy of a source tree whose sequences carry a suffix
  local from=$1 to=$2 sfx=$3
  mkdir -p "$to/sequences" "$to/annotations"
  for f in "$from"/sequences/*; do b=$(basename "$f"); n=${b%.mp4}; ext=${b#"$n"}
    if [ -d "$f" ]; then cp -r "$f" "$to/sequences/$n$sfx"; else ln -s "$f" "$to/sequences/$n$sfx$ext"; fi; cp "$from/annotations/$n.txt" "$to/annotations/$n$sfx.txt"; done
}
echo "== video sources (stored bytes vs the source file; goal <= 1.8x at PSNR >= 42 dB)"
for set in "18 veryfast" "20 veryfast" "23 veryfast" "20 medium"; do
  read -r crf preset <<<"$set"; v="v${crf}${preset}"
  variant "$W/src" "$W/$v" "_$v"; measure "video-crf$crf-$preset" "$crf" "$preset" "$W/$v" video
done
echo "== JPEG-frame sources (stored bytes vs the JPEGs; goal PSNR >= 40 dB against the JPEGs)"
for set in "$DEFAULT_CRF veryfast"; do
  read -r crf preset <<<"$set"; v="j${crf}${preset}"
  variant "$W/jpg" "$W/$v" "_$v"; measure "jpeg-crf$crf-$preset" "$crf" "$preset" "$W/$v" jpeg
  variant "$W/fx/fixtures/visdrone-mot" "$W/f$v" "_f$v"; measure "fixture-crf$crf-$preset" "$crf" "$preset" "$W/f$v" jpeg
done

echo "== FFmpeg's CLI on the same video sources, same run (plain MP4, closed 1 s GOPs)"
for s in pan zoom; do
  src="src/sequences/$s.mp4"
  ffmpeg -nostdin -v error -y -i "$src" -c:v libx264 -preset veryfast -crf "$DEFAULT_CRF" -g 30 -keyint_min 30 -sc_threshold 0 -x264-params open-gop=0 cli.mp4
  ffmpeg -nostdin -v error -y -i "$src" -c:v libx264 -preset veryfast -crf 20 -tune zerolatency -g 30 -keyint_min 30 -sc_threshold 0 zl.mp4
  printf "  ffmpeg crf $DEFAULT_CRF veryfast"'   %-5s %sx  PSNR %s dB\n' "$s" "$(ratio "$(bytes cli.mp4)" "$(bytes "$src")")" "$(psnr cli.mp4 "$src")"
  printf '  old set-up (zerolatency, crf 20) %-5s %sx  PSNR %s dB\n' "$s" "$(ratio "$(bytes zl.mp4)" "$(bytes "$src")")" "$(psnr zl.mp4 "$src")"
done

# the default setting's figures for bench/run's table
def="video-crf$DEFAULT_CRF-veryfast"
awk -F'|' -v d="$def" '$1 == d { s += $6; b += $7; p = (p == "" || $8 < p) ? $8 : p } END { printf "%d %d %s\n", s, b, p }' "$W/rows" > "$W/def"
read -r s b p < "$W/def"
result "clips: stored vs source video (crf $DEFAULT_CRF veryfast), worst PSNR $p dB" "$s B" "$b B" "$(ratio "$s" "$b")x" "<= 1.8x at >= 42 dB"
awk -F'|' -v d="jpeg-crf$DEFAULT_CRF-veryfast" '$1 == d { s += $6; b += $7; p = (p == "" || $8 < p) ? $8 : p } END { printf "%d %d %s\n", s, b, p }' "$W/rows" > "$W/jdef"
read -r s b p < "$W/jdef"
result "clips: stored vs JPEG frames (crf $DEFAULT_CRF veryfast), worst PSNR $p dB" "$s B" "$b B" "$(ratio "$s" "$b")x" ">= 40 dB"
