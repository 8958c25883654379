#!/usr/bin/env bash
# One clear error per mistake, table-driven like
# test_bad_inputs_table.sh. Each case names the exit code and a fragment of the message; no
# message may quote our SQL (SELECT, LINE 1:, Binder Error). Then: the same missing-table
# answer from every verb, s3:// URIs in storage stat/ls/get, land --mode replace|upsert,
# sql's write report, tables, completion and the man page.
. "$(dirname "$0")/lib.sh"
start_storage
lh init
F=$FIXTURES
DEAD=http://127.0.0.1:$(free_port)
make_parquet "$F/events.parquet" 100
lh land raw.events "$F/events.parquet" -m base
printf 'id,name\n1,a\n' >"$F/one.csv"
python3 -c "
print('id,n')
for i in range(25000): print(f'{i},{i}')  # past the sniffer's 20480-row sample
print('25000,abc')" >"$F/bad-type.csv"
EMBEDDED_RUNNING=0
[ "$S3_SERVER" = embedded ] && EMBEDDED_RUNNING=1

lh_() { "$LAKEHOUSE_BIN" "$@"; }
MISSING='no table raw.evnts (did you mean raw.events?)'
# exit | message fragment | arguments (eval'd, so quotes work)
cases=$(cat <<EOF
2|$MISSING|show raw.evnts
2|$MISSING|show raw.evnts --version 1
2|$MISSING|diff raw.evnts 1 2
2|$MISSING|rollback raw.evnts --to 1 -m x
2|$MISSING|log raw.evnts
2|$MISSING|trace raw.evnts
2|$MISSING|HF_TOKEN=hf_x HF_ENDPOINT=$DEAD lh_ publish raw.evnts --repo e2e/x
2|$MISSING|fetch --sql 'SELECT image_uri FROM raw.evnts' --out $F/out
2|$MISSING|view --sql 'SELECT * FROM raw.evnts' --out $F/site
2|$MISSING|export --table raw.evnts --format coco --out $F/coco.json
2|$MISSING|export --sql 'SELECT * FROM raw.evnts' --format coco --out $F/coco.json
2|$MISSING|sql 'SELECT * FROM raw.evnts'
2|no table evnts (did you mean raw.events?)|sql 'SELECT * FROM evnts'
2|no table raw.zzzzzzzz (see 'lakehouse tables')|show raw.zzzzzzzz
2|is not a timestamp|show raw.events --time yesterday
2|the earliest valid time is|show raw.events --time '2000-01-01 00:00:00+00'
2|query crowded-scenes reads silver.coco_objects, silver.coco_images|query crowded-scenes
2|lakehouse ingest coco|query crowded-scenes
1|Referenced column "nope" not found|sql 'SELECT nope FROM raw.events'
2|is not in the configured bucket lakehouse|storage stat s3://other-bucket/lake/x
2|is not in the configured bucket lakehouse|storage ls s3://other-bucket/
2|is not in the configured bucket lakehouse|storage get s3://other-bucket/lake/x
3|Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID=nobody-here lh_ sql 'SELECT 1'
3|Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY|AWS_SECRET_ACCESS_KEY=wrong-secret-value lh_ sql 'SELECT 1'
3|access denied|AWS_ACCESS_KEY_ID=nobody-here lh_ storage status
3|access denied|AWS_SECRET_ACCESS_KEY=wrong-secret-value lh_ storage status
3|cannot reach S3 endpoint $DEAD|AWS_ENDPOINT_URL=$DEAD lh_ storage status
2|--csv applies to storage ls only|storage status --csv
2|-o applies to storage get only|storage stat lake/x -o $F/x
2|unknown verb 'snapshot' (did you mean snapshots?)|snapshot
2|unknown option '--jsn' (did you mean --json?)|show raw.events --jsn
2|unknown option '--lst' (did you mean --last?)|log --lst 3
2|unknown option '--bogus'|snapshots --bogus
2|--limit wants a value|show raw.events --limit
2|-m wants a value|sql 'SELECT 1' -m
2|--mode wants append, replace or upsert|land raw.x $F/one.csv --mode merge
2|--mode upsert needs --key COL|land raw.x $F/one.csv --mode upsert
2|--key applies to --mode upsert only|land raw.x $F/one.csv --key id
2|--key nope: raw.events has no column nope|land raw.events $F/one.csv --mode upsert --key nope
2|--types applies to CSV files only|land raw.x $F/events.parquet --types id=INTEGER
2|--types wants COL=TYPE|land raw.x $F/one.csv --types id
1|CSV line 25002, column n: "abc" is not BIGINT|land raw.typed $F/bad-type.csv
1|--types n=VARCHAR|land raw.typed $F/bad-type.csv
2|give bash or zsh|completion fish
EOF
)
[ "$EMBEDDED_RUNNING" = 0 ] ||
  cases+=$'\n'"3|listens at $AWS_ENDPOINT_URL: set AWS_ENDPOINT_URL=|AWS_ENDPOINT_URL=$DEAD lh_ show raw.events"

