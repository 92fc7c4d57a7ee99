#!/usr/bin/env bash
# Installs the Debian packages DeltaH links against, when they are missing.
# LAPACKE/OpenBLAS (eigenproblems, solves), GSL (seeded RNG, root finding), zlib (deflated .npz).
set -euo pipefail
packages=(liblapacke-dev libopenblas-dev libgsl-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
