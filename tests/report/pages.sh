#!/usr/bin/env bash
# ctest report.pages: REPORT.md (or $1) printed to A4 by scripts/report-pages.sh is 2 or 3 pages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$("$here/../../scripts/report-pages.sh" "$@")
echo "$out"
python3 "$here/check_report.py" pages "$(awk '/^pages / { print $2 }' <<<"$out")"