n=0
sql_leaks=0
while IFS='|' read -r want fragment args; do
  [ -n "$want" ] || continue
  n=$((n + 1))
  snaps=$(snapshot_count)
  case $args in *lh_*) cmd="$args" ;; *) cmd="lh_ $args" ;; esac
  eval "$cmd" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?; OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
  cat "$WORK/.out" "$WORK/.err" >>"$FIXTURES/all-output.log"
  check "case $n: $args → exit $want, says '$fragment', no new snapshot" \
    eval '[ "$RC" = "$want" ] && contains "$ERR" "$fragment" && [ "$(snapshot_count)" = "$snaps" ]'
  for bad in 'SELECT' 'LINE 1:' 'Binder Error'; do
    if contains "$ERR" "$bad"; then
      sql_leaks=$((sql_leaks + 1))
      echo "     case $n quotes '$bad': $ERR"
    fi
  done
  [ "$(printf '%s\n' "$ERR" | grep -c 'error:')" -le 1 ] || { sql_leaks=$((sql_leaks + 1)); echo "     case $n: more than one error: $ERR"; }
done <<<"$cases"
check "at least 40 cases ran ($n)" [ "$n" -ge 40 ]
check "no message quotes SQL (SELECT, LINE 1:, Binder Error), one error per mistake" [ "$sql_leaks" = 0 ]

# The same code and text from every verb of item 2 (not just each its own fragment).
codes=""; texts=""
for args in "show raw.evnts" "diff raw.evnts 1 2" "rollback raw.evnts --to 1 -m x" "log raw.evnts" \
  "trace raw.evnts" "fetch --sql 'SELECT image_uri FROM raw.evnts' --out $F/out" \
  "view --sql 'SELECT * FROM raw.evnts' --out $F/site" "export --table raw.evnts --format coco --out $F/c.json" \
  "HF_TOKEN=hf_x HF_ENDPOINT=$DEAD $LAKEHOUSE_BIN publish raw.evnts --repo e2e/x"; do
  case $args in HF_TOKEN*) eval "$args" >/dev/null 2>"$WORK/.err"; RC=$?; ERR=$(cat "$WORK/.err") ;; *) eval "lh $args" ;; esac
  codes+="$RC "
  texts+="$(printf '%s\n' "$ERR" | sed 's/.*no table/no table/')"$'\n'
done
check "every verb: exit 2 for a missing table ($codes)" [ "$(echo $codes | tr ' ' '\n' | sort -u)" = 2 ]
check "every verb: the same text" [ "$(printf '%s' "$texts" | sort -u | grep -c .)" = 1 ]

# -V is --version
lh -V
check "-V prints the version like --version" eval '[ $RC -eq 0 ] && contains "$OUT" "lakehouse " && contains "$OUT" "duckdb"'

verbs=$("$LAKEHOUSE_BIN" --help | awk '/^verbs:/{on=1; next} on && /^  [a-z]/{print $1} /^$/{if(on) exit}')
check "the verb list names each verb once ($(echo $verbs | wc -w) verbs)" \
  eval '[ -n "$verbs" ] && [ -z "$(printf "%s\n" $verbs | sort | uniq -d)" ]'

# Every verb's --help ends with 1-3 examples (storage: one per action, up to 7), each a
# 'lakehouse ...' line (e2e.test_help_examples runs them); help VERB prints the same text.
bad_help=""
for verb in $verbs; do
  lh "$verb" --help
  tail=$(printf '%s\n' "$OUT" | awk '/^examples:/{on=1; next} on')
  count=$(printf '%s\n' "$tail" | grep -c '^  lakehouse ')
  others=$(printf '%s\n' "$tail" | grep -vc '^  lakehouse ')
  max=3; [ "$verb" != storage ] || max=7
  { [ "$RC" = 0 ] && [ "$count" -ge 1 ] && [ "$count" -le "$max" ] && [ "$others" = 0 ] &&
    [ "$("$LAKEHOUSE_BIN" help "$verb")" = "$OUT" ]; } || bad_help+=" $verb"
