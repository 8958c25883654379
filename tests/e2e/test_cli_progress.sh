#!/usr/bin/env bash
# The CLI on a terminal and in a pipe: a live progress line (stderr, a TTY only) during
# ingest, fetch and publish of a few hundred MB, nothing extra when piped; tables cut to the
# terminal's width with one hint, full values when piped (a piped URI works in storage get).
# The terminal is a real pseudo-terminal (tests/tools/pty_run.py) with a set window size.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
PTY=$E2E_DIR/../tools/pty_run.py
# ~200 MB of distinct noise JPEGs (1.3 MB each) in Hub-shaped Parquet shards
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --bench 160 >/dev/null
rm -rf "$FIXTURES/hub/bench-files" # plain copies, for bench/ingest.sh only
start_hub "$FIXTURES/hub"
export HF_TOKEN=$HUB_TOKEN
start_storage
lh init

# tty NAME COLS ARGS...: runs lakehouse on a pseudo-terminal COLS wide; the terminal's bytes
# go to $FIXTURES/NAME.tty, the exit code to RC.
tty() {
  local name=$1 cols=$2; shift 2
  python3 "$PTY" --out "$FIXTURES/$name.tty" --cols "$cols" -- "$LAKEHOUSE_BIN" "$@"
  RC=$?
  cat "$FIXTURES/$name.tty" >>"$FIXTURES/all-output.log"
  OUT=$(tail -c 600 "$FIXTURES/$name.tty") ERR=
}
# redraws FILE LABEL: how many distinct states of the progress line LABEL were drawn in
# place ('\r' without '\n'; the terminal turns each '\n' into "\r\n").
# widest FILE [PREFIX]: the widest line (in characters, escapes left out) that starts with
# PREFIX, counting each in-place redraw as a line of its own.
ttyinfo() {
  python3 - "$@" <<'EOF'
import re, sys
mode, path, prefix = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
data = open(path, "rb").read().replace(b"\r\n", b"\n").decode("utf-8", "replace")
plain = lambda s: re.sub(r"\x1b\[[0-9;]*m", "", s)
if mode == "plain":
    sys.stdout.write(plain(data))
elif mode == "redraws":
    draws = [plain(s).split("\n")[0].strip() for s in data.split("\r")[1:]]
    print(len({d for d in draws if d.startswith(prefix)}))
else:
    lines = [plain(l) for l in re.split(r"[\r\n]", data)]
    print(max([len(l.rstrip()) for l in lines if l.startswith(prefix)] or [0]))
EOF
}
redraws() { ttyinfo redraws "$@"; }
plain() { ttyinfo plain "$@"; } # the capture without colour escapes
widest() { ttyinfo widest "$@"; }
# clean FILE...: no carriage return and no escape byte in any of them
clean() { ! grep -q $'[\r\x1b]' "$@"; }

# ---- piped first: the same long jobs print nothing extra -------------------------------------
lh ingest piped --from hf://datasets/fixtures/bench --split train --limit 40
check "piped ingest: ok, and no '\\r' or escape byte on stdout or stderr" \
  eval '[ $RC -eq 0 ] && clean "$WORK/.out" "$WORK/.err" && contains "$OUT" "40"'
lh fetch --sql "SELECT image_uri FROM raw.piped" --out "$FIXTURES/fetched-piped"
check "piped fetch: no '\\r' or escape byte" eval '[ $RC -eq 0 ] && clean "$WORK/.out" "$WORK/.err"'
lh publish raw.piped --repo e2e/piped --with-media
check "piped publish: no '\\r' or escape byte" eval '[ $RC -eq 0 ] && clean "$WORK/.out" "$WORK/.err"'

# ---- on a terminal: one line, redrawn in place, a final line ---------------------------------
rm -rf "$WORK/local-store/fixtures/bench" # staged by the piped run: download it again
tty ingest 120 ingest bench --from hf://datasets/fixtures/bench --split train
check "tty ingest of ~200 MB succeeds" eval '[ $RC -eq 0 ]'
n=$(redraws "$FIXTURES/ingest.tty" "ingest upload")
check "tty ingest: the upload line is redrawn in place ($n distinct states, >= 3)" [ "$n" -ge 3 ]
plain "$FIXTURES/ingest.tty" >"$FIXTURES/ingest.txt"
check "tty ingest: the line counts blobs, bytes of the total, rate, ETA and uploads" \
  grep -aEq "ingest upload  [0-9]+ blobs  [0-9.]+ [kMG]?B/[0-9.]+ [kMG]?B  [0-9.]+ [kMG]?B/s  ETA [0-9]+:[0-9]{2}  uploaded [0-9]+" "$FIXTURES/ingest.txt"
