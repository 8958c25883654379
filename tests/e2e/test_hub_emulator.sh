#!/usr/bin/env bash
# The Hub emulator answers as the Hub does: checked with the official huggingface_hub client
# (tests/tools/check_emulator.py, the oracle). Its verdict counts only when every one of its
# checks ran: one per fixture file plus nine fixed ones, so an oracle that stopped early or
# found no files cannot pass for a good emulator.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 6 --train 3 --crowds 1 >/dev/null
cp -r "$FIXTURES/hub/fixtures/coco-detection" "$FIXTURES/hub/fixtures/gated-coco"
start_hub "$FIXTURES/hub" --gated fixtures/gated-coco
files=$(find "$FIXTURES/hub/fixtures/coco-detection" -type f | wc -l)
OUT=$("$PY" "$E2E_DIR/../tools/check_emulator.py" "$HUB" "$FIXTURES/hub" fixtures/coco-detection \
  fixtures/gated-coco "$HUB_TOKEN" "$HUB_AUTH_LOG" 2>&1)
RC=$? ERR=
printf '%s\n' "$OUT" >>"$FIXTURES/all-output.log"
printf '%s\n' "$OUT" | grep -E '^(ok|FAIL) ' | sed 's/^/     oracle: /'
check "the official client's checks pass (exit 0, no FAIL)" eval '[ $RC -eq 0 ] && ! contains "$OUT" "FAIL"'
check "the oracle ran all $((files + 9)) checks ($files fixture files, each downloaded)" \
  eval '[ "$files" -ge 3 ] && contains "$OUT" "$((files + 9)) passed, 0 failed"'
check "the client went through the emulator's tree and resolve endpoints" \
  eval 'grep -q "^200 GET /api/datasets/fixtures/coco-detection/tree/" "$HUB_REQUEST_LOG" &&
        grep -q "/datasets/fixtures/coco-detection/resolve/" "$HUB_REQUEST_LOG"'
check "the emulator refused the gated repo without the token (401) and served it with it (200)" \
  eval 'grep -q "^401 [A-Z]* /datasets/fixtures/gated-coco/resolve/" "$HUB_REQUEST_LOG" &&
        grep -q "^200 GET /datasets/fixtures/gated-coco/resolve/" "$HUB_REQUEST_LOG"'
finish
