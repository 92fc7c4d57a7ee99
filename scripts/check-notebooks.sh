#!/usr/bin/env bash
# Runs every notebook-as-script (release build) twice, each time in a fresh temporary folder, and
# checks: exit status 0, the files the notebook says it writes are there, the two runs' outputs are
# bit-identical (fixed seeds), every CSV parses with one column count (RFC 4180), and no output
# holds a NaN. The temporary folders are removed on exit. Usage: bash scripts/check-notebooks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

declare -A FILES=(
  [first-order-accuracy]="README.md accuracy-seed0.csv accuracy-seeds.csv error-orders.csv trajectory-pg-eta1.0.csv trajectory-pg-eta5.0.csv trajectory-npg-eta0.1.csv trajectory-npg-eta0.5.csv"
  [polarity-asymmetry]="README.md spec-examples.csv regions.csv probability-sweep.csv"
  [intervention-comparison]="README.md comparison.csv curves.csv"
  [entropy-performance-law]="README.md synthetic.csv fits.csv points.csv"
  [policy-cliff]="README.md shrinking-perturbations.csv random-ratios.csv"
  [curvature-spectra]="README.md spectra.csv first-order-accuracy.csv"
)
NOTEBOOKS="first-order-accuracy polarity-asymmetry intervention-comparison entropy-performance-law policy-cliff curvature-spectra"

for name in $NOTEBOOKS; do swift build -c release --product "$name" >/dev/null; done
BIN="$(swift build -c release --show-bin-path)"

status=0
for name in $NOTEBOOKS; do
  before=$status
  for run in 1 2; do
    mkdir -p "$WORK/$run"
    # policy-cliff and curvature-spectra write to out/<name>/ of the working directory; the others
    # take the folder as their first argument (default the same).
    if ! (cd "$WORK/$run" && OPENBLAS_NUM_THREADS=1 "$BIN/$name" > "$name.stdout" 2> "$name.stderr"); then
      echo "FAIL $name: run $run exited non-zero"; sed 's/^/  /' "$WORK/$run/$name.stderr"; status=1; continue 2
    fi
    sed -i "s|$WORK/$run|WORK|g" "$WORK/$run/$name.stdout"
  done
  for f in ${FILES[$name]}; do
    [ -f "$WORK/1/out/$name/$f" ] || { echo "FAIL $name: out/$name/$f not written"; status=1; }
  done
  if ! diff -r "$WORK/1/out/$name" "$WORK/2/out/$name" >/dev/null || ! cmp -s "$WORK/1/$name.stdout" "$WORK/2/$name.stdout"; then
    echo "FAIL $name: two runs differ"; status=1
  fi
  if grep -rqiw nan "$WORK/1/out/$name"; then echo "FAIL $name: NaN in the output"; status=1; fi
  if ! python3 - "$WORK/1/out/$name" <<'EOF'
import csv, pathlib, sys
bad = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.csv")):
    rows = list(csv.reader(path.open(encoding="utf-8")))
    if any(len(r) != len(rows[0]) for r in rows):
        bad.append(path.name)
if bad:
    print("  CSV rows with a column count unlike the header's: " + ", ".join(bad))
    sys.exit(1)
EOF
  then echo "FAIL $name: malformed CSV"; status=1; fi
  if [ $status -eq $before ]; then echo "ok   $name"; fi
done
cd "$ROOT"
exit $status
