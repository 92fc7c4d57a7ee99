#!/usr/bin/env bash
# Builds the LogitDumps fuzz targets (libFuzzer + AddressSanitizer) and runs each for a while.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]     targets: Safetensors Npy Npz (default: all)
#
# Executables go to .build-fuzz/, working corpora to .build-fuzz/corpus/<target> (seeded from
# Tests/LogitDumpsTests/Fixtures and Fuzz/seeds/<target>), crash/timeout inputs to fuzz-artifacts/<target>/.
# Exit status is non-zero if any target found a crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(Safetensors Npy Npz)

mkdir -p .build-fuzz fuzz-artifacts
sources=(Sources/LogitDumps/*.swift Fuzz/FuzzSupport.swift)
# LogitDumps' signal handlers (safe outputs, SIGBUS on shrunken mappings) are C.
clang -c -O1 -g -fsanitize=address,fuzzer-no-link Sources/_SafeFilesC/safe_files.c \
  -I Sources/_SafeFilesC/include -o .build-fuzz/safe_files.o
# LogitDumps imports the internal support module (package access: one -package-name for both).
swiftc -O -g -parse-as-library -sanitize=address -package-name DeltaH -module-name _NumericsSupport \
  -emit-module -emit-module-path .build-fuzz/_NumericsSupport.swiftmodule -emit-object -wmo \
  Sources/_NumericsSupport/*.swift -o .build-fuzz/_NumericsSupport.o
status=0
for target in "${targets[@]}"; do
  case "$target" in
    Safetensors) pattern='*.safetensors' ;;
    Npy) pattern='*.npy' ;;
    Npz) pattern='*.npz' ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  exe=".build-fuzz/Fuzz$target"
  echo "== building $exe"
  swiftc -O -g -parse-as-library -sanitize=fuzzer,address \
    -package-name DeltaH -module-name "Fuzz$target" -I Sources/CZlib -I Sources/_SafeFilesC/include -I .build-fuzz -lz \
    "${sources[@]}" .build-fuzz/safe_files.o .build-fuzz/_NumericsSupport.o "Fuzz/Fuzz$target.swift" -o "$exe" \
    2> >(grep -v "Cannot export local symbol" >&2)
  corpus=".build-fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz-artifacts/$target"
  find Tests/LogitDumpsTests/Fixtures -name "$pattern" -exec cp {} "$corpus/" \;
  if [ -d "Fuzz/seeds/$target" ]; then cp Fuzz/seeds/"$target"/* "$corpus/"; fi
  echo "== running $exe for ${seconds}s"
  # The Swift runtime's own backtracer is slow here and races libFuzzer's crash handler.
  if ! SWIFT_BACKTRACE=enable=no "$exe" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="fuzz-artifacts/$target/" -print_final_stats=1 2> ".build-fuzz/$target.log"; then
    echo "!! $target: fuzzer stopped with a finding; see .build-fuzz/$target.log and fuzz-artifacts/$target/" >&2
    status=1
  fi
  tail -n 12 ".build-fuzz/$target.log" | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done|ERROR|SUMMARY" || true
done
exit $status
