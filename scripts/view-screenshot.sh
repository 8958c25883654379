#!/usr/bin/env bash
# Regenerates the pictures of `lakehouse view` in docs/view.md and README.md: rebuilds a lake offline in a temp
# folder (own embedded S3 server, generated fixtures), writes its site and lets headless
# Chromium take screenshots of two contact sheets, from file://:
#   docs/view-contact-sheet.png   (query crowded-scenes: COCO images with their boxes)
#   docs/view-fragments.png       (query busy-fragments: VisDrone fragment strips)
#   scripts/view-screenshot.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/bootstrap.sh" --test-tools >/dev/null
"$ROOT/scripts/build.sh" >/dev/null
W=$(mktemp -d /tmp/lakehouse-view-shot-XXXXXX)
export LAKEHOUSE_BIN=$ROOT/build/lakehouse LAKEHOUSE_DATA_DIR=$W/data LAKEHOUSE_CATALOG=$W/metadata.ducklake
export LAKEHOUSE_LOCAL_STORE=$W/local-store AWS_ACCESS_KEY_ID=screenshot AWS_SECRET_ACCESS_KEY="screenshot-$RANDOM$RANDOM"
export AWS_ENDPOINT_URL=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap '"$LAKEHOUSE_BIN" storage stop >/dev/null 2>&1; rm -rf "$W"' EXIT
"$ROOT/rebuild.sh" --yes --offline >/dev/null 2>"$W/rebuild.err" || { cat "$W/rebuild.err"; exit 1; }
echo "$ lakehouse view --out \$W/site"
"$LAKEHOUSE_BIN" view --out "$W/site" | sed "s|$W|\$W|g"
shot() { # shot PAGE PNG HEIGHT
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,"$3" \
    --screenshot="$ROOT/docs/$2" "file://$W/site/$1" 2>/dev/null
  echo "docs/$2 <- $1 ($(stat -c %s "$ROOT/docs/$2") bytes)"
}
mkdir -p "$ROOT/docs"
shot sheet-crowded-scenes.html view-contact-sheet.png 900
shot sheet-busy-fragments.html view-fragments.png 520
