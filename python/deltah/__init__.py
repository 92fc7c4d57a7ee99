"""DeltaH's Python companion package.

Submodules
----------
export
    Write training tensors in the DeltaH logit-dump format (numpy only; torch tensors accepted).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
