#!/usr/bin/env bash
# Every example in every verb's --help runs, as written, against the demo lake: the lake
# `./rebuild.sh --yes --offline` builds, in a fresh copy of the repository (as e2e.test_readme
# makes it), with the commands run from its root and `lakehouse` on PATH as README's tour has it.
# The verbs come from `lakehouse help`, their examples from `lakehouse VERB --help` (the lines
# under "examples:"); a verb without examples fails the test. The examples run verb by verb in
# the order `lakehouse help` lists them, each one's examples in their order, except the verbs
# in LAST (they empty the lake), which run at the end. Each must exit 0.
# What the examples name and a user brings is made here, nothing else is substituted: labels.csv
# (land), a COCO release folder local-store/coco2017 and a folder of images local-store/pets (ingest), a Hub (the local emulator, with
# HF_ENDPOINT and HF_TOKEN exported as a user would, for publish).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
PY=$ROOT/.deps/venv/bin/python
LAST="reset"
export LAKEHOUSE_BIN
unset LAKEHOUSE_LOCAL_STORE LAKEHOUSE_SQL_DIR HF_TOKEN
t0=$(date +%s)

# A copy of the checkout, without what a fresh clone lacks; build/lakehouse is the binary under test.
REPO=$WORK/repo
mkdir -p "$REPO/build"
tar -C "$ROOT" --exclude=./.git --exclude=./.deps --exclude='./build*' --exclude=./local-store \
  --exclude=./lakehouse-data --exclude='./*.ducklake*' --exclude=./.env -cf - . | tar -C "$REPO" -xf -
ln -s "$ROOT/.deps" "$REPO/.deps"
ln -s "$LAKEHOUSE_BIN" "$REPO/build/lakehouse"
export PATH="$REPO/build:$PATH"
LAKEHOUSE_CATALOG=$REPO/metadata.ducklake # for check_secrets' owner-only check, not exported
[ "$S3_SERVER" = embedded ] || { start_storage; [ "$RC" -eq 0 ] || { echo "$ERR"; exit 1; }; }

(cd "$REPO" && ./rebuild.sh --yes --offline) >"$WORK/rebuild.out" 2>"$WORK/rebuild.err"
RC=$? OUT=$(tail -5 "$WORK/rebuild.out") ERR=$(tail -20 "$WORK/rebuild.err")
check "the demo lake: ./rebuild.sh --yes --offline" [ "$RC" = 0 ]
[ "$RC" = 0 ] || { finish; exit 1; }

# The snapshot ids the examples name (diff, show, rollback, tag, export, trace): 6 the gold
# transform, 7 and 8 the version demo's good table and its bad transform. Were they to move, the
# examples would still run but show something else.
ids=$(cd "$REPO" && lakehouse sql --csv "SELECT snapshot_id || ' ' || split_part(commit_message, ':', 1) FROM lake.snapshots() WHERE snapshot_id BETWEEN 6 AND 8 ORDER BY 1" | tail -n +2 | tr '\n' ',')
check "the demo lake's snapshots 6, 7, 8 are the gold transform and the version demo ($ids)" \
  [ "$ids" = "6 transform gold,7 demo,8 demo," ]
check "snapshot 8 is the version demo's bad transform" \
  eval '(cd "$REPO" && lakehouse sql --csv "SELECT commit_message FROM lake.snapshots() WHERE snapshot_id = 8") | grep -q "bad price transform"'

# What the examples name that a user would bring.
printf 'id,label\n1,car\n2,cars\n3,person\n' >"$REPO/labels.csv"
"$PY" "$ROOT/tests/tools/make_fixtures.py" --coco-official "$REPO/local-store/coco2017" >/dev/null
"$PY" "$ROOT/tests/tools/make_fixtures.py" --imagefolder "$REPO/local-store/imagefolder" >/dev/null
mv "$REPO/local-store/imagefolder/labeled" "$REPO/local-store/pets"
mkdir -p "$FIXTURES/hub"
start_hub "$FIXTURES/hub"
export HF_TOKEN=$HUB_TOKEN

verbs=$(lakehouse help | awk '/^verbs:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
check "lakehouse help lists the verbs ($(echo $verbs | wc -w))" [ "$(echo $verbs | wc -w)" -ge 20 ]

# examples VERB: its --help's example lines, one per line, without the indent.
examples() {
  lakehouse "$1" --help | awk '/^examples:/{on=1; next} on && /^$/{exit} on {sub(/^  /, ""); print}'
}
ordered=""
for v in $verbs; do case " $LAST " in *" $v "*) ;; *) ordered+=" $v" ;; esac; done
ran=0 n=0
for v in $ordered $LAST; do
  ex=$(examples "$v")
  count=$(printf '%s' "$ex" | grep -c .)
  bad=$(printf '%s\n' "$ex" | grep -v '^lakehouse ' | grep .)
  check "$v: --help has examples ($count), each a 'lakehouse ...' line" \
    eval '[ "$count" -ge 1 ] && [ -z "$bad" ]'
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    n=$((n + 1))
    (cd "$REPO" && bash --norc -c "$line") </dev/null >"$WORK/ex$n.out" 2>"$WORK/ex$n.err"
    RC=$? OUT=$(head -c 1500 "$WORK/ex$n.out") ERR=$(head -c 1500 "$WORK/ex$n.err")
    cat "$WORK/ex$n.out" "$WORK/ex$n.err" >>"$FIXTURES/all-output.log"
    check "$v: \$ ${line:0:150}" [ "$RC" = 0 ]
    ran=$((ran + 1))
  done <<<"$ex"
done
check "every example ran ($ran examples of $(echo $verbs | wc -w) verbs, $(($(date +%s) - t0)) s)" [ "$ran" -gt 0 ]
finish
