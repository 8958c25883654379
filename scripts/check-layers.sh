#!/usr/bin/env bash
# Checks that src/ keeps its planes: a file may include headers of its own plane and of the
# planes below it, never of a plane above (the order is the architecture, docs/code.md "How the code
# is laid out"). Exit 1 and one line per offending #include.
set -euo pipefail
cd "$(dirname "$0")/../src"
planes=(core store lake media hub ingest view cmd) # lowest first; main.c sits above them all
rank() {
	local i
	for i in "${!planes[@]}"; do [[ ${planes[$i]} == "$1" ]] && { echo "$i"; return; }; done
	echo -1
}
bad=0
while IFS= read -r file; do
	plane=${file%%/*}
	[[ $file == main.c ]] && continue
	own=$(rank "$plane")
	if ((own < 0)); then
		echo "$file: not in a known plane (${planes[*]})"; bad=1; continue
	fi
	while IFS= read -r inc; do
		target=${inc%%/*}
		[[ $inc == */* ]] || { echo "$file: #include \"$inc\" without its plane folder"; bad=1; continue; }
		other=$(rank "$target")
		if ((other < 0)); then
			echo "$file: #include \"$inc\": unknown plane"; bad=1
		elif ((other > own)); then
			echo "$file: #include \"$inc\": $plane may not include $target (a higher plane)"; bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find . -name '*.[ch]' | sed 's|^\./||' | sort)
# No two modules that use each other: a.c including b.h while b.c includes a.h is a loop
# (each half would have to know the other; one of them belongs lower, or a caller decides).
declare -A uses
while IFS= read -r file; do
	for inc in $(sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$file"); do
		[[ $inc == "${file%.c}" ]] || uses["${file%.c}>$inc"]=1
	done
done < <(find . -name '*.c' | sed 's|^\./||' | sort)
for pair in "${!uses[@]}"; do
	a=${pair%%>*} b=${pair#*>}
	if [[ $a < $b && -n ${uses["$b>$a"]:-} ]]; then
		echo "$a.c and $b.c include each other's header: a loop between two modules"; bad=1
	fi
done
if ((bad)); then
	echo "check-layers: src/ breaks its plane order (${planes[*]}, lowest first)" >&2
	exit 1
fi
echo "check-layers: $(find . -name '*.[ch]' | wc -l) files, every #include keeps the plane order, no two modules include each other"
