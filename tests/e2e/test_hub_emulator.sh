#!/usr/bin/env bash
# The Hub emulator answers as the Hub does: checked with the official huggingface_hub client.
. "$(dirname "$0")/lib.sh"
PY=$E2E_DIR/../../.deps/venv/bin/python
"$PY" "$E2E_DIR/../tools/make_fixtures.py" --out "$FIXTURES/hub" --val 6 --train 3 --crowds 1
cp -r "$FIXTURES/hub/fixtures/coco-detection" "$FIXTURES/hub/fixtures/gated-coco"
start_hub "$FIXTURES/hub" --gated fixtures/gated-coco
"$PY" "$E2E_DIR/../tools/check_emulator.py" "$HUB" "$FIXTURES/hub" fixtures/coco-detection \
  fixtures/gated-coco "$HUB_TOKEN" "$HUB_AUTH_LOG"
