"""The network's own first-order entropy change: J·Δθ by forward-mode AD, ∇θH̄·Δθ, and Δθ predicted
from the optimizer before its step.

Lemma 1 (Cui et al.) predicts the entropy change of one position from its logit change,
ΔH ≈ −Cov_π(log π, Δz/T). In a network a parameter update Δθ moves all logits together through the
Jacobian J = ∂z/∂θ. This module computes, without ever forming J:

* ``linearized_logit_change``: J·Δθ, the directional derivative of the raw logits (before temperature)
  at θ, by one forward-mode pass (``torch.func.jvp`` over ``torch.func.functional_call``);
* ``entropy_gradient_dot_update``: ∇θH̄·Δθ for H̄ the mean entropy over the valid positions, by one
  reverse-mode pass on a separate graph (``torch.autograd.grad`` on detached parameter leaves, so the
  training gradients in ``p.grad`` are never touched). By the chain rule it equals the token mean of
  −Cov_π(log π, J·Δθ/T): two routes, one number;
* ``predict_update``: the Δθ that ``optimizer.step()`` is about to apply, from the (already clipped)
  gradients and the optimizer state, without changing either. Supported: ``torch.optim.SGD``
  (momentum, dampening, Nesterov, weight decay, maximize) and ``torch.optim.Adam``/``AdamW``
  (bias correction, AMSGrad, L2 or decoupled weight decay, maximize), including the fused and
  foreach variants (same mathematics);
* ``write_jvp_dump``: ``step_{step:06d}.jvp.safetensors`` with ``logits`` = J·Δθ (F32, raw), the
  before dump's position tensors and metadata, and the scalars ``parameter_space_first_order`` and
  ``predicted_before_step``; ``deltah compare BEFORE AFTER --linearized JVP`` reads it.

The forward-mode pass runs on a *twin* of the model: a fresh instance of the same class, built from the
same config on the ``meta`` device (no memory, no initialisation) with ``attn_implementation="eager"``
(forward-mode AD is not implemented for the fused SDPA kernel on CPU), fed the real parameters and
buffers through ``functional_call``. A TRL-prepared model cannot be used directly: its
``make_inputs_require_grads`` forward hook calls ``requires_grad_`` inside the forward, which
``torch.func.jvp`` rejects.

torch is an optional extra (``pip install ./python[torch]``) and is imported lazily.
"""

from __future__ import annotations

import copy
import math
import os
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import export as _export
from . import per_token as _per_token
from ._output import open_input

__all__ = [
    "eager_twin",
    "snapshot_parameters",
    "parameter_delta",
    "linearized_logit_change",
    "logits_at",
    "entropy",
    "first_order_entropy_change",
    "mean_entropy",
    "entropy_gradient",
    "entropy_gradient_dot_update",
    "dot",
    "relative_difference",
    "predict_update",
    "SUPPORTED_OPTIMIZERS",
    "jvp_path",
    "write_jvp_dump",
    "read_safetensors",
]

#: Optimizer classes whose update ``predict_update`` reproduces (subclasses are refused: they may
#: change the step).
SUPPORTED_OPTIMIZERS = ("torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW")

LogitsSlice = Union[Tuple[Any, ...], slice, Callable[[Any], Any], None]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError("deltah.linearize needs torch: pip install './python[torch]'") from exc
    return torch


def _unwrap_model(model: Any) -> Any:
    """The bare ``PreTrainedModel`` under DDP/accelerate/compile wrappers."""
    while True:
        inner = getattr(model, "module", None) or getattr(model, "_orig_mod", None)
        if inner is None:
            return model
        model = inner


