"""Capture before/after logits from a running TRL ``GRPOTrainer`` in the DeltaH dump contract.

One line in a training script::

    from deltah.trl import capture
    trainer = GRPOTrainer(model=..., reward_funcs=..., args=..., train_dataset=...)
    capture(trainer, "dumps", every=1, max_sequences=64)
    trainer.train()

On every ``every``-th optimizer step ``s`` this writes

* ``dumps/step_{s:06d}.before.safetensors``: the raw logits of that step's completions under the
  policy just before ``optimizer.step()`` (after the backward passes and gradient clipping, so
  exactly the parameters the update starts from);
* ``dumps/step_{s:06d}.after.safetensors``: the same positions just after the step.

``deltah compare step_000001.before.safetensors step_000001.after.safetensors`` then gives the
actual ΔH per position next to Lemma 1's first-order prediction.

How it hooks in (checked against TRL 1.16 and transformers 5.24; see ``README``):

* ``trainer.compute_loss`` is wrapped on the instance. On a step that will be captured it keeps
  references to each micro-batch's ``prompt_ids``, ``prompt_mask``, ``completion_ids``,
  ``completion_mask``, ``advantages`` and (when TRL has them) ``old_per_token_logps``; on other
  steps it only compares two integers.
* ``trainer._generate_and_score_completions`` is wrapped to tag each completion with its prompt
  group *before* TRL shuffles the generation batch: GRPO's groups are ``num_generations``
  consecutive completions of the gathered batch, so the group of local row ``r`` on process ``p``
  is ``(p * B_local + r) // num_generations``.
* A ``TrainerCallback`` runs the *before* forward in ``on_pre_optimizer_step`` and the *after*
  forward in ``on_step_end`` (after ``optimizer.step()`` and the scheduler step). Both are plain
  forwards (``model(input_ids, attention_mask)`` without TRL's ``fused_lm_head``) under
  ``torch.no_grad()``, in eval mode, inside the accelerator's autocast (with
  ``cast_lm_head_to_fp32`` the LM head in float32 outside it, as TRL's own pass), on the concatenation of
  prompt and completion; the completion logits are the slice ``[:, P-1 : P+C-1]`` (P, C the
  prompt and completion widths). That is one forward over the captured sequences per dump, two per
  captured step, none on other steps.

Tensors written (positions ``[B, C]``): ``logits`` (raw, before TRL divides by the temperature;
``logits="full"``) or ``topk_logprobs`` + ``topk_ids`` + ``logprobs`` (``logits="topk"``: the
top-k log-probabilities of softmax(z/T) and the sampled token's log-probability, all over the full
vocabulary) plus the non-contract ``lse`` = logsumexp(z/T) over the full vocabulary, so that the
raw top-k logits are ``T * (topk_logprobs + lse)``; ``token_ids`` (completion tokens),
``mask`` (the positions TRL's loss uses: the completion mask, times TRL's ``tool_mask`` in
multi-turn tool calls, whose tool results are attended to but not trained on), ``advantages`` (one
per completion, broadcast over its tokens), ``group_ids`` (prompt groups), ``old_logprobs`` (TRL's
``old_per_token_logps`` when present), and the non-contract ``prompt_ids`` / ``prompt_mask``
(``[B, P]``, left-padded; plus ``completion_mask``, the completion's attention mask, when it
differs from ``mask``) so that a dump can be recomputed from the model alone. Metadata:
``temperature`` (``trainer.temperature``), ``step``
(the optimizer step, ``state.global_step`` after the step), ``optimizer_lr`` (the scheduler's
learning rate used by this step, read before ``optimizer.step()``), ``vocab_size``, ``phase``
(before/after), ``capture_logits`` (full/topk) and ``source``. The optimizer's learning rate is
*not* written as ``lr``: DeltaH reads ``lr`` as η, the logit-space step size of the polarity split,
which the optimizer's learning rate is not (it would scale every polarity by, e.g., 5e-4); without
``lr`` the analysis uses η = 1 and says so.

With gradient accumulation the step's micro-batches are concatenated (padded to the widest prompt
and completion; padded positions have mask 0 and logits 0), so there is one pair per optimizer
step. ``max_sequences`` keeps the first completions in the order the trainer processed them.

Failures never stop training: an exception while capturing (a full disk, an out-of-memory forward)
is logged as a warning (``warnings.warn`` and the ``deltah.trl`` logger), recorded in
``callback.failures``, and that step's dumps are skipped (a file is either complete or absent: the
writer renames a finished temporary file into place; a before dump whose after dump failed is
removed, both the file written and the name it was written under when that is a symbolic link,
and a file an earlier run left under a failed step's before or after name is removed too, so every
step has both files of this run or neither). A failure while recording a micro-batch skips its whole
step, so no pair holds part of a step's micro-batches.

With several processes (data parallel) each process captures its own completions into
``step_{s:06d}.process{p}.{phase}.safetensors`` (metadata ``process`` = ``"p of n"``); a single
process writes the plain names above.

Limits: text-only models: a micro-batch with multimodal inputs (``pixel_values`` and the other
``MULTIMODAL_KEYS``) makes that step's capture fail with a warning naming them, since the text-only
forward would not give the trained policy's logits; models whose parameters are sharded across
processes (DeepSpeed ZeRO-3, FSDP) are not supported, since the forward runs on the local module
outside the engine.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import numbers
import os
import stat
import time
import warnings
from typing import Any, Iterator, Optional, Union

from . import export
from ._output import resolve_destination

try:  # optional extra: pip install 'deltah[trl]'
    import torch
    from transformers import TrainerCallback
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "deltah.trl needs torch and transformers (and trl for GRPOTrainer): pip install 'deltah[trl]'"
    ) from error

__all__ = ["capture", "LogitCapture", "GROUP_KEY", "MULTIMODAL_KEYS"]

logger = logging.getLogger("deltah.trl")

#: Key under which the capture tags each completion's prompt group in TRL's generation batch.
GROUP_KEY = "_deltah_group_ids"

#: Inputs TRL hands to a vision-language policy's forward; the capture's forward is text-only, so a
#: micro-batch holding any of them is refused (its logits would not be the trained policy's).
MULTIMODAL_KEYS = ("pixel_values", "image_grid_thw", "num_images", "pixel_attention_mask", "spatial_shapes",
                   "num_tiles", "image_sizes", "token_type_ids", "mm_token_type_ids", "image_position_ids")

_LOGIT_MODES = ("full", "topk")
_DTYPES = ("bf16", "f32", "f16")


def capture(
    trainer: Any,
    output_dir: Union[str, "os.PathLike[str]"],
    every: int = 1,
    max_sequences: Optional[int] = None,
    logits: str = "full",
    top_k: Optional[int] = None,
    dtype: str = "bf16",
    linearize: bool = False,
) -> "LogitCapture":
    """Install before/after logit capture on a TRL ``GRPOTrainer`` (or subclass) instance.

    Parameters
    ----------
    trainer : trl.GRPOTrainer
        The trainer, before ``trainer.train()``.
    output_dir : str or os.PathLike
        Folder for the dumps (created if missing).
    every : int
        Capture optimizer steps ``every, 2*every, ...`` (steps count from 1).
    max_sequences : int, optional
        Capture at most this many completions per step (the first ones the trainer processed in
        that step). ``None`` captures all of the step's completions on this process.
    logits : {"full", "topk"}
        ``"full"``: the raw logits over the whole vocabulary. ``"topk"``: the ``top_k`` largest
        log-probabilities of softmax(z/T), their token ids, the sampled token's log-probability and
        the full-vocabulary log-sum-exp (for large vocabularies).
    top_k : int, optional
        k for ``logits="topk"`` (required there, not allowed with ``"full"``).
    dtype : {"bf16", "f32", "f16"}
        Storage type of full logits (BF16 by default: 2 bytes per value). Top-k values are F32.
    linearize : bool
        Also write ``step_*.jvp.safetensors`` per captured step: J·Δθ of the captured logits for the
        step's exact update, ∇θH̄·Δθ and the ΔH predicted from the update predicted before the step
        (SGD, Adam, AdamW); see :mod:`deltah.trl_linearize`. Records go to ``callback.linearized``.
        Needs ``logits="full"``.

    Returns
    -------
    LogitCapture
        The installed callback (``.written`` lists the dump pairs, ``.failures`` the skipped steps,
        ``.timings`` the seconds spent per captured step).

    Raises
    ------
    ValueError
        For an invalid argument (named in the message), or a trainer that already has a capture.
    TypeError
        When ``trainer`` does not look like a transformers ``Trainer``.
    """
    if not (hasattr(trainer, "add_callback") and hasattr(trainer, "compute_loss") and hasattr(trainer, "state")):
        raise TypeError(f"capture needs a transformers/TRL Trainer instance, got {type(trainer).__name__}")
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
        raise ValueError(f"every must be a positive integer, not {every!r}")
    if max_sequences is not None and (isinstance(max_sequences, bool) or not isinstance(max_sequences, numbers.Integral)
                                      or max_sequences < 1):
        raise ValueError(f"max_sequences must be a positive integer or None, not {max_sequences!r}")
    if logits not in _LOGIT_MODES:
        raise ValueError(f"logits must be 'full' or 'topk', not {logits!r}")
    if logits == "topk":
        if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1:
            raise ValueError(f"logits='topk' needs top_k, a positive integer, not {top_k!r}")
    elif top_k is not None:
        raise ValueError("top_k is only used with logits='topk'")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be 'bf16', 'f32' or 'f16', not {dtype!r}")
    if any(isinstance(cb, LogitCapture) for cb in getattr(getattr(trainer, "callback_handler", None), "callbacks", [])):
        raise ValueError("this trainer already has a deltah capture installed; use one capture per trainer")
    if linearize:
        if logits != "full":
            raise ValueError("linearize=True needs logits='full': compare --linearized pairs J·Δθ with full before logits")
        try:
            from . import linearize as _linearize  # noqa: F401
        except ImportError as error:
            raise ValueError("linearize=True needs deltah.linearize, which this installation does not have") from error
    callback = LogitCapture(
        trainer, os.fspath(output_dir), every=int(every), max_sequences=None if max_sequences is None else int(max_sequences),
        logits=logits, top_k=None if top_k is None else int(top_k), dtype=dtype, linearize=linearize,
    )
    callback._install()
    return callback


# TrainerCallback is Any where transformers is not installed (the light test venv).
class LogitCapture(TrainerCallback):  # type: ignore[misc, unused-ignore]
    """The callback :func:`capture` installs; see the module docstring for what it does.

    Attributes
    ----------
    written : list of tuple of str
        ``(before_path, after_path)`` for every step captured so far.
    failures : list of str
        One message per step whose capture failed (training went on).
    timings : dict of int to float
        Seconds spent capturing (both forwards and both writes) per captured step.
    """

    def __init__(self, trainer: Any, output_dir: str, *, every: int, max_sequences: Optional[int], logits: str,
                 top_k: Optional[int], dtype: str, linearize: bool) -> None:
        if logits == "topk" and top_k is None:
            raise ValueError("logits='topk' needs top_k, a positive integer, not None")
        self.trainer = trainer
        self.output_dir = output_dir
        self.every = every
        self.max_sequences = max_sequences
        self.logits_mode = logits
        self.top_k = top_k
        self.dtype = dtype
        self.linearize = linearize
        self.written: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self.timings: dict[int, float] = {}
        self.linearized: dict[int, dict[str, Any]] = {}  # linearize=True: per step, deltah.trl_linearize's record
        self._recorded: list[dict[str, Any]] = []
        self._pending: Optional[dict[str, Any]] = None
        self._accepts_logits_to_keep: Optional[bool] = None
        self._vocab_seen: Optional[int] = None
        self._skipped_step: Optional[int] = None  # a step whose inputs could not be recorded

    # -- installation -----------------------------------------------------------------------------

    def _install(self) -> None:
        os.makedirs(self.output_dir, exist_ok=True)
        trainer = self.trainer
        original_loss = trainer.compute_loss

        def compute_loss(model: Any, inputs: Any, *args: Any, **kwargs: Any) -> Any:
            groups = None
            if isinstance(inputs, dict) and GROUP_KEY in inputs:
                groups = inputs[GROUP_KEY]
                # A copy without the tag: TRL reuses the buffered dict across iterations.
                inputs = {k: v for k, v in inputs.items() if k != GROUP_KEY}
            if self._wants(model):
                try:
                    self._record(inputs, groups)
                except Exception as error:  # never let capture break training
                    # The whole step is skipped: a pair of part of its micro-batches would pass as all.
                    self._recorded, self._skipped_step = [], trainer.state.global_step + 1
                    self._fail(trainer.state.global_step + 1, "recording the inputs", error)
            return original_loss(model, inputs, *args, **kwargs)

        trainer.compute_loss = compute_loss
        generate = getattr(trainer, "_generate_and_score_completions", None)
        if generate is not None:
            def generate_and_score(*args: Any, **kwargs: Any) -> Any:
                out = generate(*args, **kwargs)
                try:
                    self._tag_groups(out)
                except Exception as error:
                    self._fail(trainer.state.global_step + 1, "tagging prompt groups", error)
                return out

            trainer._generate_and_score_completions = generate_and_score
        else:
            warnings.warn("deltah.trl.capture: this trainer has no _generate_and_score_completions; dumps get no group_ids")
        trainer.add_callback(self)

    def _tag_groups(self, out: Any) -> None:
        if not isinstance(out, dict) or "completion_ids" not in out:
            return
        n = out["completion_ids"].shape[0]
        g = int(getattr(self.trainer, "num_generations", 0) or 0)
        if g < 1:
            return
        process, _ = self._process()
        rows = torch.arange(n, device=out["completion_ids"].device) + process * n
        out[GROUP_KEY] = rows // g

    # -- per micro-batch -------------------------------------------------------------------------

    def _wants(self, model: Any) -> bool:
        step = self.trainer.state.global_step + 1
        return bool(getattr(model, "training", True)) and step % self.every == 0 and step != self._skipped_step

    def _recorded_rows(self) -> int:
        return sum(r["completion_ids"].shape[0] for r in self._recorded)

    def _record(self, inputs: dict[str, Any], groups: Any) -> None:
        if self.max_sequences is not None and self._recorded_rows() >= self.max_sequences:
            return
        images = [k for k in MULTIMODAL_KEYS if inputs.get(k) is not None]
        if images:
            raise ValueError(f"the micro-batch has multimodal inputs ({', '.join(images)}); the capture's forward "
                             "is text-only and would not give the trained policy's logits")
        keep = {k: inputs[k].detach() for k in ("prompt_ids", "prompt_mask", "completion_ids", "completion_mask", "advantages")}
        # The positions TRL trains on: tool results (multi-turn tool calls) are in completion_mask,
        # which the forward attends to, but not in the loss mask completion_mask * tool_mask.
        tool = inputs.get("tool_mask")
        mask = keep["completion_mask"]
        keep["mask"] = mask if tool is None else mask * tool.detach().to(mask.dtype)
        old = inputs.get("old_per_token_logps")
        keep["old_logprobs"] = old.detach() if old is not None else None
        keep["group_ids"] = groups.detach() if groups is not None else None
        self._recorded.append(keep)

    # -- callback events -------------------------------------------------------------------------

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._recorded = []

    def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None, optimizer: Any = None,
                              lr_scheduler: Any = None, **kwargs: Any) -> None:
        step = state.global_step + 1
        recorded, self._recorded = self._recorded, []
        self._pending = None
        if step % self.every or not recorded:
            return
        start = time.perf_counter()
        try:
            batch = self._assemble(recorded)
            pending = {
                "step": step, "batch": batch, "lr": self._learning_rate(lr_scheduler, optimizer),
                "temperature": _trainer_temperature(self.trainer), "seconds": 0.0,
            }
            if self.linearize:
                self._predict_before_step(pending, model, optimizer)
            before = self._forward(model, batch)
            if self.linearize:
                pending["before"] = before
            self._write(pending, "before", before)
            pending["seconds"] = time.perf_counter() - start
            self._pending = pending
        except Exception as error:
            self._discard(step)
            self._fail(step, "the before dump", error)

    def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        pending, self._pending = self._pending, None
        if pending is None or pending["step"] != state.global_step:
            return
        start = time.perf_counter()
        try:
            self._write(pending, "after", self._forward(model, pending["batch"]))
            if self.linearize:
                self._linearize_step(pending, model)
            self.written.append((self._path(pending["step"], "before"), self._path(pending["step"], "after")))
        except Exception as error:
            self._discard(pending["step"], pending)
            self._fail(pending["step"], "the after dump (its before dump was removed)", error)
        self.timings[pending["step"]] = pending["seconds"] + time.perf_counter() - start

    def _discard(self, step: int, pending: Optional[dict[str, Any]] = None) -> None:
        """Leave a failed step with neither file: the step's pair is complete or absent.

        Removes the before file this run wrote (through a symbolic link: the link's target) and
        whatever regular file or symbolic link is left under the step's before and after names (a
        file of an earlier run there would otherwise pair with nothing, or with the wrong dump).
        Folders, FIFOs and other special files are left alone."""
        paths = [] if pending is None else [pending.get("before_file")]
        paths += [self._path(step, "before"), self._path(step, "after")]
        for path in dict.fromkeys(p for p in paths if p):
            try:
                kind = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISREG(kind) or stat.S_ISLNK(kind):
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def _predict_before_step(self, pending: dict[str, Any], model: Any, optimizer: Any) -> None:
        """linearize=True, before ``optimizer.step()``: θ_before and the predicted Δθ (deltah.trl_linearize)."""
        from .trl_linearize import predict_before_step

        try:
            predict_before_step(pending, model, optimizer)
        except NotImplementedError as error:  # an optimizer predict_update does not model: J·Δθ still runs
            self._fail(pending["step"], "predicting the update before the step", error)

    def _linearize_step(self, pending: dict[str, Any], model: Any) -> None:
        """linearize=True, after the step: J·Δθ, ∇θH̄·Δθ and the jvp dump (deltah.trl_linearize)."""
        from .trl_linearize import linearize_step

        if "theta_before" not in pending:
            return
        try:
            self.linearized[pending["step"]] = linearize_step(self, pending, model)
        except Exception as error:  # the before/after pair stays valid without the jvp dump
            self._fail(pending["step"], "the linearised capture (jvp dump)", error)

    # -- helpers ---------------------------------------------------------------------------------

    def _fail(self, step: int, what: str, error: BaseException) -> None:
        message = f"deltah.trl.capture: step {step}: {what} failed ({type(error).__name__}: {error}); training continues"
        self.failures.append(message)
        logger.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)

    def _process(self) -> tuple[int, int]:
        """(index of this process, number of processes) from the trainer's accelerator; (0, 1) without one."""
        accelerator = getattr(self.trainer, "accelerator", None)
        return (int(getattr(accelerator, "process_index", 0) or 0), int(getattr(accelerator, "num_processes", 1) or 1))

    def _path(self, step: int, phase: str) -> str:
        """``step_{step:06d}.{phase}.safetensors``; with several processes
        ``step_{step:06d}.process{p}.{phase}.safetensors``, so that processes never share a file."""
        process, count = self._process()
        tag = f".process{process}" if count > 1 else ""
        return os.path.join(self.output_dir, f"step_{step:06d}{tag}.{phase}.safetensors")

    @staticmethod
    def _learning_rate(lr_scheduler: Any, optimizer: Any) -> Optional[float]:
        """The learning rate ``optimizer.step()`` is about to use (the scheduler has not stepped yet)."""
        if lr_scheduler is not None and hasattr(lr_scheduler, "get_last_lr"):
            try:
                return float(lr_scheduler.get_last_lr()[0])
            except Exception:
                pass
        if optimizer is not None and getattr(optimizer, "param_groups", None):
            return float(optimizer.param_groups[0]["lr"])
        return None

    def _assemble(self, recorded: list[dict[str, Any]]) -> dict[str, Any]:
        """The step's micro-batches as one batch: rows concatenated, prompts left-padded and
        completions right-padded to common widths (mask 0), cut to ``max_sequences`` rows."""
        pad = getattr(getattr(self.trainer, "processing_class", None), "pad_token_id", None)
        pad = int(pad) if pad is not None else 0
        width_p = max(r["prompt_ids"].shape[1] for r in recorded)
        width_c = max(r["completion_ids"].shape[1] for r in recorded)
        parts: dict[str, list[Any]] = {k: [] for k in ("prompt_ids", "prompt_mask", "completion_ids", "completion_mask",
                                                  "mask", "advantages", "old_logprobs", "group_ids")}
        micro: list[dict[str, Any]] = []
        for r in recorded:
            b, p = r["prompt_ids"].shape
            c = r["completion_ids"].shape[1]
            micro.append({k: r[k] for k in ("prompt_ids", "prompt_mask", "completion_ids", "completion_mask", "mask")})
            parts["prompt_ids"].append(torch.nn.functional.pad(r["prompt_ids"], (width_p - p, 0), value=pad))
            parts["prompt_mask"].append(torch.nn.functional.pad(r["prompt_mask"], (width_p - p, 0), value=0))
            parts["completion_ids"].append(torch.nn.functional.pad(r["completion_ids"], (0, width_c - c), value=pad))
            parts["completion_mask"].append(torch.nn.functional.pad(r["completion_mask"], (0, width_c - c), value=0))
            parts["mask"].append(torch.nn.functional.pad(r["mask"], (0, width_c - c), value=0))
            adv = r["advantages"]
            adv = adv[:, None].expand(b, c) if adv.dim() == 1 else adv
            parts["advantages"].append(torch.nn.functional.pad(adv.float(), (0, width_c - c), value=0.0))
            old = r["old_logprobs"]
            parts["old_logprobs"].append(None if old is None else torch.nn.functional.pad(old.float(), (0, width_c - c), value=0.0))
            grp = r["group_ids"]
            parts["group_ids"].append(None if grp is None else grp[:, None].expand(b, width_c))
        batch: dict[str, Any] = {}
        for key, values in parts.items():
            batch[key] = None if any(v is None for v in values) else torch.cat([v.cpu() for v in values], 0)
        limit = self.max_sequences
        rows = batch["completion_ids"].shape[0]
        if limit is not None and rows > limit:
            batch = {k: (None if v is None else v[:limit]) for k, v in batch.items()}
        batch["micro_batches"] = micro
        batch["widths"] = (width_p, width_c)
        batch["rows"] = min(rows, limit) if limit is not None else rows
        return batch

    def _forward_kwargs(self, model: Any, c: int) -> dict[str, Any]:
        if self._accepts_logits_to_keep is None:
            try:
                params = inspect.signature(model.forward).parameters
                self._accepts_logits_to_keep = "logits_to_keep" in params
            except (TypeError, ValueError):
                self._accepts_logits_to_keep = False
        return {"logits_to_keep": c + 1} if self._accepts_logits_to_keep else {}

    def _forward(self, model: Any, batch: dict[str, Any]) -> dict[str, Any]:
        """Raw completion logits (or their top-k summary) for the assembled batch, on the CPU (no grad)."""
        with torch.no_grad():
            return self._forward_no_grad(model, batch)

    def _forward_no_grad(self, model: Any, batch: dict[str, Any]) -> dict[str, Any]:
        width_c = batch["widths"][1]
        chunks = []
        was_training = model.training
        model.eval()
        try:
            for ids, attention, completion, _ in _captured_micro_batches(batch):
                c = completion.shape[1]
                kwargs = self._forward_kwargs(model, c)
                with _autocast(self.trainer), _float32_lm_head(self.trainer, model):
                    out = model(input_ids=ids, attention_mask=attention, use_cache=False, **kwargs)
                z = out.logits[:, -(c + 1):-1]  # the logits that predict completion tokens 0..C-1
                self._vocab_seen = int(z.shape[-1])
                chunks.append(self._summarise(z, completion, width_c))
        finally:
            model.train(was_training)
        return {k: torch.cat([ch[k] for ch in chunks], 0) for k in chunks[0]}

    def _summarise(self, z: Any, completion: Any, width_c: int) -> dict[str, Any]:
        c = z.shape[1]
        if self.logits_mode == "full":
            # BF16 is rounded here (torch's round-to-nearest-even; stored bit for bit); F16 is left to
            # deltah.export, which refuses logits beyond F16's range instead of storing Inf.
            stored = {"bf16": torch.bfloat16, "f32": torch.float32, "f16": torch.float32}[self.dtype]
            z = z.to(stored).cpu()
            return {"logits": torch.nn.functional.pad(z, (0, 0, 0, width_c - c), value=0.0)}
        temperature = _trainer_temperature(self.trainer)
        x = z.float() / temperature
        lse = torch.logsumexp(x, dim=-1)
        logp = x - lse[..., None]
        if self.top_k is None:  # refused by __init__
            raise ValueError("logits='topk' needs top_k")
        k = min(self.top_k, x.shape[-1])
        values, ids = logp.topk(k, dim=-1)
        sampled = logp.gather(-1, completion[..., None].to(logp.device).long())[..., 0]
        out = {"topk_logprobs": values, "topk_ids": ids, "logprobs": sampled, "lse": lse}
        padded: dict[str, Any] = {}
        for key, value in out.items():
            value = value.cpu()
            pads = (0, 0, 0, width_c - c) if value.dim() == 3 else (0, width_c - c)
            padded[key] = torch.nn.functional.pad(value, pads, value=0)
        return padded

    def _write(self, pending: dict[str, Any], phase: str, result: dict[str, Any]) -> None:
        batch = pending["batch"]
        rows = batch["rows"]
        vocab = result["logits"].shape[-1] if "logits" in result else self._vocab_seen
        fields = dict(
            token_ids=batch["completion_ids"], mask=batch["mask"], advantages=batch["advantages"],
            old_logprobs=batch["old_logprobs"], group_ids=batch["group_ids"],
        )
        extra = {"prompt_ids": batch["prompt_ids"], "prompt_mask": batch["prompt_mask"]}
        process, count = self._process()
        if not torch.equal(batch["mask"], batch["completion_mask"]):  # tool results: attended, not trained on
            extra["completion_mask"] = batch["completion_mask"]
        if "logits" in result:
            fields["logits"] = result["logits"]
        else:
            fields.update(topk_logprobs=result["topk_logprobs"], topk_ids=result["topk_ids"], logprobs=result["logprobs"])
            extra["lse"] = result["lse"]
        fields = {k: (v[:rows] if v is not None else None) for k, v in fields.items()}
        extra = {k: v[:rows] for k, v in extra.items()}
        path = self._path(pending["step"], phase)
        pending[f"{phase}_file"] = resolve_destination(path)  # the file written (a link's target)
        export.save_dump(
            path, temperature=pending["temperature"], step=pending["step"],
            logits_dtype=self.dtype, vocab_size=vocab, extra=extra,
            metadata={"phase": phase, "capture_logits": self.logits_mode, "source": "deltah.trl.capture",
                      **({"process": f"{process} of {count}"} if count > 1 else {}),
                      **({} if pending["lr"] is None else {"optimizer_lr": repr(float(pending["lr"]))})},
            **fields,
        )


