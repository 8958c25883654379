#!/usr/bin/env bash
# TLS to the store with a private CA made here: the server (versitygw, or RustFS in the
# compat.rustfs entry) serves https with a certificate this CA signed; with AWS_CA_BUNDLE
# naming the CA the whole flow runs (init, ingest, transform, query, fetch, export, view), our
# libcurl client and DuckDB's httpfs alike; without it, or with the wrong CA, every verb stops
# with exit 3 "certificate not trusted ... set AWS_CA_BUNDLE", whichever client met the
# certificate, and nothing ever falls back to no verification. Then `storage start --tls`
# with the certificate it makes.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 8 --train 4 --crowds 1 >/dev/null
start_hub "$FIXTURES/hub"

# ---- a private CA and a server certificate for 127.0.0.1 --------------------------------------
PKI=$FIXTURES/pki
bash "$E2E_DIR/../tools/make_ca.sh" "$PKI" 127.0.0.1 >/dev/null ||
  { echo "cannot make the test CA" >&2; exit 1; }
SYSTEM_CAS=/etc/ssl/certs/ca-certificates.crt
unset AWS_CA_BUNDLE
export SSL_CERT_FILE=$SYSTEM_CAS # the system's CAs: they do not know the private CA
port=${AWS_ENDPOINT_URL##*:}
export AWS_ENDPOINT_URL=https://127.0.0.1:$port
server_args=()
[ "$S3_SERVER" = rustfs ] && { export LAKEHOUSE_RUSTFS_BIN=$LAKEHOUSE_TEST_RUSTFS; server_args=(--server rustfs); }
case $S3_SERVER in embedded | rustfs) ;; *) echo "SKIP: TLS scenario runs on versitygw and RustFS"; exit 77 ;; esac
lh storage start "${server_args[@]}" --tls --cert "$PKI/server.pem" --key "$PKI/server.key"
check "storage start --tls --cert --key, its CA not trusted: exit 3 'certificate not trusted', nothing left running" \
  eval '[ $RC -eq 3 ] && contains "$ERR" "certificate not trusted" && ! "$LAKEHOUSE_BIN" storage status >/dev/null 2>&1 && contains "$("$LAKEHOUSE_BIN" storage status 2>&1)" "not running"'
AWS_CA_BUNDLE=$PKI/ca.pem lh storage start "${server_args[@]}" --tls --cert "$PKI/server.pem" --key "$PKI/server.key"
check "storage start --tls --cert --key ($S3_SERVER) serves https with the given certificate" \
  eval '[ $RC -eq 0 ] && contains "$OUT" "https://127.0.0.1:$port" && contains "$OUT" "AWS_CA_BUNDLE"'
check "curl trusts it with the test CA only" \
  eval '[ "$(curl -s -o /dev/null -w "%{http_code}" --cacert "$PKI/ca.pem" "$AWS_ENDPOINT_URL/")" != 000 ] && ! curl -s -o /dev/null --cacert "$SYSTEM_CAS" "$AWS_ENDPOINT_URL/"'

# ---- without the CA: exit 3, naming the certificate and the setting -------------------------------
untrusted() { [ "$RC" -eq 3 ] && contains "$ERR" "certificate not trusted" && contains "$ERR" "set AWS_CA_BUNDLE" && contains "$ERR" "$AWS_ENDPOINT_URL"; }
lh init
check "init without AWS_CA_BUNDLE: exit 3 'certificate not trusted ... set AWS_CA_BUNDLE'" untrusted
check "... and it created nothing (no catalog)" [ ! -e metadata.ducklake ]
AWS_CA_BUNDLE=$PKI/other-ca.pem lh init
check "init with another CA in AWS_CA_BUNDLE: exit 3, naming that file" eval 'untrusted && contains "$ERR" "other-ca.pem"'
AWS_CA_BUNDLE=$FIXTURES/missing.pem lh init
check "a CA file that does not exist: a usage error naming it" eval '[ $RC -eq 2 ] && contains "$ERR" "missing.pem"'