def eager_twin(model: Any) -> Any:
    """A fresh instance of ``model``'s class on the ``meta`` device, with eager attention.

    It holds no weights: pass parameters and buffers with ``torch.func.functional_call``. The twin is
    cached on the model (attribute ``_deltah_eager_twin``) so it is built once.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The policy (possibly wrapped by DDP/accelerate; the wrapper is removed).

    Returns
    -------
    torch.nn.Module
        The twin, in eval mode (the tiny models DeltaH tests have no dropout; a model with dropout
        must be linearised in eval mode anyway, as its logits are dumped).
    """
    torch = _torch()
    model = _unwrap_model(model)
    cached = model.__dict__.get("_deltah_eager_twin")
    if cached is not None:
        return cached
    config = copy.deepcopy(model.config)
    cls = type(model)
    with torch.device("meta"):
        if hasattr(cls, "_from_config"):
            twin = cls._from_config(config, attn_implementation="eager")
        else:  # a plain nn.Module taking its config
            twin = cls(config)
    twin.eval()
    model.__dict__["_deltah_eager_twin"] = twin
    return twin


def snapshot_parameters(model: Any, names: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Detached copies of the trainable parameters, by name (θ_before for a captured step).

    Parameters
    ----------
    model : torch.nn.Module
    names : sequence of str, optional
        Restrict to these names (default: every parameter with ``requires_grad``).

    Returns
    -------
    dict of str to torch.Tensor
        name → a detached clone of the parameter.
    """
    model = _unwrap_model(model)
    wanted = None if names is None else set(names)
    return {
        n: p.detach().clone()
        for n, p in model.named_parameters()
        if (p.requires_grad if wanted is None else n in wanted)
    }


def parameter_delta(before: Mapping[str, Any], model: Any) -> Dict[str, Any]:
    """Δθ = θ_now − θ_before for every name in ``before`` (the exact update of a step).

    Parameters
    ----------
    before : mapping str → Tensor
        θ_before, as ``snapshot_parameters`` took it.
    model : torch.nn.Module
        The model after the step (possibly wrapped; the wrapper is removed).

    Returns
    -------
    dict of str to torch.Tensor
        name → Δθ, in the parameters' dtype.

    Raises
    ------
    KeyError
        When a name of ``before`` is not a parameter of the model.
    """
    model = _unwrap_model(model)
    now = dict(model.named_parameters())
    missing = [n for n in before if n not in now]
    if missing:
        raise KeyError(f"parameters {missing[:3]} of the snapshot are not in the model")
    return {n: now[n].detach() - b for n, b in before.items()}


def _apply_slice(logits: Any, logits_slice: LogitsSlice) -> Any:
    if logits_slice is None:
        return logits
    if callable(logits_slice):
        return logits_slice(logits)
    return logits[logits_slice]


def _call(model: Any, twin: Any, params: Mapping[str, Any], input_ids: Any, attention_mask: Any,
          logits_slice: LogitsSlice) -> Any:
    torch = _torch()
    model = _unwrap_model(model)
    state = {n: b for n, b in model.named_buffers()}
    for n, p in model.named_parameters():
        state[n] = params[n] if n in params else p.detach()
    kwargs = {"attention_mask": attention_mask, "use_cache": False}
    out = torch.func.functional_call(twin, state, (input_ids,), kwargs, strict=False)
    logits = out.logits if hasattr(out, "logits") else out[0]
    return _apply_slice(logits, logits_slice)


def logits_at(model: Any, params: Mapping[str, Any], input_ids: Any, attention_mask: Any = None,
              logits_slice: LogitsSlice = None) -> Any:
    """Raw logits of ``model`` with some parameters replaced (others as in the model), no grad.

    Parameters
    ----------
    model : transformers.PreTrainedModel
    params : mapping str → Tensor
        Parameters to use instead of the model's (e.g. θ_before, or θ + εΔθ).
    input_ids, attention_mask : Tensor
        The forward's inputs ([B, L]).
    logits_slice : tuple of indices, slice or callable, optional
        Selects the positions of interest from the [B, L, V] logits (e.g.
        ``(slice(None), slice(P - 1, P + C - 1))`` for TRL's completion positions).

    Returns
    -------
    torch.Tensor
        The sliced raw logits (before temperature).
    """
    torch = _torch()
    with torch.no_grad():
        return _call(model, eager_twin(model), params, input_ids, attention_mask, logits_slice)


def linearized_logit_change(
    model: Any, params_before: Mapping[str, Any], delta: Mapping[str, Any], input_ids: Any, attention_mask: Any = None,
    logits_slice: LogitsSlice = None,
) -> Any:
    """J·Δθ: the linearised change of the raw logits at θ_before for the update Δθ.

    One forward-mode pass (``torch.func.jvp``); J is never formed. Cost: about two forward passes
    of memory and arithmetic (primal and tangent), no backward.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The policy; only its class, config and buffers are used (parameters come from
        ``params_before``, or the model for names not given).
    params_before : mapping str → Tensor
        θ_before for every parameter that moves.
    delta : mapping str → Tensor
        Δθ, same names and shapes (names missing from ``delta`` get a zero tangent).
    input_ids, attention_mask : Tensor
        The forward's inputs.
    logits_slice : optional
        See ``logits_at``.

    Returns
    -------
    Tensor
        J·Δθ, the shape of the sliced logits, in the parameters' dtype (raw: before temperature).
    """
    torch = _torch()
    twin = eager_twin(model)
    names = list(params_before)
    primals = tuple(params_before[n].detach() for n in names)
    tangents = tuple(
        (delta[n].detach().to(params_before[n].dtype) if n in delta else torch.zeros_like(params_before[n]))
        for n in names
    )

    def forward(*values: Any) -> Any:
        return _call(model, twin, dict(zip(names, values)), input_ids, attention_mask, logits_slice)

    with torch.no_grad():
        _, tangent = torch.func.jvp(forward, primals, tangents)
    return tangent


def entropy(logits: Any, temperature: float = 1.0) -> Any:
    """Per-position entropy (nats) of softmax(z/T), in the logits' dtype, differentiable.

    Parameters
    ----------
    logits : torch.Tensor
        Raw logits z, vocabulary on the last axis.
    temperature : float
        T.

    Returns
    -------
    torch.Tensor
        H per position (the logits' shape without the last axis).
    """
    torch = _torch()
    logp = torch.log_softmax(logits / temperature, dim=-1)
    return -(logp.exp() * logp).sum(-1)


def first_order_entropy_change(logits: Any, direction: Any, temperature: float = 1.0) -> Any:
    """Lemma 1 for a raw logit direction v: −Cov_π(log π, v/T) per position, in float64.

    Computed as −(1/T) Σ π (log π + H) (v − E_π v) with π = softmax(z/T).

    Parameters
    ----------
    logits : torch.Tensor
        Raw logits z, vocabulary on the last axis.
    direction : torch.Tensor
        The raw logit change v (e.g. J·Δθ), same shape.
    temperature : float
        T.

    Returns
    -------
    torch.Tensor
        The first-order ΔH per position, float64.
    """
    torch = _torch()
    z = logits.detach().to(torch.float64)
    v = direction.detach().to(torch.float64)
    logp = torch.log_softmax(z / temperature, dim=-1)
    p = logp.exp()
    h = -(p * logp).sum(-1, keepdim=True)
    centred_v = v - (p * v).sum(-1, keepdim=True)
    return -(p * (logp + h) * centred_v).sum(-1) / temperature


def _mask(mask: Any, shape: Any) -> Any:
    torch = _torch()
    if mask is None:
        return torch.ones(shape, dtype=torch.bool)
    m = mask.to(torch.bool)
    if tuple(m.shape) != tuple(shape):
        raise ValueError(f"mask has shape {tuple(m.shape)}; the positions have shape {tuple(shape)}")
    if not bool(m.any()):
        raise ValueError("mask selects no position")
    return m


def mean_entropy(
    model: Any, params: Mapping[str, Any], input_ids: Any, attention_mask: Any = None, logits_slice: LogitsSlice = None,
    mask: Any = None, temperature: float = 1.0,
) -> float:
    """H̄(θ): the mean entropy over the valid positions (``mask``), at parameters ``params``, as a float.

    Used for finite differences (H̄(θ + εΔθ) − H̄(θ))/ε against ``entropy_gradient_dot_update``.

    Parameters
    ----------
    model, params, input_ids, attention_mask, logits_slice
        As in ``logits_at``.
    mask : Tensor, optional
        The valid positions of the sliced logits (default: all).
    temperature : float
        T.

    Returns
    -------
    float
        H̄ in nats, accumulated in float64.

    Raises
    ------
    ValueError
        When ``mask`` does not have the positions' shape or selects no position.
    """
    torch = _torch()
    z = logits_at(model, params, input_ids, attention_mask, logits_slice)
    m = _mask(mask, z.shape[:-1])
    h = entropy(z.to(torch.float64) if z.dtype == torch.float64 else z, temperature)
    return float(h.to(torch.float64)[m.to(h.device)].mean())


def entropy_gradient(
    model: Any, params_before: Mapping[str, Any], segments: Sequence[Tuple[Any, Any, LogitsSlice, Any]],
    temperature: float = 1.0, names: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """∇θH̄ at θ_before by reverse mode on a separate graph, over one or several micro-batches.

    H̄ = (Σ over segments of Σ_valid H) / (number of valid positions): the mean entropy of
    softmax(z/T) over every valid position of every segment. The gradient is taken with
    ``torch.autograd.grad`` with respect to detached leaves that share the storage of
    ``params_before``, so neither the model's ``.grad`` nor its autograd graph is touched; one
    forward and one backward per segment.

    Parameters
    ----------
    model : transformers.PreTrainedModel
    params_before : mapping str → Tensor
        θ_before.
    segments : sequence of (input_ids, attention_mask, logits_slice, mask)
        The micro-batches; ``mask`` selects the valid positions of the sliced logits (None: all).
    temperature : float
    names : sequence of str, optional
        Differentiate with respect to these parameters only (default: all of ``params_before``).

    Returns
    -------
    dict
        name → ∂H̄/∂θ (the parameters' dtype; zeros for parameters H̄ does not depend on).
    """
    torch = _torch()
    twin = eager_twin(model)
    names = list(params_before) if names is None else list(names)
    leaves = {n: params_before[n].detach().requires_grad_(True) for n in names}
    totals = {n: torch.zeros_like(leaves[n]) for n in names}
    total_count = 0
    for ids, attn, logits_slice, mask in segments:
        if mask is not None and not bool(mask.to(torch.bool).any()):
            continue  # a micro-batch with no valid position adds nothing
        with torch.enable_grad():
            z = _call(model, twin, leaves, ids, attn, logits_slice)
            m = _mask(mask, z.shape[:-1]).to(z.device)
            total_count += int(m.sum())
            h_sum = entropy(z, temperature)[m].sum()
            grads = torch.autograd.grad(h_sum, [leaves[n] for n in names], allow_unused=True)
        for n, g in zip(names, grads):
            if g is not None:
                totals[n] += g
    if total_count == 0:
        raise ValueError("no valid position in any segment")
    return {n: t / total_count for n, t in totals.items()}


def dot(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Σ_names ⟨a, b⟩ in float64 over the names both hold.

    Parameters
    ----------
    a, b : mapping str → Tensor
        E.g. ∇θH̄ and Δθ.

    Returns
    -------
    float
    """
    torch = _torch()
    return float(sum(float((a[n].to(torch.float64) * b[n].to(torch.float64)).sum()) for n in a if n in b))


def relative_difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """‖a − b‖ / ‖b‖ over all names of ``b`` (float64; a name missing from ``a`` counts as 0).

    Parameters
    ----------
    a, b : mapping str → Tensor
        E.g. the predicted and the actual Δθ.

    Returns
    -------
    float
        0 when ``a`` and ``b`` are both zero, ``inf`` when only ``b`` is zero.
    """
    torch = _torch()
    num = 0.0
    den = 0.0
    for n, y in b.items():
        y = y.to(torch.float64)
        x = a[n].to(torch.float64) if n in a else torch.zeros_like(y)
        num += float(((x - y) ** 2).sum())
        den += float((y**2).sum())
    return math.sqrt(num) / math.sqrt(den) if den > 0 else (0.0 if num == 0 else math.inf)


def entropy_gradient_dot_update(
    model: Any, params_before: Mapping[str, Any], delta: Mapping[str, Any], input_ids: Any, attention_mask: Any = None,
    logits_slice: LogitsSlice = None, mask: Any = None, temperature: float = 1.0,
) -> float:
    """∇θH̄·Δθ by one reverse-mode pass on a separate graph (see ``entropy_gradient``).

    Parameters
    ----------
    model, params_before, delta, input_ids, attention_mask, logits_slice
        As in ``linearized_logit_change`` (the gradient is taken for the names of ``delta``).
    mask : Tensor, optional
        The valid positions of the sliced logits (default: all).
    temperature : float
        T.

    Returns
    -------
    float
        ∇θH̄·Δθ, accumulated in float64; equals the token mean of
        ``first_order_entropy_change(z, J·Δθ, T)`` up to rounding (chain rule).
    """
    names = [n for n in params_before if n in delta]
    grad = entropy_gradient(model, params_before, [(input_ids, attention_mask, logits_slice, mask)], temperature, names)
    return dot(grad, delta)


# ---------------------------------------------------------------------------------------------
# Predicting the optimizer's update


def _bare_optimizer(optimizer: Any) -> Any:
    """The torch optimizer under accelerate's ``AcceleratedOptimizer`` (and similar wrappers)."""
    torch = _torch()
    # AcceleratedOptimizer subclasses torch.optim.Optimizer itself: unwrap by the attribute.
    while isinstance(getattr(optimizer, "optimizer", None), torch.optim.Optimizer):
        optimizer = optimizer.optimizer
    return optimizer


def _scalar(x: Any) -> float:
    return float(x.item()) if hasattr(x, "item") else float(x)


def predict_update(optimizer: Any, params: Optional[Mapping[str, Any]] = None, dtype: Any = None) -> Dict[Any, Any]:
    """The Δθ that ``optimizer.step()`` will apply next, without changing any state.

    Call it after the backward pass and after gradient clipping (the transformers ``Trainer`` clips
    before ``on_pre_optimizer_step`` and ``optimizer.step()``), i.e. from the gradients the step will
    read. Parameters without a gradient are skipped by the optimizer and get no entry.

    Formulas (g the gradient, negated under ``maximize``; state before the step; t = step + 1):

    * SGD: g ← g + λθ (weight decay); with momentum μ: b ← g at the first step, else
      b ← μb + (1 − τ)g; d = g + μb (Nesterov) or b; Δθ = −η d.
    * Adam: g ← g + λθ (L2); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; v̂ = max(v_max, v) under
      AMSGrad; Δθ = −(η/(1 − β₁ᵗ)) m / (√v̂/√(1 − β₂ᵗ) + ε).
    * AdamW (decoupled weight decay): the same without the L2 term, plus −ηλθ. (torch applies the
      decay first: θ(1 − ηλ) − step; the sum is the same Δθ.)

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        SGD, Adam or AdamW (possibly wrapped by accelerate). Other classes raise ``NotImplementedError``.
    params : mapping str → Parameter, optional
        Names for the result (e.g. ``dict(model.named_parameters())``); the result is then keyed by
        name, else by parameter object.
    dtype : torch.dtype, optional
        Arithmetic dtype (default float64: the exact update of the stored state, which the parameter
        dtype then rounds).

    Returns
    -------
    dict
        name (or parameter) → predicted Δθ (a new tensor of ``dtype``).
    """
    torch = _torch()
    opt = _bare_optimizer(optimizer)
    kind = type(opt)
    if kind not in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        raise NotImplementedError(
            f"predict_update supports {', '.join(SUPPORTED_OPTIMIZERS)}, not {kind.__module__}.{kind.__qualname__}"
        )
    dt = torch.float64 if dtype is None else dtype
    names = {id(p): n for n, p in params.items()} if params is not None else None
    out: Dict[Any, Any] = {}
    for group in opt.param_groups:
        lr = _scalar(group["lr"])
        wd = _scalar(group.get("weight_decay", 0.0))
        maximize = bool(group.get("maximize", False))
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise NotImplementedError("predict_update does not support sparse gradients")
            # In-place arithmetic on fresh copies (``copy=True``: never on the optimizer's state or
            # the gradient), at most three parameter-sized temporaries at a time.
            theta = p.detach().to(dt)  # read only
            g = p.grad.detach().to(dt, copy=True)
            if maximize:
                g.neg_()
            state = opt.state.get(p, {})
            if kind is torch.optim.SGD:
                if wd != 0:
                    g.add_(theta, alpha=wd)
                mu = _scalar(group["momentum"])
                if mu != 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        b = g
                    else:
                        b = buf.detach().to(dt, copy=True).mul_(mu).add_(g, alpha=1 - _scalar(group["dampening"]))
                    d = g.add_(b, alpha=mu) if group["nesterov"] else b
                else:
                    d = g
                delta = d.mul_(-lr)
            else:
                beta1, beta2 = (_scalar(b) for b in group["betas"])
                eps = _scalar(group["eps"])
                decoupled = bool(group.get("decoupled_weight_decay", kind is torch.optim.AdamW))
                if wd != 0 and not decoupled:
                    g.add_(theta, alpha=wd)
                step = (_scalar(state["step"]) if "step" in state else 0.0) + 1
                # m ← m + (1 − β₁)(g − m) (torch's lerp); v ← β₂v + (1 − β₂)g².
                m = state["exp_avg"].detach().to(dt, copy=True) if "exp_avg" in state else torch.zeros_like(theta)
                m.lerp_(g, 1 - beta1)
                v = state["exp_avg_sq"].detach().to(dt, copy=True) if "exp_avg_sq" in state else torch.zeros_like(theta)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                del g
                if group.get("amsgrad", False) and "max_exp_avg_sq" in state:
                    v = torch.maximum(state["max_exp_avg_sq"].detach().to(dt), v)
                bias1 = 1 - beta1**step
                bias2 = 1 - beta2**step
                denom = v.sqrt_().div_(math.sqrt(bias2)).add_(eps)
                delta = m.div_(denom).mul_(-(lr / bias1))
                del denom, v
                if wd != 0 and decoupled:
                    delta.add_(theta, alpha=-lr * wd)
            key = p if names is None else names.get(id(p))
            if key is None:
                raise KeyError("a parameter of the optimizer is not in `params`")
            out[key] = delta
    return out


# ---------------------------------------------------------------------------------------------
# The jvp dump


def jvp_path(output_dir: str, step: int) -> str:
    """``output_dir/step_{step:06d}.jvp.safetensors``.

    Parameters
    ----------
    output_dir : str
        The capture's folder.
    step : int
        The optimizer step.

    Returns
    -------
    str
    """
    return os.path.join(output_dir, f"step_{int(step):06d}.jvp.safetensors")


_ST_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64,
    "BOOL": np.bool_, "BF16": np.uint16,
}


def read_safetensors(path: str, skip: Sequence[str] = ()) -> Tuple[Dict[str, Tuple[str, np.ndarray]], Dict[str, str]]:
    """Read a safetensors file with numpy only: name → (dtype string, array) and the metadata.

    BF16 tensors are returned as their uint16 bits. Tensors named in ``skip`` are not read.
    A path that is not a regular file (a FIFO, a folder, a device), a malformed header or a tensor
    whose bytes do not fit its shape or the file raises a ``ValueError`` naming the file (and the
    tensor).

    Parameters
    ----------
    path : str
        A safetensors file.
    skip : sequence of str
        Tensors not to read.

    Returns
    -------
    tuple of (dict of str to (str, numpy.ndarray), dict of str to str)
        The tensors (dtype string and array, a copy) and the ``__metadata__``.
    """
    path = os.fspath(path)
    header, base = _per_token._header(path)
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    with open_input(path) as f:
        size = os.fstat(f.fileno()).st_size
        for name, info in header.items():
            if name in skip:
                continue
            dtype, shape, start, end = _per_token._entry(path, name, info)
            if dtype not in _ST_DTYPES:
                raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
            count = int(np.prod(shape)) if shape else 1
            if end - start != count * np.dtype(_ST_DTYPES[dtype]).itemsize or base + end > size:
                raise ValueError(f"{path}: tensor {name!r} offsets {start}..{end} do not fit shape {shape} and the file")
            f.seek(base + start)
            raw = f.read(end - start)
            arr = np.frombuffer(raw, dtype=np.dtype(_ST_DTYPES[dtype]).newbyteorder("<")).reshape(shape)
            tensors[name] = (dtype, arr.copy())
    return tensors, dict(meta)


def write_jvp_dump(
    path: str,
    jvp_logits: Any,
    before: Union[str, "os.PathLike[str]", Tuple[Mapping[str, Tuple[str, np.ndarray]], Mapping[str, str]]],
    *,
    parameter_space_first_order: Optional[float] = None,
    predicted_before_step: Optional[float] = None,
    metadata: Optional[Mapping[str, str]] = None,
) -> None:
    """Write the jvp dump of one step (atomically).

    Parameters
    ----------
    path : str
        Output file, by convention ``jvp_path(output_dir, step)``.
    jvp_logits : Tensor or ndarray
        J·Δθ for the before dump's positions, raw (before temperature), shape of its ``logits``.
        Stored as F32.
    before : str, os.PathLike or (tensors, metadata)
        The before dump (a safetensors path, or what ``read_safetensors`` returns). Its tensors other
        than ``logits`` (token_ids, mask, advantages, group_ids, …) and its metadata (temperature,
        step, lr, …) are copied, so the jvp dump names the same positions.
    parameter_space_first_order : float, optional
        ∇θH̄·Δθ, stored as metadata ``parameter_space_first_order``.
    predicted_before_step : float, optional
        The ΔH predicted from the Δθ predicted before the optimizer step, stored as
        ``predicted_before_step``.
    metadata : mapping, optional
        Further string metadata.
    """
    if isinstance(before, (str, os.PathLike)):
        before = os.fspath(before)
        if _same_file(path, before):
            raise ValueError(f"{os.fspath(path)}: is the before dump {before}, an input; write the jvp dump elsewhere")
        header_info = _safetensors_header(before)
        tensors, meta = read_safetensors(before, skip=("logits",))
        before_logits_shape = header_info.get("logits", {}).get("shape")
    else:
        given_tensors, given_meta = before
        tensors = {k: v for k, v in given_tensors.items() if k != "logits"}
        meta = dict(given_meta)
        before_logits_shape = None
    values = _export._to_numpy(jvp_logits, floating=True).astype(np.float32)
    if before_logits_shape is not None and list(values.shape) != list(before_logits_shape):
        raise ValueError(f"J·Δθ has shape {list(values.shape)}; the before dump's logits have {before_logits_shape}")
    if not np.isfinite(values).all():
        raise ValueError("J·Δθ holds NaN or Inf")
    fields = dict(tensors)
    fields["logits"] = ("F32", values)
    meta = dict(meta)
    meta["producer"] = "deltah.linearize"
    for key, number in (("parameter_space_first_order", parameter_space_first_order), ("predicted_before_step", predicted_before_step)):
        if number is not None:
            meta[key] = repr(float(number))
    for key, value in (metadata or {}).items():
        meta[str(key)] = str(value)
    _export._atomic_write(path, lambda tmp: _export._write_safetensors(tmp, fields, meta))


def _same_file(a: Union[str, "os.PathLike[str]"], b: str) -> bool:
    """Whether the paths name one file (through links too); False when either is missing."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _safetensors_header(path: str) -> Dict[str, Any]:
    return _per_token._header(path)[0]