def _trainer_temperature(trainer: Any) -> float:
    """The trainer's sampling temperature T (``trainer.temperature``, which ``GRPOTrainer`` always
    has); a trainer without one is taken as sampling at T = 1, with a warning saying so, since the
    dumps then record a T that no setting gave."""
    temperature = getattr(trainer, "temperature", None)
    if temperature is None:
        warnings.warn("deltah.trl.capture: the trainer has no 'temperature'; the dumps record T = 1.0 "
                      "(logits taken as sampled at T = 1)", stacklevel=2)
        return 1.0
    return float(temperature)


def _captured_micro_batches(batch: dict[str, Any]) -> Iterator[tuple[Any, Any, Any, Any]]:
    """The assembled batch's micro-batches cut to its captured rows.

    Parameters
    ----------
    batch : dict
        ``{"rows", "micro_batches": [{"prompt_ids", "prompt_mask", "completion_ids", "completion_mask", "mask"}]}``.

    Yields
    ------
    tuple
        ``(ids, attention, completion_ids, mask)`` per micro-batch, prompt and completion
        concatenated (``attention`` from the prompt and completion masks), ``mask`` the positions
        TRL's loss uses (completion mask times TRL's ``tool_mask`` when it has one), until
        ``batch["rows"]`` rows have been given.
    """
    rows_left = batch["rows"]
    for mb in batch["micro_batches"]:
        if rows_left <= 0:
            break
        take = min(rows_left, mb["completion_ids"].shape[0])
        rows_left -= take
        completion = mb["completion_ids"][:take]
        ids = torch.cat([mb["prompt_ids"][:take], completion], 1)
        attention = torch.cat([mb["prompt_mask"][:take], mb["completion_mask"][:take]], 1)
        yield ids, attention, completion, mb["mask"][:take]


