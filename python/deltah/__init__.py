"""DeltaH's Python companion package.

Submodules
----------
export
    Write training tensors in the DeltaH logit-dump format (numpy only; torch tensors accepted).
cli
    Run the ``deltah`` binary (analyze, compare, merge, report) and get its JSON as dicts.
per_token
    Read ``--per-token`` outputs (numpy only); optional pandas view.
plots
    matplotlib figures (optional extra ``plots``).
trl
    ``capture(trainer, output_dir, ...)``: before/after logits per optimizer step of a TRL
    GRPOTrainer (optional extra ``trl``).
verl
    ``dump_batch(batch, path, ...)``: a verl DataProto in the dump contract.
linearize
    J·Δθ by forward-mode AD, ∇θH̄·Δθ, the optimizer's update predicted before its step, and the
    jvp dump that ``deltah compare --linearized`` reads (torch extra, imported lazily).
trl_linearize
    What ``deltah.trl.capture(..., linearize=True)`` runs at each captured step.

Submodules with optional dependencies are not imported here; import them explicitly.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