done
check "every verb's --help ends with 1-3 examples, the same as help VERB (bad:${bad_help:- none})" [ -z "$bad_help" ]
lh help nosuch
check "help with an unknown verb: exit 2, did you mean" eval '[ $RC -eq 2 ] && contains "$ERR" "unknown verb"'

# s3:// URIs wherever a key goes: the key of a data file under lake/, addressed both ways.
lh storage ls --csv lake/
KEY=$(printf '%s\n' "$OUT" | awk -F, 'NR > 1 && /\.parquet/ {print $1; exit}')
check "a data file to address ($KEY)" [ -n "$KEY" ]
lh storage stat "$KEY"; by_key=$OUT
lh storage stat "s3://lakehouse/$KEY"
check "storage stat s3://lakehouse/KEY = storage stat KEY" eval '[ $RC -eq 0 ] && [ "$OUT" = "$by_key" ]'
lh storage ls "s3://lakehouse/${KEY%/*}/"
check "storage ls s3://lakehouse/PREFIX/ lists the object" eval '[ $RC -eq 0 ] && contains "$OUT" "$KEY" && ! contains "$OUT" "(0 objects"'
lh storage get "s3://lakehouse/$KEY" -o "$F/got.parquet"
check "storage get s3://lakehouse/KEY -o FILE gets the bytes" eval '[ $RC -eq 0 ] && [ "$(stat -c %s "$F/got.parquet")" -gt 0 ] && [ "$(head -c 4 "$F/got.parquet")" = PAR1 ]'
size=$(printf '%s\n' "$by_key" | awk '/^size/ {print $2}')
lh fetch --sql "SELECT 's3://lakehouse/$KEY' AS image_uri" --dry-run
check "fetch --dry-run shows the bytes of images too ($size)" eval '[ $RC -eq 0 ] && contains "$OUT" "would fetch 1 images, $size bytes"'
lh fetch --sql "SELECT 's3://lakehouse/$KEY' AS image_uri" --out "$F/imgs" --frames png
check "fetch --frames png for images is refused" eval '[ $RC -eq 2 ] && contains "$ERR" "--frames decodes video fragments"'
if command -v script >/dev/null; then
  script -qfec "$LAKEHOUSE_BIN storage get s3://lakehouse/$KEY" /dev/null >"$F/tty.out" 2>&1
  RC=$?; ERR=$(tr -d '\r' <"$F/tty.out")
  check "storage get of binary bytes to a terminal is refused (exit 2, -o - named)" eval '[ $RC -eq 2 ] && contains "$ERR" "-o -"'
  script -qfec "$LAKEHOUSE_BIN storage get s3://lakehouse/$KEY -o -" /dev/null >"$F/tty.out" 2>&1
  check "storage get -o - prints binary bytes to a terminal anyway" eval '[ $? -eq 0 ] && grep -q PAR1 "$F/tty.out"'
fi

# land --mode replace | upsert: an edited CSV landed twice leaves one row per key.
printf 'id,label\n1,cat\n2,dog\n3,bird\n' >"$F/labels.csv"
printf 'id,label\n2,wolf\n3,bird\n4,fish\n' >"$F/labels-edited.csv"
for mode in replace upsert; do
  key=; [ $mode = upsert ] && key="--key id"
  lh land raw.labels_$mode "$F/labels.csv" --mode $mode $key
  lh land raw.labels_$mode "$F/labels-edited.csv" --mode $mode $key
  lh land raw.labels_$mode "$F/labels-edited.csv" --mode $mode $key
  check "land --mode $mode twice succeeds and says so" eval '[ $RC -eq 0 ] && contains "$OUT" "($mode)"'
  lh sql --csv "SELECT count(*) = count(DISTINCT id), string_agg(id || '=' || label, ' ' ORDER BY id) FROM raw.labels_$mode"
  want="1=cat 2=wolf 3=bird 4=fish"; [ $mode = replace ] && want="2=wolf 3=bird 4=fish"
  check "land --mode $mode: one row per key, the edited values ($want)" eval 'contains "$OUT" "true,$want"'
done
lh land raw.labels_append "$F/labels.csv"
lh land raw.labels_append "$F/labels.csv"
lh sql --csv "SELECT count(*) FROM raw.labels_append"
check "land without --mode still appends (6 rows)" eval '[ "$(printf "%s\n" "$OUT" | tail -n1)" = 6 ]'
lh land raw.typed "$F/bad-type.csv" --types n=VARCHAR
check "land --types n=VARCHAR lands the CSV the sniffer got wrong" eval '[ $RC -eq 0 ] && contains "$OUT" "landed 25001 rows"'

