#!/usr/bin/env bash
# Checks the demo's HTML report the way a person would: runs `deltah demo` (which writes
# out/demo/report.html), renders the page with headless Chromium (Debian's chromium package,
# installed through apt when missing) to out/check-html/report.png, and fails when Chromium logs
# console messages or uncaught errors, or the page lacks its tables and figures.
# Not part of the quick test run. Usage: bash scripts/check-html.sh [path/to/deltah]
set -euo pipefail
cd "$(dirname "$0")/.."
DELTAH="${1:-.build/release/deltah}"
[ -x "$DELTAH" ] || { swift build -c release >/dev/null; DELTAH=.build/release/deltah; }

if ! command -v chromium >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi

"$DELTAH" demo > /dev/null
REPORT="$PWD/out/demo/report.html"
[ -s "$REPORT" ] || { echo "check-html: deltah demo did not write $REPORT"; exit 1; }

tables=$(grep -c '<table' "$REPORT" || true)
figures=$(grep -c '<figure' "$REPORT" || true)
[ "$tables" -ge 3 ] && [ "$figures" -ge 5 ] || { echo "check-html: only $tables tables and $figures figures"; exit 1; }
if grep -qiE '<script|https?://[^"]*\.(js|css|png|woff)|<link ' "$REPORT"; then
  echo "check-html: the report references scripts or network resources"; exit 1
fi

mkdir -p out/check-html
LOG=out/check-html/chromium.log
PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT
chromium --headless --no-sandbox --disable-gpu --user-data-dir="$PROFILE" --hide-scrollbars \
  --enable-logging=stderr --v=0 --window-size=1200,2400 \
  --screenshot="$PWD/out/check-html/report.png" "file://$REPORT" > "$LOG" 2>&1 || true
[ -s out/check-html/report.png ] || { cat "$LOG"; echo "check-html: no screenshot"; exit 1; }
if grep -E 'CONSOLE|Uncaught|console\.' "$LOG"; then
  echo "check-html: console messages while rendering (see $LOG)"; exit 1
fi
echo "check-html: $tables tables, $figures figures; rendered to out/check-html/report.png, no console messages"
