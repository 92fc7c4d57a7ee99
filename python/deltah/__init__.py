"""DeltaH's Python companion package.

Submodules
----------
export
    Write training tensors in the DeltaH logit-dump format (numpy only; torch tensors accepted).
linearize
    J·Δθ by forward-mode AD, ∇θH̄·Δθ, the optimizer's update predicted before its step, and the
    jvp dump that ``deltah compare --linearized`` reads (torch extra, imported lazily).
trl_linearize
    What ``deltah.trl.capture(..., linearize=True)`` runs at each captured step.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
