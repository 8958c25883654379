#!/usr/bin/env bash
# make_ca.sh DIR HOST - a private CA for the TLS scenarios, made with the openssl CLI:
# DIR/ca.pem (the CA to trust), DIR/server.pem + DIR/server.key (a certificate for HOST,
# 127.0.0.1, ::1 and localhost, signed by that CA), and DIR/other-ca.pem (an unrelated CA that
# must not verify it). The CA keys stay in DIR (the test removes it).
set -euo pipefail
dir=$1 host=$2
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" 2>/dev/null; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj "/O=lakehouse tests/CN=test private CA" -addext "basicConstraints=critical,CA:TRUE"
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key \
  -out other-ca.pem -days 2 -subj "/CN=some other CA" -addext "basicConstraints=critical,CA:TRUE"
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=$host"
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
case $host in localhost | 127.0.0.1) ;; *[!0-9.]*) san+=",DNS:$host" ;; *) san+=",IP:$host" ;; esac
printf '%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" >server.ext
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile server.ext
chmod 600 ./*.key
openssl verify -CAfile ca.pem server.pem
