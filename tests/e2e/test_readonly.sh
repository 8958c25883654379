#!/usr/bin/env bash
# Read-only keys (versitygw, or RustFS in the compat.rustfs entry): `storage user add NAME
# --read-only` makes keys that can GET and cannot PUT (checked with curl); with them every
# reading verb works, and every writing verb exits 5 "access denied: s3://BUCKET/KEY (these
# keys can read but not write)" before it changes anything: snapshot count, bucket listing and
# catalog bytes are the same after it (one table row per verb). The new secret is shown once
# (user add's output) and appears in no other output or file of the run (the store's own IAM
# data excepted); user ls never shows it; user rm revokes the keys.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
if [ "$S3_SERVER" = embedded ] || [ "$S3_SERVER" = rustfs ]; then :; else
  echo "SKIP: scoped keys are made on versitygw and RustFS"; exit 77
fi
start_hub "$FIXTURES/hub"
start_storage
lh init
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
lh transform all
lh tag v1
lh sql "CREATE TABLE raw.big AS SELECT range AS i FROM range(5000)" -m "big" # Parquet, not inlined
make_parquet "$FIXTURES/landed.parquet" 50
lh land raw.landed "$FIXTURES/landed.parquet"
check "fixtures: COCO landed, silver and gold built, tagged, a table landed" [ "$RC" -eq 0 ]
ADMIN_KEY=$AWS_ACCESS_KEY_ID ADMIN_SECRET=$AWS_SECRET_ACCESS_KEY

# ---- scoped keys --------------------------------------------------------------------------------------
lh storage user add reader --read-only --json
RO_KEY=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_key_id"])' 2>/dev/null)
RO_SECRET=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["secret_access_key"])' 2>/dev/null)
USER_ADD_OUT=$OUT
check "storage user add reader --read-only --json: access_key_id and secret_access_key, printed once" \
  eval '[ $RC -eq 0 ] && [ "$RO_KEY" = reader ] && [ "${#RO_SECRET}" -ge 32 ] && ! contains "$OUT" "$ADMIN_SECRET"'
lh storage user add writer --read-write --prefix lake/
check "storage user add writer --read-write --prefix lake/ (text output)" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "AWS_ACCESS_KEY_ID=writer" && contains "$OUT" "AWS_SECRET_ACCESS_KEY="'
RW_SECRET=$(printf '%s\n' "$OUT" | sed -n 's/^AWS_SECRET_ACCESS_KEY=//p')
lh storage user add reader --read-only
check "adding an existing user: a usage error, its keys unchanged" eval '[ $RC -eq 2 ] && contains "$ERR" "exists"'
lh storage user ls
check "storage user ls: both users with their rights, no secret" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "reader" && contains "$OUT" "read-only" && contains "$OUT" "read-write" && contains "$OUT" "lake/" && ! contains "$OUT" "$RO_SECRET" && ! contains "$OUT" "$RW_SECRET"'
lh storage user ls --json
check "storage user ls --json: names, access, prefix; no secret" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "\"access\": \"read-only\"" && ! contains "$OUT" "$RO_SECRET"'

