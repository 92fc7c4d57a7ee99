"""matplotlib versions of DeltaH's key figures, for notebooks (optional extra: ``deltah[plots]``).

The dependency-free path stays ``deltah report`` (SVG and HTML). These functions take what
:mod:`deltah.cli` and :mod:`deltah.per_token` return and draw on a given or new ``Axes``::

    from deltah import cli, per_token, plots
    cli.compare(before, after, per_token="/tmp/c.safetensors")
    plots.first_order_scatter(per_token.load("/tmp/c.safetensors"))
    plots.entropy_trajectory(cli.analyze(step_paths))
    plots.polarity_quadrants(cli.analyze(step_paths[0]))

matplotlib is imported on first use; without it, an ``ImportError`` names the extra to install.
Every function returns the ``Axes`` it drew on.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["first_order_scatter", "entropy_trajectory", "polarity_quadrants"]

# Okabe–Ito, as in DeltaH's SVG figures.
_BLUE, _ORANGE, _GREEN, _VERMILLION, _GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("deltah.plots needs matplotlib: pip install 'deltah[plots]'") from error
    return plt


def _axes(ax: Optional[Axes]) -> Axes:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=(3.5, 3.2))
    return ax


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else float("nan")


def first_order_scatter(per_token: Union[Mapping[str, Any], str, "os.PathLike[str]"], ax: Optional[Axes] = None,
                        second_order: bool = True, title: Optional[str] = None) -> Axes:
    """Predicted vs actual ΔH per position, with y = x and each prediction's Pearson r.

    Parameters
    ----------
    per_token : mapping or path
        The ``--per-token`` output of ``deltah compare`` (``delta_actual``,
        ``delta_first_order``, ``delta_second_order``), loaded or as a path.
    ax : matplotlib.axes.Axes, optional
    second_order : bool
        Also draw the second-order prediction.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from . import per_token as _pt

    t = per_token if isinstance(per_token, Mapping) else _pt.load(per_token)
    for name in ("delta_actual", "delta_first_order"):
        if name not in t:
            raise ValueError(f"per-token data has no {name!r}: pass the --per-token output of deltah compare")
    actual = np.asarray(t["delta_actual"], dtype=np.float64).reshape(-1)
    ok = np.isfinite(actual)
    if not ok.any():
        raise ValueError("per-token data has no finite 'delta_actual' (no valid position): nothing to plot")
    ax = _axes(ax)
    series = [("first order", "delta_first_order", _BLUE, "o")]
    if second_order and "delta_second_order" in t:
        series.append(("second order", "delta_second_order", _ORANGE, "^"))
    lo, hi = actual[ok].min(), actual[ok].max()
    for label, key, colour, marker in series:
        pred = np.asarray(t[key], dtype=np.float64).reshape(-1)
        m = ok & np.isfinite(pred)
        r = _pearson(pred[m], actual[m])
        ax.scatter(pred[m], actual[m], s=8, c=colour, marker=marker, alpha=0.7, linewidths=0,
                   label=f"{label} (r = {r:.3f})")
        lo, hi = min(lo, pred[m].min()), max(hi, pred[m].max())
    ax.plot([lo, hi], [lo, hi], color=_GREY, lw=0.8, ls="--", label="y = x")
    ax.set_xlabel("predicted ΔH (nats)")
    ax.set_ylabel("actual ΔH (nats)")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(title or f"Predicted vs actual ΔH ({int(ok.sum())} positions)", fontsize=9)
    return ax


def entropy_trajectory(series: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]], ax: Optional[Axes] = None,
                       seq_mean: bool = True, title: Optional[str] = None) -> Axes:
    """Entropy token-mean (and seq-mean-token-mean) per step.

    Parameters
    ----------
    series : mapping or sequence of mappings
        ``deltah.cli.analyze([paths…])`` (``{"steps": [...]}``) or a list of one-dump summaries.
        Steps without a ``step`` number are placed at their index (1, 2, …).
    ax : matplotlib.axes.Axes, optional
    seq_mean : bool
        Also draw the seq-mean-token-mean entropy.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    steps = list(series["steps"]) if isinstance(series, Mapping) and "steps" in series else (
        [series] if isinstance(series, Mapping) else list(series))
    if not steps:
        raise ValueError("no steps to plot")
    x = [step if (step := s.get("step")) is not None else i + 1 for i, s in enumerate(steps)]
    ax = _axes(ax)
    ax.plot(x, [s["entropy_token_mean"] for s in steps], color=_BLUE, marker="o", ms=3, label="token mean")
    if seq_mean and all("entropy_seq_mean_token_mean" in s for s in steps):
        ax.plot(x, [s["entropy_seq_mean_token_mean"] for s in steps], color=_GREEN, marker="s", ms=3,
                label="seq-mean-token-mean")
    ax.set_xlabel("step")
    ax.set_ylabel("entropy (nats)")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(title or "Entropy trajectory", fontsize=9)
    return ax


def polarity_quadrants(summary: Mapping[str, Any], ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """Entropy polarity summed by quadrant (advantage sign × π_k above/below e^(−H)).

    Parameters
    ----------
    summary : mapping
        One dump's ``deltah.cli.analyze`` result (its ``quadrants``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if "quadrants" not in summary:
        raise ValueError("summary has no 'quadrants': pass one dump's deltah.cli.analyze result")
    rows = list(summary["quadrants"])
    names = [q["quadrant"] for q in rows]
    sums = [q["polarity_sum"] for q in rows]
    ax = _axes(ax)
    colours = [_GREEN if s >= 0 else _VERMILLION for s in sums]
    bars = ax.bar(range(len(rows)), sums, color=colours)
    for bar, q in zip(bars, rows):
        ax.annotate(f"n={q['tokens']}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom" if bar.get_height() >= 0 else "top", fontsize=6)
    ax.axhline(0, color=_GREY, lw=0.8)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(names, fontsize=7, rotation=20)
    ax.set_ylabel("polarity sum (entropy expands > 0)")
    ax.set_title(title or "Entropy polarity by quadrant", fontsize=9)
    return ax
