"""deltah.plots on the bundled sample through the real binary (skipped without matplotlib; the e2e
script installs it), and its clear error when matplotlib is missing."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli, per_token, plots  # noqa: E402

from deltah_binary import DELTAH, ROOT, requires_binary  # noqa: E402

SAMPLE = [os.path.join(ROOT, "data", "sample", f"step_000{i}.safetensors") for i in (1, 2, 3)]


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"deltah\[plots\]"):
        plots.entropy_trajectory([{"step": 1, "entropy_token_mean": 1.0}])


@requires_binary
def test_figures_from_the_sample(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = tmp_path / "c.safetensors"
    summary = cli.compare(SAMPLE[0], SAMPLE[1], per_token=out, binary=DELTAH)
    ax = plots.first_order_scatter(out)
    first = ax.collections[0]
    assert len(first.get_offsets()) == summary["tokens"]
    label = ax.get_legend_handles_labels()[1][0]
    assert label == f"first order (r = {summary['pearson_first_order']:.3f})"
    series = cli.analyze(SAMPLE, binary=DELTAH)
    ax = plots.entropy_trajectory(series)
    assert np.allclose(ax.lines[0].get_ydata(), [s["entropy_token_mean"] for s in series["steps"]])
    one = series["steps"][0]
    ax = plots.polarity_quadrants(one)
    assert [p.get_height() for p in ax.patches] == [q["polarity_sum"] for q in one["quadrants"]]
    ax.figure.savefig(tmp_path / "q.png")
    assert (tmp_path / "q.png").stat().st_size > 1000
    plt.close("all")
    with pytest.raises(ValueError, match="delta_actual"):
        plots.first_order_scatter({"x": np.zeros(3)})