# curl with the new keys (user:secret from a config on stdin: on no command line)
s3curl() { # KEY SECRET METHOD PATH -> HTTP status
  printf 'user = "%s:%s"\n' "$1" "$2" |
    curl -s -o /dev/null -w '%{http_code}' -K - --aws-sigv4 "aws:amz:us-east-1:s3" -X "$3" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
      ${4:+--data-binary ""} "$AWS_ENDPOINT_URL/lakehouse/$5"
}
some_key=$(object_keys s3://lakehouse/lake/ | head -n1)
check "curl with the read-only keys: GET an object 200" [ "$(s3curl reader "$RO_SECRET" GET "" "$some_key")" = 200 ]
check "curl with the read-only keys: PUT 403" [ "$(s3curl reader "$RO_SECRET" PUT 1 "lake/curl-probe")" = 403 ]
check "curl with the read-only keys: DELETE 403, the object stays" \
  eval '[ "$(s3curl reader "$RO_SECRET" DELETE "" "$some_key")" = 403 ] && [ -n "$(object_size "s3://lakehouse/$some_key")" ]'
check "curl with the read-write keys limited to lake/: PUT under lake/ 200, elsewhere 403" \
  eval '[ "$(s3curl writer "$RW_SECRET" PUT 1 "lake/curl-rw")" = 200 ] && [ "$(s3curl writer "$RW_SECRET" PUT 1 "assets/curl-rw")" = 403 ] && [ "$(s3curl writer "$RW_SECRET" DELETE "" "lake/curl-rw")" = 204 ]'

# ---- every verb with the read-only keys -----------------------------------------------------------------
state() { # snapshot count, bucket listing and catalog bytes, read with the admin keys
  printf '%s\n' "$(snapshot_count)"
  "$LAKEHOUSE_BIN" storage ls --csv | tail -n +2 | cut -d, -f1,2
  sha256sum metadata.ducklake | cut -d' ' -f1
}
as_reader() { AWS_ACCESS_KEY_ID=$RO_KEY AWS_SECRET_ACCESS_KEY=$RO_SECRET lh "$@"; }
first=$("$LAKEHOUSE_BIN" sql --csv "SELECT min(snapshot_id) FROM lake.snapshots()" | tail -n1)
last=$("$LAKEHOUSE_BIN" sql --csv "SELECT max(snapshot_id) FROM lake.snapshots()" | tail -n1)
before=$(state)

readers=(
  "query crowded-scenes --csv"
  "sql --csv 'SELECT sum(i) FROM raw.big'"
  "show gold.coco_train --limit 3"
  "log"
  "diff --all $first $last"
  "snapshots --json"
  "tables"
  "trace raw.big"
  "tag --list"
  "storage ls lake/"
  "fetch --sql 'SELECT image_uri FROM gold.coco_train LIMIT 2' --out $WORK/fetched"
  "export --table gold.coco_train --format webdataset --out $WORK/exported --shard-samples 4"
  "view --out $WORK/site --limit 4"
)
for cmd in "${readers[@]}"; do
  eval "as_reader $cmd"
  check "read-only keys: $cmd works" [ "$RC" -eq 0 ]
done
check "the readers changed nothing (snapshots, objects, catalog bytes)" eval '[ "$(state)" = "$before" ]'

writers=(
  "ingest coco --from hf://datasets/fixtures/coco-detection --split train"
  "land raw.landed2 $FIXTURES/landed.parquet"
  "sql 'INSERT INTO raw.big VALUES (1)'"
  "sql -m 'new table' 'CREATE TABLE raw.x AS SELECT 1 AS i'"
  "transform all"
  "rollback raw.big --to v1"
  "tag v2"
  "compact"
  "gc --yes --min-age 0"
  "expire --keep 1 --yes"
  "reset --yes"
)
denied() { [ "$RC" -eq 5 ] && contains "$ERR" "access denied: s3://lakehouse/" && contains "$ERR" "these keys can read but not write"; }
for cmd in "${writers[@]}"; do
  eval "as_reader $cmd"
  rc=$RC err=$ERR
  after=$(state)
  RC=$rc ERR=$err
  check "read-only keys: $cmd exits 5 'access denied: s3://lakehouse/... (these keys can read but not write)', nothing changed" \
    eval 'denied && [ "$after" = "$before" ]'
done

# ---- the new secret shows once; rm revokes ---------------------------------------------------------------
# files of the run holding it: none but the store's own IAM data (users.json, RustFS's .rustfs.sys)
leaks=$(grep -rlaF -- "$RO_SECRET" "$WORK" "$FIXTURES" 2>/dev/null | grep -v -e "/lakehouse-data/iam/" -e "/.rustfs.sys/" -e "all-output.log$" || true)
others=$(grep -cF -- "$RO_SECRET" "$FIXTURES/all-output.log")
check "the read-only secret appears in user add's output only (once), in no file of the run outside the store's IAM" \
  eval '[ -z "$leaks" ] && [ "$others" = 1 ]'
[ -z "$leaks" ] || echo "     leaked into: $leaks"
# argv of every process (the server's included), read by a program that has the secret in its
# environment only, not in its own argv
argv_leaks=$(S1=$ADMIN_SECRET S2=$RO_SECRET S3=$RW_SECRET "$PY" -c '
import glob, os
secrets = [os.environ[k].encode() for k in ("S1", "S2", "S3") if os.environ.get(k)]
for f in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        argv = open(f, "rb").read()
    except OSError:
        continue
    if any(s in argv for s in secrets):
        print(f)
')
check "no process has the admin secret or a new secret on its command line (the server included)" [ -z "$argv_leaks" ]
lh storage user rm reader
check "storage user rm reader" eval '[ $RC -eq 0 ]'
as_reader tables
check "the removed keys no longer read (exit 3, refused)" eval '[ $RC -eq 3 ]'
lh storage user ls
check "user ls no longer lists it" eval '[ $RC -eq 0 ] && ! contains "$OUT" "reader "'
finish
