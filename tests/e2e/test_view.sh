#!/usr/bin/env bash
# `lakehouse view` in a real browser: a lake with COCO + VisDrone fixtures, the site opened from
# file:// by headless Chromium (DevTools protocol, tests/tools/check_view.py): one image per
# selected row, boxes per image = its rows in silver.coco_objects, fragment strips of 3 frames
# with their boxes, every snapshot on the timeline, every <img> loaded, no console error, an
# injected <script> caption shown as text and never run. Then time travel, the thumbnail cache
# (a second run fetches no object), and bad input.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python # fixture generators (Pillow, pyarrow)
PY3=python3                               # the checker and the oracle: standard library only
SQL_DIR=$E2E_DIR/../../sql
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || { echo "chromium is missing: run scripts/bootstrap.sh --test-tools" >&2; exit 1; }
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" >/dev/null
"$PY" "$E2E_DIR/../tools/make_visdrone.py" --out "$FIXTURES/hub" >/dev/null
start_hub "$FIXTURES/hub"
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh ingest coco --from hf://datasets/fixtures/coco-captions
lh ingest visdrone --from hf://datasets/fixtures/visdrone-mot
lh transform silver
lh transform gold
check "a lake with COCO images, captions and VisDrone clips, silver and gold" test "$RC" -eq 0
value() { "$LAKEHOUSE_BIN" sql --csv "$1" | tail -n1; }
crowded=$(grep -v '^--' "$SQL_DIR/queries/crowded-scenes.sql")
first_crowded=$(value "SELECT image_id FROM ($crowded) q LIMIT 1")
# user data with markup: a caption and a commit message
lh sql -m 'test: <b>markup</b> & "quotes" in a commit message' \
  "INSERT INTO silver.coco_captions VALUES ($first_crowded, '<script>alert(1)</script>')"
check "a caption with a <script> landed" test "$RC" -eq 0
before_delete=$(value "SELECT id FROM lake.current_snapshot()")
deleted=$(value "SELECT image_id FROM raw.coco_images LIMIT 1")
lh sql -m "test: delete one raw image row" "DELETE FROM raw.coco_images WHERE image_id = $deleted"
check "a raw row deleted in a later snapshot" test "$RC" -eq 0

asset_gets() { grep -c '| GET | /lakehouse/assets/' "$S3_SERVER_LOG" 2>/dev/null || true; }

# --- the site ---------------------------------------------------------------------------------
SITE=$WORK/site
gets0=$(asset_gets)
t0=$(date +%s.%N)
lh view --out "$SITE" --json
t1=$(date +%s.%N)
first=$OUT
check "view: exit 0, index.html written" eval '[ $RC -eq 0 ] && [ -f "$SITE/index.html" ] && contains "$OUT" "$SITE/index.html"'
made=$(printf '%s' "$first" | "$PY3" -c 'import json,sys; print(json.load(sys.stdin)["thumbnails_made"])')
gets=$(printf '%s' "$first" | "$PY3" -c 'import json,sys; print(json.load(sys.stdin)["gets"])')
check "first view made thumbnails ($made) with GETs ($gets)" eval '[ "$made" -gt 0 ] && [ "$gets" -gt 0 ]'
if [ "$S3_SERVER" = embedded ]; then
  server_gets=$(( $(asset_gets) - gets0 ))
  check "the server saw as many object GETs as the verb counted ($server_gets = $gets)" test "$server_gets" = "$gets"
fi
check "no script, no remote URL in any page (works offline from file://)" \
  eval '! grep -l -i -E "<script|https?://" "$SITE"/*.html'

# expectations from the lake itself
"$PY3" - "$LAKEHOUSE_BIN" "$SQL_DIR" "$WORK/expect.json" <<'EOF'
import json, subprocess, sys
lh, sql_dir, out = sys.argv[1:4]
def rows(sql):
    return json.loads(subprocess.run([lh, "sql", "--json", sql], check=True, capture_output=True, text=True).stdout)
def query(name):
    return "\n".join(l for l in open(f"{sql_dir}/queries/{name}.sql") if not l.startswith("--"))
crowded = rows(f"""WITH q AS (SELECT row_number() OVER () AS pos, * FROM ({query('crowded-scenes')}))
  SELECT q.image_uri AS uri, (SELECT count(*) FROM silver.coco_objects o JOIN silver.coco_images i
  USING (image_id) WHERE i.image_uri = q.image_uri) AS boxes FROM q ORDER BY pos""")
