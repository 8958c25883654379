#!/usr/bin/env bash
# Fuzzing (a script, not CI): builds the fuzz targets with clang's libFuzzer + ASan + UBSan in
# build-fuzz/ and runs each for SECONDS (default 60), starting from tests/fuzz/corpus/<target>/.
# New inputs that add coverage are merged back into the corpus (commit the small ones);
# crashes land in build-fuzz/crashes/ and fail the script.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: dotenv visdrone uri hub_tree s3_list coco_json
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(dotenv visdrone uri hub_tree s3_list coco_json)
scripts/bootstrap.sh >/dev/null
if ! command -v clang >/dev/null; then
  echo "fuzz: installing clang (Debian)" >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq clang >/dev/null
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DLAKEHOUSE_FUZZ=ON >/dev/null
cmake --build build-fuzz --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
mkdir -p build-fuzz/crashes
failed=0
for t in "${targets[@]}"; do
  new=$(mktemp -d)
  log=build-fuzz/fuzz_$t.log
  if ! build-fuzz/tests/fuzz_$t -max_total_time="$secs" -max_len=4096 \
       -artifact_prefix=build-fuzz/crashes/"$t"- "$new" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    failed=1
    echo "fuzz $t: CRASH, see $log and build-fuzz/crashes/" >&2
  fi
  execs=$(grep -oE 'Done [0-9]+ runs' "$log" | awk '{print $2}' || true)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#' || true)
  build-fuzz/tests/fuzz_$t -merge=1 "tests/fuzz/corpus/$t" "$new" >/dev/null 2>&1 || true
  rm -rf "$new"
  printf 'fuzz %-9s %8s executions in %ss, corpus %s inputs\n' "$t" "${execs:-?}" "$secs" \
    "$(ls "tests/fuzz/corpus/$t" | wc -l)"
done
exit $failed