check "tty ingest: the Hub download counts files and bytes" \
  grep -aEq "ingest download  [0-9]+/1 files  [0-9.]+ [kMG]?B" "$FIXTURES/ingest.txt"
check "tty ingest: the Hub download counts bytes while its one file arrives (0/1 files, > 0 B)" \
  grep -aEq "ingest download  0/1 files  ([1-9][0-9.]*|0\.[0-9]+) [kMG]?B/200\.[0-9] MB" "$FIXTURES/ingest.txt"
check "tty ingest: the final line says 160 blobs and the time taken" \
  grep -aEq "ingest upload  160 blobs  200\.[0-9] MB  .* in [0-9]+:[0-9]{2}" "$FIXTURES/ingest.txt"
tr "\r" "\n" <"$FIXTURES/ingest.txt" | grep -aE "^ingest .* in [0-9]+:[0-9]{2}" | sed 's/^/     /' # the finished phases, for the log
check "tty ingest: bold label (colour allowed)" grep -aq $'\x1b\\[1mingest' "$FIXTURES/ingest.tty"
check "tty ingest: the line never reaches the 120th column (a wrapped line cannot be redrawn)" \
  eval '[ "$(widest "$FIXTURES/ingest.tty" "ingest ")" -lt 120 ]'

NO_COLOR=1 tty fetch 100 fetch --sql "SELECT image_uri FROM raw.bench" --out "$FIXTURES/fetched"
check "tty fetch of 160 images succeeds" eval '[ $RC -eq 0 ] && [ "$(ls "$FIXTURES/fetched" | wc -l)" -eq 160 ]'
n=$(redraws "$FIXTURES/fetch.tty" "fetch")
check "tty fetch: the line is redrawn ($n distinct states, >= 2) and ends with 160/160 items" \
  eval '[ "$n" -ge 2 ] && grep -aEq "fetch  160/160 items  200\.[0-9] MB" "$FIXTURES/fetch.tty"'
check "tty fetch with NO_COLOR: no escape byte at all" eval '! grep -q $'"'"'\x1b'"'"' "$FIXTURES/fetch.tty"'

tty publish 120 publish raw.bench --repo e2e/bench --with-media
check "tty publish --with-media of ~200 MB succeeds" eval '[ $RC -eq 0 ] && contains "$OUT" "published"'
n=$(redraws "$FIXTURES/publish.tty" "publish upload")
check "tty publish: the upload line is redrawn while bytes move ($n distinct states, >= 3)" [ "$n" -ge 3 ]
plain "$FIXTURES/publish.tty" >"$FIXTURES/publish.txt"
tr "\r" "\n" <"$FIXTURES/publish.txt" | grep -aE "^publish .* in [0-9]+:[0-9]{2}" | sed 's/^/     /'
phases=0
for p in media export upload commit; do
  grep -aEq "publish $p .*in [0-9]+:[0-9]{2}" "$FIXTURES/publish.txt" && phases=$((phases + 1))
done
check "tty publish: media, export, upload and commit phases each end in a line ($phases of 4)" [ "$phases" -eq 4 ]
check "tty publish: the upload counts the Parquet shard sent (100-300 MB of embedded images)" grep -aEq "publish upload  1/1 files  [12][0-9]{2}\.[0-9] MB" "$FIXTURES/publish.txt"

# export and view count in the same progress line
tty export 120 export --sql "SELECT image_uri FROM raw.bench ORDER BY image_id LIMIT 80" --format webdataset --out "$FIXTURES/wds"
plain "$FIXTURES/export.tty" >"$FIXTURES/export.txt"
check "tty export: ok, the line ends with 80/80 samples and the bytes written" \
  eval '[ $RC -eq 0 ] && grep -aEq "export  80/80 samples  [0-9.]+ MB .*in [0-9]+:[0-9]{2}" "$FIXTURES/export.txt"'
