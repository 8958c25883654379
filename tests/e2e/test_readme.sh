#!/usr/bin/env bash
# README.md's commands, as a newcomer types them: every command of its `console` and `sh`
# blocks (the rule: tests/tools/readme_commands.py, and README's "This page is tested") runs in
# order, in one shell, in a fresh copy of the repository whose build/lakehouse is the binary
# under test, against a real S3 server on a free loopback port. Each must exit 0, or fail with
# the error the README shows; the commands README marks illustrative are listed as skipped,
# with its reason.
#   LAKEHOUSE_README=FILE  checks another Markdown file (how this test was seen to fail).
# rebuild.sh skips its set-up step (bootstrap + build) because LAKEHOUSE_BIN names the built
# binary, as in e2e.test_rebuild; its offline Hub emulator and the publish to it are real.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
README=${LAKEHOUSE_README:-$ROOT/README.md}
export LAKEHOUSE_BIN
t0=$(date +%s)

# A copy of the checkout, without what a fresh clone lacks (build, lake state, staging, .env);
# .deps (installed tools) is shared by a link, build/lakehouse is the binary under test.
REPO=$WORK/repo
mkdir -p "$REPO/build"
tar -C "$ROOT" --exclude=./.git --exclude=./.deps --exclude='./build*' --exclude=./local-store \
  --exclude=./lakehouse-data --exclude='./*.ducklake*' --exclude=./.env -cf - . | tar -C "$REPO" -xf -
ln -s "$ROOT/.deps" "$REPO/.deps"
ln -s "$LAKEHOUSE_BIN" "$REPO/build/lakehouse"
# The default catalog is ./metadata.ducklake in the folder the commands run in.
LAKEHOUSE_CATALOG=$REPO/metadata.ducklake # for check_secrets' owner-only check, not exported
# rebuild.sh starts the embedded server itself; another server (the compat matrix) is
# started here and rebuild.sh finds it answering.
[ "$S3_SERVER" = embedded ] || { start_storage; [ "$RC" -eq 0 ] || { echo "$ERR"; exit 1; }; }

CMDS=$WORK/readme-commands
python3 "$E2E_DIR/../tools/readme_commands.py" "$README" "$CMDS"
RC=$?
check "commands extracted from $README" eval '[ $RC -eq 0 ] && [ -s "$CMDS/manifest.tsv" ]'
(cd "$REPO" && bash --norc "$CMDS/run.sh")

fails_as_shown() { # fails_as_shown ID PIECES...: a non-zero exit, stderr holding every piece
  local id=$1 p; shift
  [ "$RC" != 0 ] && [ "$RC" != "not run" ] || return 1
  for p in "$@"; do grep -qF -- "$p" "$CMDS/$id.err" || return 1; done
}
show_output() { # the first lines of a command's output, for the log (README_TEST_LINES, 12)
  sed 's/^/       | /' "$CMDS/$1.out" | head -"${README_TEST_LINES:-12}"
  sed 's/^/       ! /' "$CMDS/$1.err" | head -"${README_TEST_LINES:-12}"
}
ran=0 skipped=0
while IFS=$'\t' read -r id line expect cmd detail; do
  name="README.md:$line \$ ${cmd:0:110}"
  case $expect in
    skip)
      skipped=$((skipped + 1))
      printf 'skip %s\n     (%s)\n' "$name" "$detail"
      continue ;;
  esac
  ran=$((ran + 1))
  RC=$(cat "$CMDS/$id.rc" 2>/dev/null || echo "not run")
  OUT=$(head -c 2000 "$CMDS/$id.out" 2>/dev/null) ERR=$(head -c 2000 "$CMDS/$id.err" 2>/dev/null)
  if [ "$expect" = ok ]; then
    check "$name" [ "$RC" = 0 ]
  else
    IFS=$'\x1f' read -r -a pieces <<<"$detail"
    check "$name (fails as shown: ${detail//$'\x1f'/…})" fails_as_shown "$id" "${pieces[@]}"
  fi
  [ -n "${README_TEST_QUIET:-}" ] || show_output "$id"
done <"$CMDS/manifest.tsv"
check "at least one command ran ($ran ran, $skipped skipped as illustrative, $(($(date +%s) - t0)) s)" [ "$ran" -gt 0 ]
finish
