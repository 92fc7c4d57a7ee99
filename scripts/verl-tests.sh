#!/usr/bin/env bash
# Opt-in: deltah.verl against verl's own DataProto and GRPO code. verl 0.9.1 pins
# transformers<5.11 (TRL 1.16 needs newer), so it gets its own venv outside the clone,
# ~/.cache/deltah/venv-verl (about 6.3 GB with torch; `pip install verl` takes several minutes the
# first time). Uses the debug binary.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${DELTAH_VERL_VENV:-$HOME/.cache/deltah/venv-verl}"
[ -x .build/debug/deltah ] || swift build --product deltah
if ! "$VENV/bin/python" -c "import verl" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check verl pytest safetensors
fi
# install the package from a copy, so that setuptools' build/ and *.egg-info stay out of the clone
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -r python/pyproject.toml python/README.md python/deltah "$STAGE/"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$STAGE"
rm -rf "$STAGE"
DELTAH_BIN="$PWD/.build/debug/deltah" exec "$VENV/bin/python" -m pytest -q -W ignore::DeprecationWarning python/tests/test_verl.py "$@"
