#!/usr/bin/env bash
# DeltaH — entropy change of softmax policies.
#
# Builds logit-kernel-benchmark in release, runs it on the seeded 256 × 151,936 matrices (which it
# also writes to $OUT as .npy), runs the numpy float64 reference on the same data, and prints
# the Swift/numpy speed ratios. Usage: benchmarks/kernels.sh [REPEATS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS="${1:-5}"
OUT="${OUT:-/tmp/deltah-kernel-bench}"
mkdir -p "$OUT"

swift build -c release --product logit-kernel-benchmark >/dev/null
BIN="$(swift build -c release --show-bin-path)/logit-kernel-benchmark"

echo "== Swift (LogitKernels)"
"$BIN" --repeats "$REPEATS" --output "$OUT" | tee "$OUT/swift.txt" | grep -v '^RESULT'
echo
echo "== numpy"
python3 benchmarks/numpy_row_reference.py "$OUT" 1 | tee "$OUT/numpy.txt" | grep -v '^RESULT'
echo
echo "== ratios (Swift Gelem/s ÷ numpy Gelem/s, numpy single-threaded per-row float64)"
awk '
  /^RESULT/ { rate[$2] = $3 }
  END {
    split("row_f32 row_bf16 change_f32 change_bf16", kinds, " ")
    for (i = 1; i <= 4; i++) {
      k = kinds[i]
      printf "%-12s 1 thread %6.1fx   2 threads %6.1fx\n", k, rate[k "_t1"] / rate["numpy_" k], rate[k "_t2"] / rate["numpy_" k]
    }
  }' "$OUT/swift.txt" "$OUT/numpy.txt"
