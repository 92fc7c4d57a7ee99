"""Write a verl ``DataProto`` batch in the DeltaH dump contract, and score its responses' logits.

verl's batch after the advantages are computed (in ``RayPPOTrainer.fit``) holds, in
``batch.batch``: ``prompts`` [B, P] (left-padded), ``responses`` [B, R], ``attention_mask`` and
``position_ids`` [B, P+R], ``input_ids`` [B, P+R], ``response_mask`` [B, R], ``old_log_probs``,
``advantages`` [B, R] (already per token); in ``batch.non_tensor_batch`` the prompt ``uid`` of each
response (GRPO's group); in ``batch.meta_info`` the ``temperature`` (set before the actor update)
and ``global_steps`` (on the generation batch).

:func:`dump_batch` maps that to the contract (``token_ids`` ← ``responses``, ``mask`` ←
``response_mask``, ``old_logprobs`` ← ``old_log_probs``, ``advantages``, ``group_ids`` ← ``uid``,
``entropy`` ← ``entropys`` when kept) and writes it with :func:`deltah.export.save_dump`.
:func:`response_logits` runs a plain forward of an actor module on the batch's ``input_ids`` and
returns the raw logits that predict each response token (the slice ``[:, P-1 : P+R-1]``, verl's
own ``[:, -R-1:-1]``); the README shows how a worker method calls it before and after
``update_actor``.

Needs numpy only for :func:`dump_batch` (torch tensors are read by duck typing); torch for
:func:`response_logits`. verl itself is not imported.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

import numpy as np
from numpy.typing import NDArray

from . import export

__all__ = ["dump_batch", "response_logits", "group_ids_from_uid"]


def group_ids_from_uid(uid: Any) -> NDArray[np.int64]:
    """Integer group ids (0, 1, …, in order of first appearance) from verl's per-response ``uid``.

    Parameters
    ----------
    uid : array-like
        One prompt identifier per response (``batch.non_tensor_batch["uid"]``), any hashable type.

    Returns
    -------
    numpy.ndarray
        int64 group ids, one per response.
    """
    uid = np.asarray(uid, dtype=object).reshape(-1)
    first: dict[Any, int] = {}
    return np.array([first.setdefault(u, len(first)) for u in uid], dtype=np.int64)


def _finite(name: str, value: Any) -> float:
    """``float(value)``, refusing booleans and values that are not finite numbers (named)."""
    if isinstance(value, bool) or not np.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return float(value)


def _check_max_sequences(max_sequences: Any) -> None:
    """``max_sequences`` is None or a positive integer (a negative one would slice from the end)."""
    if max_sequences is None:
        return
    if isinstance(max_sequences, (bool, np.bool_)) or not isinstance(max_sequences, (int, np.integer)) or max_sequences < 1:
        raise ValueError(f"max_sequences must be a positive integer or None, not {max_sequences!r}")


def _get(tensors: Any, key: str) -> Any:
    try:
        return tensors[key] if key in tensors.keys() else None
    except (KeyError, TypeError):
        return None


def dump_batch(
    batch: Any,
    path: Union[str, "os.PathLike[str]"],
    logits: Any = None,
    *,
    entropys: Any = None,
    temperature: Optional[float] = None,
    step: Optional[int] = None,
    lr: Optional[float] = None,
    max_sequences: Optional[int] = None,
    logits_dtype: str = "bf16",
    topk_logprobs: Any = None,
    topk_ids: Any = None,
    vocab_size: Optional[int] = None,
    include_prompts: bool = True,
    optimizer_lr: Optional[float] = None,
) -> str:
    """Write one verl batch (a ``DataProto``) as a DeltaH dump.

    Parameters
    ----------
    batch : verl.DataProto
        The training batch, after ``compute_advantage`` (needs ``responses`` and ``advantages``).
    path : str or os.PathLike
        Output ``.safetensors`` file (written atomically).
    logits : array-like or torch.Tensor, optional
        Raw logits of the response positions, ``[B, R, V]`` (or ``[max_sequences, R, V]``), e.g.
        from :func:`response_logits`. Without them the dump holds per-token scalars only.
    entropys : array-like, optional
        verl's per-token ``entropys`` (popped from the batch after logging; keep them to pass here).
        Taken from the batch when it still holds them.
    temperature : float, optional
        The rollout temperature; default ``batch.meta_info["temperature"]``. One of the two is
        required: logits are stored raw and DeltaH divides them by T.
    step : int, optional
        Default ``batch.meta_info["global_steps"]`` when present.
    lr : float, optional
        η, the logit-space step size of the polarity split (metadata ``lr``), as in
        :func:`deltah.export.save_dump`. Not the actor's learning rate (pass that as
        ``optimizer_lr``): verl's ``actor.optim.lr`` as η would scale every polarity by it.
    max_sequences : int, optional
        Keep the first ``max_sequences`` responses (``logits`` may already be cut to them).
    logits_dtype, topk_logprobs, topk_ids, vocab_size
        As in :func:`deltah.export.save_dump`.
    optimizer_lr : float, optional
        The actor's learning rate at this step, recorded as metadata ``optimizer_lr``
        (informational; DeltaH does not read it).
    include_prompts : bool
        Also store ``prompts`` and the prompt part of ``attention_mask`` as the non-contract
        tensors ``prompt_ids`` / ``prompt_mask`` (lets the logits be recomputed from the model).

    Returns
    -------
    str
        The path written.

    Raises
    ------
    ValueError
        When a required tensor is missing, shapes disagree, or no temperature is known.
    """
    _check_max_sequences(max_sequences)
    tensors = batch.batch
    meta = dict(getattr(batch, "meta_info", None) or {})
    non_tensor = getattr(batch, "non_tensor_batch", None) or {}
    responses = _get(tensors, "responses")
    advantages = _get(tensors, "advantages")
    if responses is None:
        raise ValueError("batch has no 'responses' tensor")
    if advantages is None:
        raise ValueError("batch has no 'advantages' tensor (dump after compute_advantage)")
    b, r = responses.shape[0], responses.shape[1]
    mask = _get(tensors, "response_mask")
    attention = _get(tensors, "attention_mask")
    if mask is None:
        if attention is None:
            raise ValueError("batch has neither 'response_mask' nor 'attention_mask'")
        mask = attention[:, -r:]  # what verl's compute_response_mask does
    if temperature is None:
        if "temperature" not in meta:
            raise ValueError("no temperature: pass temperature= or set batch.meta_info['temperature']")
        temperature = float(meta["temperature"])
    if step is None and "global_steps" in meta:
        step = int(meta["global_steps"])
    n = b if max_sequences is None else min(b, int(max_sequences))

    def rows(x: Any) -> Any:
        return None if x is None else x[:n]

    groups = None
    if "uid" in non_tensor:
        groups = np.repeat(group_ids_from_uid(non_tensor["uid"])[:, None], r, axis=1)
    if entropys is None:
        entropys = _get(tensors, "entropys")
    if logits is not None and logits.shape[0] not in (b, n):
        raise ValueError(f"logits have {logits.shape[0]} rows; the batch has {b} (max_sequences {n})")
    extra = None
    prompts = _get(tensors, "prompts")
    if include_prompts and prompts is not None and attention is not None:
        p = prompts.shape[1]
        extra = {"prompt_ids": rows(prompts), "prompt_mask": rows(attention[:, :p])}
    export.save_dump(
        path, logits=rows(logits), token_ids=rows(responses), advantages=rows(advantages), mask=rows(mask),
        old_logprobs=rows(_get(tensors, "old_log_probs")), logprobs=rows(_get(tensors, "log_probs")),
        entropy=rows(entropys), group_ids=rows(groups), topk_logprobs=rows(topk_logprobs), topk_ids=rows(topk_ids),
        sequence_ids=np.repeat(np.arange(n)[:, None], r, axis=1),
        temperature=temperature, step=step, lr=lr, logits_dtype=logits_dtype, vocab_size=vocab_size, extra=extra,
        metadata={"source": "deltah.verl.dump_batch",
                  **({} if optimizer_lr is None else {"optimizer_lr": repr(_finite("optimizer_lr", optimizer_lr))})},
    )
    return os.fspath(path)


def response_logits(module: Any, batch: Any, max_sequences: Optional[int] = None) -> Any:
    """Raw logits that predict each response token, from a plain forward of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        A Hugging Face causal LM (verl's actor module; FSDP-wrapped modules work when every rank
        calls this on the same batch, as a ``Dispatch.ONE_TO_ALL`` worker method does).
    batch : verl.DataProto
        Needs ``input_ids``, ``attention_mask`` and ``responses``; ``position_ids`` ``[B, P+R]``
        are passed when present (verl computes them from the attention mask); multimodal
        position ids (``[B, 3, P+R]``) and a batch with ``non_tensor_batch["multi_modal_inputs"]``
        are refused: text-only models.
    max_sequences : int, optional
        Score only the first responses.

    Returns
    -------
    torch.Tensor
        ``[n, R, V]`` float32 on the CPU: position t holds the logits for response token t
        (sequence position P−1+t), before any temperature.
    """
    import torch

    _check_max_sequences(max_sequences)
    tensors = batch.batch
    ids, attention = tensors["input_ids"], tensors["attention_mask"]
    r = tensors["responses"].shape[1]
    n = ids.shape[0] if max_sequences is None else min(ids.shape[0], int(max_sequences))
    images = getattr(batch, "non_tensor_batch", None) or {}
    if "multi_modal_inputs" in images:
        raise ValueError("batch has non_tensor_batch['multi_modal_inputs']: response_logits scores text-only "
                         "models; a forward without the images would not give the trained policy's logits")
    kwargs = {"input_ids": ids[:n], "attention_mask": attention[:n], "use_cache": False}
    positions = _get(tensors, "position_ids")
    if positions is not None:
        if positions.dim() != 2:
            raise ValueError(f"position_ids has shape {tuple(positions.shape)}, not [B, P+R]: multimodal (M-RoPE) "
                             "position ids are not supported; response_logits scores text-only models")
        kwargs["position_ids"] = positions[:n]
    device = next(module.parameters()).device
    kwargs = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in kwargs.items()}
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(**kwargs)
    finally:
        module.train(was_training)
    return out.logits[:, -r - 1 : -1].float().cpu()
