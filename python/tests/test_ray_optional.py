"""deltah.ray without Ray installed (the light venv): importing works, running names the extra."""

import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
from deltah_binary import DELTAH, ROOT, requires_binary  # noqa: E402

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="Ray is installed here")


@requires_binary
def test_without_ray_the_run_asks_for_the_extra():
    from deltah import ray as dray

    dump = os.path.join(ROOT, "data", "sample", "step_0001.safetensors")
    with pytest.raises(ImportError, match=r"deltah\[ray\]"):
        dray.analyze_run([dump], output_dir="unused", progress=False, binary=DELTAH)
    assert not os.path.exists("unused")
