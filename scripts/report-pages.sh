#!/usr/bin/env bash
# Prints a Markdown file (default REPORT.md) the way a reader would: pandoc to standalone HTML,
# then headless Chromium's print-to-PDF on A4 with its default margins and no header/footer
# line, and prints the page count. Needs `scripts/bootstrap.sh --test-tools` (pandoc, chromium,
# poppler-utils).
#   scripts/report-pages.sh [FILE.md] [--pdf OUT.pdf]     → "pages 3"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
src=$ROOT/REPORT.md out=
while [ $# -gt 0 ]; do
  case $1 in
    --pdf) out=$2; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) src=$1; shift ;;
  esac
done
for tool in pandoc chromium pdfinfo; do
  command -v "$tool" >/dev/null || { echo "report-pages: $tool not found; run scripts/bootstrap.sh --test-tools" >&2; exit 2; }
done
[ -f "$src" ] || { echo "report-pages: no such file: $src" >&2; exit 2; }
tmp=$(mktemp -d /tmp/lakehouse-pages-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# A4 paper; Chromium keeps its default margins (about 1 cm) when the page rule gives none.
printf '<style>@page { size: A4; }</style>\n' >"$tmp/a4.html"
pandoc --from gfm --to html5 --standalone --metadata pagetitle="$(basename "$src" .md)" \
  --include-in-header "$tmp/a4.html" -o "$tmp/report.html" "$src"
sandbox=(); [ "$(id -u)" -ne 0 ] || sandbox=(--no-sandbox)
chromium --headless "${sandbox[@]}" --disable-gpu --no-pdf-header-footer \
  --user-data-dir="$tmp/profile" --print-to-pdf="$tmp/report.pdf" "file://$tmp/report.html" \
  >"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
[ -s "$tmp/report.pdf" ] || { echo "report-pages: chromium wrote no PDF" >&2; cat "$tmp/chromium.log" >&2; exit 1; }
pages=$(pdfinfo "$tmp/report.pdf" | awk '/^Pages:/ { print $2 }')
[ -z "$out" ] || cp "$tmp/report.pdf" "$out"
echo "pages $pages"