# sql reports a write and records author + default message.
lh sql "UPDATE raw.labels_upsert SET label = 'x' WHERE id >= 2"
check "sql reports what a write did" eval '[ $RC -eq 0 ] && contains "$OUT" "updated 3 rows: snapshot"'
lh sql --csv "SELECT author, commit_message FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1"
check "sql without -m records the author and 'sql: UPDATE ...'" eval 'contains "$OUT" "e2e,sql: UPDATE raw.labels_upsert SET label = '"'"'x'"'"' WHERE id >= 2"'
LONG="UPDATE raw.labels_upsert SET label = 'a very long label that goes on and on and on' WHERE id = 1"
lh sql "$LONG"
lh sql --csv "SELECT length(commit_message) FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1"
check "the default message is cut to 80 characters" eval '[ "$(printf "%s\n" "$OUT" | tail -n1)" = 80 ]'
before=$(snapshot_count)
lh sql "SELECT count(*) FROM raw.events"
check "a read-only sql makes no snapshot and reports no write" eval '[ "$(snapshot_count)" = "$before" ] && ! contains "$OUT" "snapshot"'

# snapshots and log: newest first, --last N, the same changes naming tables, ISO 8601 times
lh snapshots --json --last 2
snaps_json=$OUT
check "snapshots --json: newest first, ISO 8601 time, changes an object naming tables" eval \
  'printf "%s" "$snaps_json" | python3 -c "
import json, sys, re
r = json.load(sys.stdin)
assert len(r) == 2 and r[0][\"id\"] > r[1][\"id\"], r
assert re.fullmatch(r\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z\", r[0][\"time\"]), r[0]
assert isinstance(r[0][\"changes\"], dict) and any(\"raw.\" in n for v in r[0][\"changes\"].values() for n in v), r[0]
"'
lh log raw.labels_upsert --json --last 1
check "log --json --last 1 renders changes as snapshots does" eval \
  'printf "%s" "$OUT" | python3 -c "
import json, sys
r = json.load(sys.stdin)
assert len(r) == 1 and r[0][\"changes\"] and all(n.startswith(\"raw.\") for v in r[0][\"changes\"].values() for n in v), r
"'

# tables
lh tables raw --json
check "tables raw --json: rows, columns, files, bytes, last snapshot of raw.events" eval \
  '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "
import json, sys
t = {r[\"table\"]: r for r in json.load(sys.stdin)}
e = t[\"events\"]
assert e[\"schema\"] == \"raw\" and e[\"rows\"] == 100 and e[\"columns\"] == 4 and e[\"files\"] >= 1 and e[\"bytes\"] > 0 and e[\"last_snapshot\"] >= 1, e
assert t[\"labels_append\"][\"rows\"] == 6
"'
lh tables gold
check "tables of an empty schema: no rows, exit 0" eval '[ $RC -eq 0 ] && contains "$OUT" "(0 rows)"'

# completion and man page from the verb table
lh completion bash
printf '%s\n' "$OUT" >"$F/lakehouse.bash"
check "completion bash loads in bash (complete -p lakehouse)" eval \
  'bash -c "source $F/lakehouse.bash && complete -p lakehouse" | grep -q "_lakehouse lakehouse"'
check "completion bash offers the verbs and a verb's options" eval \
  'bash -c "source $F/lakehouse.bash; COMP_WORDS=(lakehouse snap); COMP_CWORD=1; _lakehouse; echo \${COMPREPLY[*]}; COMP_WORDS=(lakehouse log --la); COMP_CWORD=2; _lakehouse; echo \${COMPREPLY[*]}" | tr "\n" " " | grep -q "snapshots .*--last"'
lh completion zsh
check "completion zsh names every verb" eval '[ $RC -eq 0 ] && contains "$OUT" "#compdef lakehouse" && contains "$OUT" "'"'"'tables:"'
lh man
printf '%s\n' "$OUT" >"$F/lakehouse.1"
if command -v man >/dev/null; then
  LC_ALL=C MANPAGER=cat MANWIDTH=100 man -l "$F/lakehouse.1" >"$F/man.txt" 2>"$F/man.err"
  RC=$?
  check "man -l renders the page (verbs, options, examples, no warnings)" eval \
    '[ $RC -eq 0 ] && grep -q "LAKEHOUSE(1)" "$F/man.txt" && grep -q -- "--mode MODE" "$F/man.txt" && grep -q "lakehouse storage ls lake/gold/" "$F/man.txt" && [ ! -s "$F/man.err" ]'
else
  echo "note: man is not installed (bootstrap.sh --test-tools installs man-db); the man page was not rendered"
fi
finish