@contextlib.contextmanager
def _float32_lm_head(trainer: Any, model: Any) -> Iterator[None]:
    """With ``GRPOConfig(cast_lm_head_to_fp32=True)``: the model's LM head projects in float32,
    outside autocast, as TRL's own log-probabilities do (its fused LM head upcasts the hidden states
    and disables autocast; TRL's cast of the head module alone does not survive autocast). The
    head's ``forward`` is restored afterwards. A no-op without the option.

    Parameters
    ----------
    trainer : trl.GRPOTrainer
    model : transformers.PreTrainedModel
        The model about to run the captured forward.
    """
    if not getattr(getattr(trainer, "args", None), "cast_lm_head_to_fp32", False):
        yield
        return
    head = model.get_output_embeddings()
    if head is None or not hasattr(head, "weight"):
        raise ValueError("cast_lm_head_to_fp32 is set but the model has no linear output embedding to run in float32")
    missing = object()
    previous = head.__dict__.get("forward", missing)

    def forward(hidden: Any, *args: Any, **kwargs: Any) -> Any:
        with torch.autocast(hidden.device.type, enabled=False):
            bias = None if getattr(head, "bias", None) is None else head.bias.float()
            return torch.nn.functional.linear(hidden.float(), head.weight.float(), bias)

    head.forward = forward
    try:
        yield
    finally:
        if previous is missing:
            del head.forward
        else:
            head.forward = previous


def _autocast(trainer: Any) -> Any:
    """The trainer's ``accelerator.autocast()`` context, or a no-op without an accelerator."""
    if hasattr(trainer, "accelerator"):
        return trainer.accelerator.autocast()
    return contextlib.nullcontext()
