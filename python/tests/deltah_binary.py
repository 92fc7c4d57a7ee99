"""The `deltah` binary the parity tests run: $DELTAH_BIN, else .build/debug/deltah
(scripts/test.sh builds it first). Tests that need it are skipped when it is missing."""

import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DELTAH = os.environ.get("DELTAH_BIN", os.path.join(ROOT, ".build", "debug", "deltah"))
requires_binary = pytest.mark.skipif(not os.path.exists(DELTAH), reason=f"deltah binary not built at {DELTAH}")


def run(*args):
    """stdout of `deltah ARGS…`, which must exit 0."""
    proc = subprocess.run([DELTAH, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
