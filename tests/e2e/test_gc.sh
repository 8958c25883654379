#!/usr/bin/env bash
# expire + gc: reachability comes from the catalog. An object referenced only by an expired
# snapshot is deleted; one still referenced is kept; a dry run deletes nothing.
. "$(dirname "$0")/lib.sh"
start_storage
lh init
put() { curl -sf -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" --data-binary "$2" "$AWS_ENDPOINT_URL/lakehouse/$1"; }
exists() { "$LAKEHOUSE_BIN" storage stat "$1" >/dev/null 2>&1; }
put assets/t/image/aaa.jpg "object a"
put assets/t/image/bbb.jpg "object b"
put assets/t/image/ccc.jpg "object c, never referenced"
printf 'id,image_uri\n1,s3://lakehouse/assets/t/image/aaa.jpg\n2,s3://lakehouse/assets/t/image/bbb.jpg\n' > "$FIXTURES/t.csv"
lh land raw.t "$FIXTURES/t.csv"
lh sql -m "drop a" "DELETE FROM raw.t WHERE id = 1"

lh gc --min-age 0
check "dry run: names only the never-referenced object, deletes nothing" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "would delete assets/t/image/ccc.jpg" && ! contains "$OUT" aaa.jpg && exists assets/t/image/ccc.jpg'
lh gc --min-age 0 --yes
check "gc --yes: the unreferenced object is deleted" eval '[ $RC -eq 0 ] && ! exists assets/t/image/ccc.jpg'
check "gc keeps an object an older retained snapshot still references" exists assets/t/image/aaa.jpg
before=$(snapshot_count)
lh expire --keep 1
check "expire dry run: lists snapshots, expires nothing" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "would expire" && [ "$(snapshot_count)" = "$before" ]'
lh expire --keep 1 --yes
check "expire --keep 1 --yes leaves one snapshot" eval '[ $RC -eq 0 ] && [ "$(snapshot_count)" = 1 ]'
put assets/t/image/young.jpg "just uploaded by an ingest that has not committed yet"
lh gc --yes
check "gc spares objects younger than --min-age" eval '[ $RC -eq 0 ] && exists assets/t/image/young.jpg'
lh gc --min-age 0 --yes
check "after expiry: the object only the expired snapshot referenced is deleted" \
  eval '[ $RC -eq 0 ] && ! exists assets/t/image/aaa.jpg'
check "the object the current snapshot references is kept" exists assets/t/image/bbb.jpg
lh sql --csv "SELECT count(*) FROM raw.t"
check "the table still reads" eval '[ "$(printf "%s" "$OUT" | tail -n1)" = 1 ]'
lh expire --keep 0
check "expire --keep 0 is a usage error" test "$RC" -eq 2
lh gc --json --min-age 0
check "gc --json" eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"dry_run\"] and d[\"unreferenced\"] == 0 else 1)"'
lh expire --keep 1 --json
check "expire --json" eval '[ $RC -eq 0 ] && printf "%s" "$OUT" | python3 -c "import json,sys; json.load(sys.stdin)"'
finish
