#!/usr/bin/env bash
# DeltaH used as a library by a package of its own, as a researcher would: builds and runs the
# package that README.md shows under "Using DeltaH from Swift". The three Swift blocks of that
# section, each after a `<!-- check-downstream: PATH -->` line, are written to PATH in a temporary
# folder next to a link named DeltaH to this repository (the README's `.package(path: "../DeltaH")`),
# so the README cannot drift from what is checked. The package resolves with no setting of its own:
# DeltaH's dependencies come from wherever this machine's git and SwiftPM settings take them, as
# for any user's package. The temporary folder (sources, .build, Package.resolved) is removed on
# exit, also on SIGINT/SIGTERM/SIGHUP; nothing is written into the repository.
#
# Checks: the package builds from the umbrella product `DeltaH` and from the `DumpAnalysis` product
# alone; DeltaH's own sources compile without a warning (a path dependency shows its warnings to
# the user); both programs exit 0 and print no NaN; the entropy change is negative with its first
# order within 5% of the exact value; the two products report the same mean entropy of the same
# dump; DumpStudy orders the dumps by step.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
readme="$root/README.md"
start=$SECONDS

work="$(mktemp -d "${TMPDIR:-/tmp}/deltah-downstream.XXXXXX")"
child=""
exec 3>&2  # the messages of a signal go to the script's stderr, not to a build log
# A build or run is stopped as Ctrl-C stops it: SIGINT, on which SwiftPM cancels its compilers
# (they run in process groups of their own), then, 30 s later, SIGKILL to its session. Only then
# is the folder they write into removed.
stop_child() {
  [ -n "$child" ] || return 0
  kill -INT "$child" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
  child=""
}
# SwiftPM's compilers can outlive it by a moment: wait (up to 30 s) until no process names the
# folder, so that none writes into it after it is removed.
cleanup() {
  stop_child
  for _ in $(seq 150); do pgrep -f -- "$work/" > /dev/null || break; sleep 0.2; done
  rm -rf "$work"
}
on_signal() {
  trap - INT TERM HUP
  stop_child
  echo "check-downstream: interrupted (signal $1); removing $work" >&3
  exit $((128 + $1))
}
trap cleanup EXIT
trap 'on_signal 2' INT
trap 'on_signal 15' TERM
trap 'on_signal 1' HUP
# Runs a command in the background, in its own session, and waits for it, so that a signal reaches
# the trap at once.
run() {
  setsid "$@" & child=$!
  local rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
fail() { echo "check-downstream: FAILED: $*" >&2; exit 1; }

# The README's blocks, written where their markers say.
paths=$(sed -n 's/^<!-- check-downstream: \(.*\) -->$/\1/p' "$readme")
[ "$(printf '%s\n' "$paths" | grep -c .)" -eq 3 ] || fail "README.md: expected 3 '<!-- check-downstream: PATH -->' blocks, found: ${paths:-none}"
for path in $paths; do
  case "$path" in EntropyStudy/*) ;; *) fail "README.md: block path $path is not under EntropyStudy/" ;; esac
  mkdir -p "$work/$(dirname "$path")"
  awk -v marker="<!-- check-downstream: $path -->" '
    $0 == marker { found = 1; next }
    found == 1 && /^```/ { found = 2; next }
    found == 2 && /^```/ { exit }
    found == 2 { print }' "$readme" > "$work/$path"
  [ -s "$work/$path" ] || fail "README.md: the block after the marker for $path is empty or not fenced"
done
ln -s "$root" "$work/DeltaH"
echo "check-downstream: wrote $(printf '%s ' $paths)from README.md into $work (DeltaH -> $root)"

cd "$work/EntropyStudy"
log="$work/build.log"
if ! run swift build > "$log" 2>&1; then cat "$log" >&2; fail "swift build of the downstream package"; fi
# Warnings of DeltaH's sources (a path dependency's warnings are shown to the user); the path is
# the one the package sees, through the link.
if grep -E "^$work/DeltaH/[^:]+:[0-9]+:[0-9]+: warning:" "$log" | sort -u > "$work/warnings" && [ -s "$work/warnings" ]; then
  cat "$work/warnings" >&2; fail "DeltaH's sources compile with warnings in a downstream build"
fi
echo "check-downstream: built products DeltaH (EntropyStudy) and DumpAnalysis (DumpStudy), no warning from DeltaH's sources ($((SECONDS - start)) s)"

sample=../DeltaH/data/sample
run swift run --skip-build EntropyStudy "$sample/step_0001.safetensors" > "$work/study.txt" 2> "$work/study.err" \
  || { cat "$work/study.err" >&2; fail "EntropyStudy exited non-zero"; }
run swift run --skip-build DumpStudy "$sample/step_0003.safetensors" "$sample/step_0001.safetensors" > "$work/dumps.txt" 2> "$work/dumps.err" \
  || { cat "$work/dumps.err" >&2; fail "DumpStudy exited non-zero"; }
sed 's/^/  EntropyStudy | /' "$work/study.txt"
sed 's/^/  DumpStudy    | /' "$work/dumps.txt"
if grep -qi 'nan' "$work/study.txt" "$work/dumps.txt"; then fail "a program printed NaN"; fi

python3 - "$work/study.txt" "$work/dumps.txt" <<'EOF' || fail "the outputs do not agree (above)"
import re, sys
study, dumps = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
num = r"(-?[0-9.]+(?:e-?[0-9]+)?)"
m = re.search(rf"ΔH = {num}, first order {num}, second order {num}", study)
assert m, "EntropyStudy: no 'ΔH = …, first order …, second order …' line"
actual, first, second = map(float, m.groups())
# A step of 0.1 moving mass to the most probable action lowers H; the first-order error is O(‖Δz‖²)
# (about 0.5% here), so 5% fails for a wrong sign or scale; the second order is closer still.
assert actual < 0 and abs(first - actual) <= 0.05 * abs(actual) and abs(second - actual) <= abs(first - actual), (actual, first, second)
umbrella = re.search(rf"^step 1: mean H {num} over ([0-9]+) tokens", study, re.M)
assert umbrella, "EntropyStudy: no 'step 1: mean H …' line"
steps = re.findall(rf"^step ([0-9-]+): mean H {num} over ([0-9]+) tokens", dumps, re.M)
assert [s for s, _, _ in steps] == ["1", "3"], f"DumpStudy: steps {[s for s, _, _ in steps]}, expected 1 then 3"
# The same dump through the two products: the same pipeline, so the same printed Double.
assert (steps[0][1], steps[0][2]) == umbrella.groups(), (steps[0], umbrella.groups())
m = re.search(rf"bandit: H {num} → {num}, reward {num}", study)
assert m, "EntropyStudy: no bandit line"
h0, h1, reward = map(float, m.groups())
assert h1 < h0 and 0.5 < reward <= 1, (h0, h1, reward)
print("check-downstream: ΔH of the step: first order within 5% of the exact change, second order closer; "
      "the umbrella and DumpAnalysis agree on step 1's mean H; dumps in step order; the bandit's H falls and its reward rises")
EOF
echo "check-downstream: passed in $((SECONDS - start)) s (temporary folder removed on exit)"
