#!/usr/bin/env bash
# End-to-end speed of `deltah analyze` and `deltah compare` against a numpy per-row reference on
# the same BF16 dump (default 2,048 × 151,936, Qwen's vocabulary), in the same run.
# Prints each figure in G logit elements per second, the ratio, and DeltaH's peak memory.
# Usage: benchmarks/analyze.sh [rows] [vocab]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2048}
vocab=${2:-151936}
work=${BENCH_DIR:-/tmp/deltah-bench}
mkdir -p "$work"
swift build -c release --product deltah >/dev/null
python3 -c "import numpy" 2>/dev/null || { echo "numpy is needed for the reference" >&2; exit 1; }
a="$work/bench_${rows}x${vocab}_a.safetensors"
b="$work/bench_${rows}x${vocab}_b.safetensors"
[ -f "$a" ] && [ -f "$b" ] || python3 benchmarks/make_bench_dump.py "$a" --rows "$rows" --vocab "$vocab" --pair "$b"
elements=$((rows * vocab))
# Warm the page cache once so both tools read from memory, in a reproducible state: drop the
# dumps' cached pages first, then read them back. How a file entered the page cache decides its
# folio sizes (a file just written in small pieces keeps small folios; read-ahead brings large
# ones), and with them the cost of mapping it: up to 15 % of the whole-process time here.
python3 -c "import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)" "$a" "$b"
cat "$a" "$b" > /dev/null
# Runs a command 5 times; prints "best_seconds median_seconds peak_rss_kib" (wall clock from
# perf_counter, peak RSS of each child from wait4).
run_timed() {
  python3 - "$@" <<'PY'
import os, statistics, subprocess, sys, time
times, peak = [], 0
for _ in range(5):
    t = time.perf_counter()
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    times.append(time.perf_counter() - t)
    assert status == 0, f"{sys.argv[1:]} failed"
    peak = max(peak, usage.ru_maxrss)
print(min(times), statistics.median(times), peak)
PY
}
echo "dump: $rows × $vocab BF16 ($((elements / 1000000)) M elements), $(nproc) cores"
# The floor no analysis can beat: reading the file once from the page cache, one reader per core
# (dd, 4 MiB reads), best of 3. A BF16 element is 2 bytes.
python3 - "$a" <<'PY'
import os, subprocess, sys, time
path = sys.argv[1]
size = os.path.getsize(path)
half = (size // (4 << 20) + 1) // 2
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    readers = [subprocess.Popen(["dd", f"if={path}", "of=/dev/null", "bs=4M", f"count={half}", "status=none"]),
               subprocess.Popen(["dd", f"if={path}", "of=/dev/null", "bs=4M", f"skip={half}", "status=none"])]
    for r in readers:
        r.wait()
    best = min(best, time.perf_counter() - t)
print(f"read floor: {size / best / 1e9:.2f} GB/s from the page cache with 2 readers (dd) "
      f"= {size / 2 / best / 1e9:.2f} G BF16 elements/s, before any arithmetic")
PY
for mode in analyze compare; do
  if [ "$mode" = analyze ]; then
    cmd=(.build/release/deltah analyze "$a" --json)
    key=entropy_token_mean
  else
    cmd=(.build/release/deltah compare "$a" "$b" --json)
    key=mean_delta_first_order
  fi
  ours=$("${cmd[@]}" | python3 -c "import json,sys; print(json.load(sys.stdin)['$key'])")
  read -r t median peak < <(run_timed "${cmd[@]}")
  if [ "$mode" = analyze ]; then
    ref=$(python3 benchmarks/numpy_reference.py "$a")
  else
    ref=$(python3 benchmarks/numpy_reference.py --compare "$a" "$b")
  fi
  ref_rate=$(echo "$ref" | awk '{print $4}')
  ref_check=$(echo "$ref" | awk '{print $5}')
  python3 - "$mode" "$t" "$elements" "$ref_rate" "$peak" "$ours" "$ref_check" "$key" "$median" <<'PY'
import sys
mode, t, n, ref, peak = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
ours, theirs, key, median = float(sys.argv[6]), float(sys.argv[7]), sys.argv[8], float(sys.argv[9])
assert abs(ours - theirs) <= 1e-5 * max(1, abs(theirs)), f"{key}: deltah {ours} vs numpy {theirs}"
print(f"{mode:8s} check {key}: deltah {ours:.9g}, numpy {theirs:.9g}")
rate = n / t / 1e9
print(f"{mode:8s} deltah {rate:6.3f} G elem/s (whole process, best of 5: {t:.3f} s; median {n / median / 1e9:.3f};"
      f" peak RSS {peak / 1024:.0f} MiB) | numpy per-row {ref:6.3f} G elem/s | ratio {rate / ref:5.2f}x")
PY
done