busy = rows(f"""WITH q AS (SELECT row_number() OVER () AS pos, * FROM ({query('busy-fragments')}))
  SELECT q.clip_uri, q.fragment_id, f.start_frame, f.end_frame, c.sequence FROM q
  JOIN raw.visdrone_fragments f USING (clip_uri, fragment_id) JOIN raw.visdrone_clips c USING (clip_uri) ORDER BY pos""")
per_frame = {(r["sequence"], r["frame_index"]): r["n"] for r in
             rows("SELECT sequence, frame_index, count(*) AS n FROM silver.visdrone_annotations GROUP BY ALL")}
frags = []
for r in busy:
    s, e = r["start_frame"], r["end_frame"]
    frames = [s, s + (e - s) // 2, e]  # first, middle, last
    frags.append([r["clip_uri"], r["fragment_id"], [[f, per_frame.get((r["sequence"], f + 1), 0)] for f in frames]])
snaps = [r["snapshot_id"] for r in rows("SELECT snapshot_id FROM lake.snapshots()")]
json.dump({"sheets": {"sheet-crowded-scenes.html": {"images": [[r["uri"], r["boxes"]] for r in crowded]},
                      "sheet-busy-fragments.html": {"fragments": frags}},
           "timeline": snaps,
           "text": {"sheet-crowded-scenes.html": ["<script>alert(1)</script>"],
                    "timeline.html": ['test: <b>markup</b> & "quotes" in a commit message']},
           "screenshots": ["index.html", "sheet-crowded-scenes.html", "sheet-busy-fragments.html"]},
          open(out, "w"))
print(f"expect: {len(crowded)} crowded images, {len(frags)} busy fragments, {len(snaps)} snapshots")
EOF
check "expectations read from the lake (crowded images, busy fragments)" \
  eval '[ "$("$PY3" -c "import json; e=json.load(open(\"$WORK/expect.json\")); print(len(e[\"sheets\"][\"sheet-crowded-scenes.html\"][\"images\"]) >= 5 and len(e[\"sheets\"][\"sheet-busy-fragments.html\"][\"fragments\"]) == 3)")" = True ]'

SHOTS=$(mktemp -d /tmp/lakehouse-view-shots-XXXXXX) # test artifacts: kept after the run
browser() { # browser SITE EXPECT: runs the checker, one check per CHECK line
  local line
  while IFS= read -r line; do
    case "$line" in
      CHECK\|1\|*) pass "chromium: ${line#CHECK|1|}" ;;
      CHECK\|0\|*) OUT="" ERR="" RC=""; fail "chromium: ${line#CHECK|0|}" ;;
      screenshot:*) echo "     $line" ;;
    esac
  done < <("$PY3" "$E2E_DIR/../tools/check_view.py" --chromium "$CHROMIUM" --site "$1" --expect "$2" --screenshots "$SHOTS" 2>&1)
}
browser "$SITE" "$WORK/expect.json"
check "screenshots of the index and a contact sheet saved ($SHOTS)" \
  eval '[ -s "$SHOTS/index.png" ] && [ -s "$SHOTS/sheet-crowded-scenes.png" ]'
echo "     screenshots (test artifacts): $SHOTS"

# --- a second run with nothing changed fetches nothing -------------------------------------------
gets0=$(asset_gets)
t2=$(date +%s.%N)
lh view --out "$SITE" --json
t3=$(date +%s.%N)
check "second view, nothing changed: up to date, 0 GETs, nothing made" \
  eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | "$PY3" -c "import json,sys; r=json.load(sys.stdin); print(r[\"up_to_date\"], r[\"gets\"], r[\"thumbnails_made\"])")" = "True 0 0" ]'
[ "$S3_SERVER" != embedded ] || check "second view: the server saw no object GET" test "$(( $(asset_gets) - gets0 ))" -eq 0
printf '     first view %.2f s, second view %.2f s (not asserted; bench/view.sh measures)\n' \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t3 - $t2" | bc)"
# a new snapshot changes the pages, not the pictures: every thumbnail comes from the cache
lh sql -m "test: an unrelated change" "INSERT INTO silver.coco_captions VALUES (-1, 'no such image')"
gets0=$(asset_gets)
lh view --out "$SITE" --json
check "after a new snapshot: pages rebuilt, 0 GETs, all $made thumbnails from the cache" \
  eval '[ $RC -eq 0 ] && [ "$(printf "%s" "$OUT" | "$PY3" -c "import json,sys; r=json.load(sys.stdin); print(r[\"up_to_date\"], r[\"gets\"], r[\"thumbnails_made\"], r[\"thumbnails_cached\"])")" = "False 0 0 $made" ]'