# ---- with the CA: the whole flow --------------------------------------------------------------------
export AWS_CA_BUNDLE=$PKI/ca.pem
lh init
check "init over https with AWS_CA_BUNDLE" eval '[ $RC -eq 0 ] && contains "$OUT" "lake ready"'
lh ingest coco --from hf://datasets/fixtures/coco-detection --split val
check "ingest over https (media objects by our client, Parquet by DuckDB's)" [ "$RC" -eq 0 ]
lh transform all
check "transform over https" [ "$RC" -eq 0 ]
lh query crowded-scenes --csv
check "query over https" eval '[ $RC -eq 0 ] && [ "$(printf "%s\n" "$OUT" | wc -l)" -ge 2 ]'
lh fetch --sql "SELECT image_uri FROM gold.coco_train LIMIT 3" --out "$WORK/fetched"
check "fetch over https: 3 images" eval '[ $RC -eq 0 ] && [ "$(ls "$WORK/fetched" | wc -l)" -eq 3 ]'
lh export --table gold.coco_train --format webdataset --out "$WORK/exp" --shard-samples 4
check "export over https" eval '[ $RC -eq 0 ] && ls "$WORK"/exp/*.tar >/dev/null'
lh view --out "$WORK/site" --limit 4
check "view over https" eval '[ $RC -eq 0 ] && [ -s "$WORK/site/index.html" ]'
lh sql "CREATE TABLE raw.big AS SELECT range AS i FROM range(5000)" # > the inlining limit: Parquet
rows=$("$LAKEHOUSE_BIN" sql --csv "SELECT sum(i) FROM raw.big" | tail -n1)

# ---- DuckDB's httpfs verifies too, whichever HTTP client it uses --------------------------------------
lh sql --csv "SET httpfs_client_implementation = 'httplib'; SELECT sum(i) FROM raw.big"
check "httpfs over httplib with the CA: reads the table's Parquet (sum $rows)" eval '[ $RC -eq 0 ] && contains "$OUT" "$rows"'
lh sql --csv "SET ca_cert_file = '$SYSTEM_CAS'; SELECT sum(i) FROM raw.big"
check "httpfs (curl) without the CA: exit 3 'certificate not trusted', no data" eval 'untrusted && ! contains "$OUT" "$rows"'
lh sql --csv "SET httpfs_client_implementation = 'httplib'; SET ca_cert_file = '$SYSTEM_CAS'; SELECT sum(i) FROM raw.big"
check "httpfs (httplib) without the CA: exit 3 too, never unverified" eval 'untrusted && ! contains "$OUT" "$rows"'
unset AWS_CA_BUNDLE
for verb in "tables" "query crowded-scenes" "storage ls" "storage status"; do
  # shellcheck disable=SC2086
  lh $verb
  check "$verb without AWS_CA_BUNDLE: exit 3 'certificate not trusted'" untrusted
done

# ---- storage start --tls with the certificate it makes --------------------------------------------
lh storage stop
export AWS_ENDPOINT_URL=https://127.0.0.1:$(free_port) LAKEHOUSE_DATA_DIR=$WORK/made-tls LAKEHOUSE_CATALOG=$WORK/made.ducklake
S3_SERVER_FILES+=("$LAKEHOUSE_DATA_DIR")
lh storage start "${server_args[@]}" --tls
made_ca=$(printf '%s\n' "$OUT" | sed -n 's/^ *export AWS_CA_BUNDLE=//p')
check "storage start --tls: https, and prints the CA file to trust (export AWS_CA_BUNDLE=...)" \
  eval '[ $RC -eq 0 ] && [ -s "$made_ca" ] && contains "$OUT" "https://"'
check "the made server key is owner-only; the CA's private key was not kept" \
  eval '[ "$(stat -c %a "$LAKEHOUSE_DATA_DIR/tls/server.key")" = 600 ] && ! grep -rlq "PRIVATE KEY" "$LAKEHOUSE_DATA_DIR/tls/ca.pem"'
AWS_CA_BUNDLE=$made_ca lh init
AWS_CA_BUNDLE=$made_ca lh sql "CREATE TABLE raw.t AS SELECT range AS i FROM range(1000)"
AWS_CA_BUNDLE=$made_ca lh sql --csv "SELECT sum(i) FROM raw.t"
check "round trip through the made certificate: init, write, read" eval '[ $RC -eq 0 ] && contains "$OUT" "499500"'
lh tables
check "without its CA: exit 3" untrusted
lh storage stop
lh storage start "${server_args[@]}" --tls
check "restarted: the same CA (clients keep trusting it)" eval '[ $RC -eq 0 ] && contains "$OUT" "$made_ca"'
AWS_CA_BUNDLE=$made_ca lh sql --csv "SELECT count(*) FROM raw.t"
check "... and the lake reads through it" eval '[ $RC -eq 0 ] && contains "$OUT" "1000"'
lh storage stop
check "no private key (the test CA's, the server's, the made one) in any output of the run" \
  eval '! grep -q "PRIVATE KEY" "$FIXTURES/all-output.log" && ! grep -rlq "PRIVATE KEY" "$LAKEHOUSE_DATA_DIR/s3.log" "$WORK"/*.ducklake 2>/dev/null'
finish
