#!/usr/bin/env bash
# Set-up: install the system libraries and build DeltaH in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release --product deltah