lh export --sql "SELECT image_uri FROM raw.bench ORDER BY image_id LIMIT 80" --format webdataset --out "$FIXTURES/wds-piped"
check "piped export: no '\r' or escape byte" eval '[ $RC -eq 0 ] && clean "$WORK/.out" "$WORK/.err"'
tty view 120 view --sql "SELECT image_uri FROM raw.bench ORDER BY image_id LIMIT 60" --out "$FIXTURES/site"
plain "$FIXTURES/view.tty" >"$FIXTURES/view.txt"
check "tty view: ok, the line counts the thumbnails made" \
  eval '[ $RC -eq 0 ] && grep -aEq "view  ([0-9]+)/\1 thumbnails  [0-9.]+ MB .*in [0-9]+:[0-9]{2}" "$FIXTURES/view.txt"'

# VisDrone encoding: sequences and frames (3 generated sequences of 120 frames, from a folder)
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/vd" >/dev/null
tty visdrone 120 ingest visdrone --from "$FIXTURES/vd/fixtures/visdrone-mot"
plain "$FIXTURES/visdrone.tty" >"$FIXTURES/visdrone.txt"
check "tty VisDrone ingest: the encode line ends with 3/3 sequences and 360 frames" \
  eval '[ $RC -eq 0 ] && tr "\r" "\n" <"$FIXTURES/visdrone.txt" | grep -aEq "^ingest encode  3/3 sequences .*in [0-9]+:[0-9]{2}  frames 360"'

# ---- tables: cut to the terminal, whole in a pipe ---------------------------------------------
tty sql-narrow 80 sql "SELECT image_id, image_uri, source_repo FROM raw.bench ORDER BY image_id LIMIT 3"
check "a table on an 80-column terminal: long values cut with …, the hint once, no line wider than 80" \
  eval '[ $RC -eq 0 ] && grep -aq "…" "$FIXTURES/sql-narrow.tty" && [ "$(grep -ac "use --csv or --json for full values" "$FIXTURES/sql-narrow.tty")" -eq 1 ] && [ "$(widest "$FIXTURES/sql-narrow.tty")" -le 80 ] && grep -aq "fixtures/bench" "$FIXTURES/sql-narrow.tty"'
tty sql-roomy 200 sql "SELECT image_id, image_uri, source_repo FROM raw.bench ORDER BY image_id LIMIT 3"
check "the same table on a 200-column terminal: nothing cut, no hint" \
  eval '[ $RC -eq 0 ] && ! grep -aq "…" "$FIXTURES/sql-roomy.tty" && ! grep -aq "full values" "$FIXTURES/sql-roomy.tty" && grep -aEq "s3://[^ ]+/[0-9a-f]{64}\.jpg" "$FIXTURES/sql-roomy.tty"'
tty show-many 80 show raw.bench --limit 2
check "show with more columns than 80 columns can hold: one 'column = value' line per cell" \
  eval '[ $RC -eq 0 ] && grep -aEq "^ *image_uri = s3://[^ ]+/[0-9a-f]{64}\.jpg" "$FIXTURES/show-many.tty"'
tty show-line 80 show raw.bench --limit 2 --line
check "show --line: one 'column = value' line per cell, values whole" \
  eval '[ $RC -eq 0 ] && grep -aEq "image_uri = s3://[^ ]+/[0-9a-f]{64}\.jpg" "$FIXTURES/show-line.tty" && ! grep -aq "…" "$FIXTURES/show-line.tty"'
tty show-wide 80 show raw.bench --limit 2 --wide
check "show --wide on a terminal: nothing cut" \
  eval '[ $RC -eq 0 ] && grep -aEq "s3://[^ ]+/[0-9a-f]{64}\.jpg" "$FIXTURES/show-wide.tty" && ! grep -aq "…" "$FIXTURES/show-wide.tty"'
COLUMNS=60 lh show raw.bench --limit 3
check "piped show: full values, no … and no hint (even with COLUMNS set)" \
  eval '[ $RC -eq 0 ] && ! contains "$OUT" "…" && ! contains "$OUT" "full values" && clean "$WORK/.out"'
uri=$(printf '%s\n' "$OUT" | grep -oE 's3://[^ ]+\.jpg' | head -n1)
check "a URI copied from piped show is whole" eval '[[ "$uri" =~ /[0-9a-f]{64}\.jpg$ ]]'
"$LAKEHOUSE_BIN" storage get "$uri" -o "$FIXTURES/got.jpg" 2>"$FIXTURES/get.err"
RC=$? ERR=$(cat "$FIXTURES/get.err") OUT=
check "storage get accepts that URI and returns the JPEG" \
  eval '[ $RC -eq 0 ] && [ "$(head -c 3 "$FIXTURES/got.jpg" | od -An -tx1 | tr -d " ")" = ffd8ff ]'
finish