[ "$S3_SERVER" != embedded ] || check "... and the server saw no object GET" test "$(( $(asset_gets) - gets0 ))" -eq 0
check "no temporary folder left beside the site" eval '[ -z "$(ls -A "$WORK" | grep "\.tmp-")" ]'

# --- time travel ------------------------------------------------------------------------------
lh view --out "$WORK/site-v" --version "$before_delete"
check "view --version $before_delete: exit 0" test "$RC" -eq 0
check "the table page at that snapshot shows the row deleted later (image_id $deleted)" \
  eval 'grep -q "<td>$deleted</td>" "$WORK/site-v/table-raw.coco_images.html" && ! grep -q "<td>$deleted</td>" "$SITE/table-raw.coco_images.html"'
check "the pages say which snapshot they show" \
  eval 'grep -q "as it was at snapshot $before_delete" "$WORK/site-v/index.html"'
lh view --out "$WORK/site-t" --time "$(value "SELECT snapshot_time FROM lake.snapshots() WHERE snapshot_id = $before_delete")" --query crowded-scenes
check "view --time T: the newest snapshot at or before T" \
  eval '[ $RC -eq 0 ] && grep -q "snapshot $before_delete " "$WORK/site-t/index.html"'

# --- bad input ----------------------------------------------------------------------------------
sum_site() { (cd "$SITE" && find . -type f | sort | xargs md5sum | md5sum); }
site_sum=$(sum_site)
lh view --out "$SITE" --query nosuch
check "unknown query: exit 2 naming it, the previous site untouched" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "nosuch" && [ "$(sum_site)" = "$site_sum" ]'
lh view --out "$SITE" --sql "SELECT image_uri FROM raw.no_such_table"
check "unknown table in --sql: exit 2 (the one missing-table answer) naming it, the previous site untouched" \
  eval '[ $RC -eq 2 ] && contains "$ERR" "no_such_table" && [ "$(sum_site)" = "$site_sum" ]'
check "failed runs leave no temporary folder" eval '[ -z "$(ls -A "$WORK" | grep "\.tmp-")" ]'
lh view --out "$WORK/site-nouri" --sql "SELECT image_id, persons FROM ($crowded) q"
check "a query without *_uri: exit 0, a table page that says why, no tile" \
  eval '[ $RC -eq 0 ] && grep -q "no \*_uri column" "$WORK/site-nouri/sheet-sql-1.html" && ! grep -q "class=\"tile" "$WORK/site-nouri/sheet-sql-1.html" && contains "$ERR" "no contact sheet"'
: > "$WORK/afile"
lh view --out "$WORK/afile/site"
check "unwritable --out (under a file): exit 1, nothing written" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "cannot write --out" && [ -z "$(ls -A "$WORK" | grep "\.tmp-")" ]'
mkdir -p "$WORK/mine" && echo keep > "$WORK/mine/notes.txt"
lh view --out "$WORK/mine"
check "--out naming a folder of other files: refused, the files kept" \
  eval '[ $RC -eq 1 ] && contains "$ERR" "not a site" && [ "$(cat "$WORK/mine/notes.txt")" = keep ]'

# an object deleted behind the catalog: a placeholder tile naming it, exit 0, one warning
gone_uri=$(value "SELECT image_uri FROM ($crowded) q LIMIT 1 OFFSET 1")
gone_key=${gone_uri#s3://lakehouse/}
curl -sf -X DELETE --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
  "$AWS_ENDPOINT_URL/lakehouse/$gone_key"
lh view --out "$WORK/site-gone" --query crowded-scenes --json
check "a gone object: exit 0 with 1 warning naming its URI" \
  eval '[ $RC -eq 0 ] && contains "$ERR" "warning: $gone_uri" && [ "$(printf "%s" "$OUT" | "$PY3" -c "import json,sys; print(json.load(sys.stdin)[\"warnings\"])")" = 1 ]'
printf '{"gone": {"sheet-crowded-scenes.html": ["%s"]}}' "$gone_uri" > "$WORK/expect-gone.json"
browser "$WORK/site-gone" "$WORK/expect-gone.json"
finish
