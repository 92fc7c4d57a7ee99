#!/usr/bin/env bash
# Compiles every LaTeX table `deltah report` writes for the bundled sample (plus a bandit run, a
# curvature spectrum and a policy-cliff curve) in a minimal document with pdflatex, and fails on
# any LaTeX error. Installs texlive-latex-base, texlive-latex-recommended (booktabs) and
# texlive-science (siunitx) through apt when pdflatex or those packages are missing.
# Not part of the quick test run. Usage: bash scripts/check-latex.sh [path/to/deltah]
set -euo pipefail
cd "$(dirname "$0")/.."
DELTAH="${1:-.build/release/deltah}"
[ -x "$DELTAH" ] || { swift build -c release >/dev/null; DELTAH=.build/release/deltah; }

if ! command -v pdflatex >/dev/null || ! kpsewhich booktabs.sty >/dev/null || ! kpsewhich siunitx.sty >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
    texlive-latex-base texlive-latex-recommended texlive-science
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$DELTAH" bandit --rewards 1,0,0,0 --steps 60 --lr 0.5 --json > "$WORK/bandit.json"
"$DELTAH" curvature --logits 2,1,0,-1,0.5,0.3 --top 6 --json > "$WORK/curvature.json"
"$DELTAH" cliff --rewards 1,1,0 --alpha 0.1 --json > "$WORK/cliff.json"
"$DELTAH" report data/sample/step_000{1,2,3}.safetensors "$WORK/bandit.json" "$WORK/curvature.json" "$WORK/cliff.json" \
  --compare data/sample/step_0001.safetensors data/sample/step_0002.safetensors \
  --format latex --out "$WORK/tables" 2> /dev/null

{
  echo '\documentclass{article}'
  echo '\usepackage[utf8]{inputenc}'
  echo '\usepackage[T1]{fontenc}'
  echo '\usepackage{booktabs}'
  echo '\usepackage{siunitx}'
  echo '\usepackage[margin=1.5cm]{geometry}'
  echo '\begin{document}'
  for f in "$WORK"/tables/*.tex; do echo "\\input{$f}"; done
  echo '\end{document}'
} > "$WORK/tables.tex"

count=$(ls "$WORK"/tables/*.tex | wc -l)
if ! (cd "$WORK" && pdflatex -interaction=nonstopmode -halt-on-error tables.tex > pdflatex.log 2>&1); then
  grep -n -A4 '^!' "$WORK/pdflatex.log" | head -40
  echo "check-latex: FAILED (see the errors above)"
  exit 1
fi
if grep -q 'Overfull\|Missing character' "$WORK/pdflatex.log"; then
  echo "check-latex: warnings:"; grep -n 'Overfull\|Missing character' "$WORK/pdflatex.log" | head -20
fi
mkdir -p out/check-latex
cp "$WORK/tables.pdf" out/check-latex/tables.pdf
cp "$WORK"/tables/*.tex out/check-latex/
echo "check-latex: $count tables compiled with pdflatex → out/check-latex/tables.pdf"
