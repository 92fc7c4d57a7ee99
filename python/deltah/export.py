"""Export RL training tensors in the DeltaH logit-dump format.

DeltaH (Swift) reads one file per training step. This module writes that file from numpy
arrays or torch tensors without needing torch itself: torch tensors are recognised by duck
typing (``.detach()``, ``.cpu()``, ``.numpy()``).

The dump contract (shapes use ``P`` for the position shape, ``[N]`` or ``[B, T]``):

============== ============= ===================================
name           shape         stored as
============== ============= ===================================
logits         P + [V]       BF16 (default), F32 or F16
token_ids      P             I64
advantages     P             F32
mask           P             U8 (0/1)
old_logprobs   P             F32
logprobs       P             F32
entropy        P             F32
sequence_ids   P             I64
group_ids      P             I64
topk_logprobs  P + [k]       F32
topk_ids       P + [k]       I64
============== ============= ===================================

Metadata (safetensors ``__metadata__``, strings): ``temperature`` (always), ``step``, ``lr`` (η, the
logit-space step size of the polarity split, not the optimizer's learning rate) and ``vocab_size``
when given. ``vocab_size`` matters for top-k dumps without logits: DeltaH's upper
entropy bound spreads the tail mass over ``V - k`` tokens and needs V.

``logits_dtype`` chooses how logits are stored: ``"bf16"`` (default; 2 bytes per value, what the
model computes under bf16 mixed precision, about 3 significant digits), ``"f32"`` (exact for float32
logits) or ``"f16"`` (IEEE half; largest value 65504). Every other field has a fixed type (table).
A finite value that its storage type cannot hold (|z| > 65504 in F16, a float64 beyond float32's
range) is refused with a ``ValueError`` naming the tensor, never stored as ±Inf (DeltaH would
exclude such positions). NaN or Inf already in the input are stored as given (DeltaH ignores them
at masked positions). ``mask`` must hold 0/1 or booleans. At valid positions, ``topk_ids`` must be
distinct within a row and inside the vocabulary (``0..<V``, V from the logits or ``vocab_size``).

Tensors outside the contract can be added with ``extra={name: array}`` (integers are stored as I64,
booleans as U8, floats as F32); DeltaH keeps them but does not analyse them.

Files are written atomically (a temporary file beside the target, renamed over it) and get the
permissions an ordinary ``open(path, "w")`` would: ``0o666`` minus the process umask. The temporary
never survives: it is removed when the write fails and when SIGTERM, SIGHUP or SIGINT ends the
process during the write (``deltah._temporary``; the process still dies of the signal). As with the
``deltah`` binary, only a regular file or a missing path is replaced; a symbolic link to a regular
file is written through (the link stays); a folder, FIFO, device, socket or dangling link is
refused.

BF16: numpy has no bfloat16, so float32 values are rounded to bfloat16 here by bit
manipulation (round to nearest, ties to even; NaN stays NaN). A torch ``bfloat16`` tensor is
written bit for bit, without a detour through float32.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from typing import Any, Callable, Mapping, Optional, Union

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._output import resolve_destination
from ._temporary import current_umask, temporary_file, write_atomically

__all__ = ["save_dump", "save_npz", "float32_to_bf16_bits", "bf16_bits_to_float32", "CONTRACT_FIELDS"]

_FLOAT_FIELDS = ("advantages", "old_logprobs", "logprobs", "entropy")
_INT_FIELDS = ("token_ids", "sequence_ids", "group_ids")
#: Tensor names DeltaH reads (canonical names; verl aliases are accepted by the reader too).
CONTRACT_FIELDS = (
    "logits", "token_ids", "advantages", "mask", "old_logprobs", "logprobs", "entropy",
    "sequence_ids", "group_ids", "topk_logprobs", "topk_ids",
)
_ALIASES = ("responses", "response_mask", "old_log_probs", "entropys", "log_probs")

#: A numpy array, anything ``np.asarray`` takes, or a torch tensor (read by duck typing).
TensorLike = Any
PathLike = Union[str, "os.PathLike[str]"]


def float32_to_bf16_bits(values: TensorLike) -> NDArray[np.uint16]:
    """Round float32 values to bfloat16 (nearest, ties to even) and return the uint16 bits.

    Parameters
    ----------
    values : array-like
        Converted to float32 first (a float64 input is thus rounded twice).

    Returns
    -------
    numpy.ndarray
        uint16 bit patterns, same shape; NaN stays a (quiet) NaN.
    """
    f32 = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
    bits = f32.view(np.uint32).astype(np.uint64)
    lsb = (bits >> 16) & 1
    rounded = ((bits + 0x7FFF + lsb) >> 16).astype(np.uint16)
    # NaN: truncate and force a quiet-NaN mantissa bit so rounding cannot turn it into Inf.
    nan = np.isnan(f32)
    if nan.any():
        rounded[nan] = ((bits[nan] >> 16) | 0x0040).astype(np.uint16)
    return rounded


def bf16_bits_to_float32(bits: TensorLike) -> NDArray[np.float32]:
    """The float32 values of bfloat16 bit patterns (exact).

    Parameters
    ----------
    bits : array-like of uint16
        bfloat16 bit patterns.

    Returns
    -------
    numpy.ndarray
        float32 values, same shape.
    """
    b = np.asarray(bits, dtype=np.uint16)
    return (b.astype(np.uint32) << 16).view(np.float32)


def _is_torch(x: Any) -> bool:
    return hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy")


def _is_torch_bf16(x: Any) -> bool:
    return _is_torch(x) and str(getattr(x, "dtype", "")) == "torch.bfloat16"


def _to_numpy(x: Any, *, floating: bool) -> np.ndarray:
    """A numpy array from a numpy array, a list, or a torch tensor (duck-typed)."""
    if _is_torch(x):
        x = x.detach()
        if floating and hasattr(x, "float"):
            x = x.float()  # bf16/f16 → f32, f64 stays exact enough for per-token scalars
        x = x.cpu().numpy()
    return np.ascontiguousarray(np.asarray(x))


def _numeric(name: str, x: Any) -> np.ndarray:
    """``_to_numpy`` of a floating field, refusing values that are not numbers (named)."""
    arr = _to_numpy(x, floating=True)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got {arr.dtype}")
    return arr


def _narrow(name: str, arr: np.ndarray, dtype: DTypeLike, stored: str) -> np.ndarray:
    """``arr`` cast to ``dtype``, refusing finite values that the cast turns into ±Inf."""
    if arr.dtype == dtype:
        return arr
    with np.errstate(over="ignore"):
        out = arr.astype(dtype)
    _check_overflow(name, arr, out, stored)
    return out


def _check_overflow(name: str, source: np.ndarray, stored: np.ndarray, kind: str, chunk: int = 1 << 20) -> None:
    """Refuse finite ``source`` values that became ±Inf in ``stored`` (same shape); O(n), in chunks."""
    if not np.issubdtype(source.dtype, np.floating):
        return
    flat_source, flat_stored = source.reshape(-1), stored.reshape(-1)
    for start in range(0, flat_stored.size, chunk):
        piece = flat_stored[start:start + chunk]
        if not np.isinf(piece).any():
            continue
        bad = np.isinf(piece) & np.isfinite(flat_source[start:start + chunk])
        if bad.any():
            first = np.unravel_index(start + int(np.argmax(bad)), source.shape)
            raise ValueError(
                f"{name}: finite values overflow {kind} (first {float(source[first])!r} at index "
                f"{tuple(int(i) for i in first)}); store them in a wider type (logits_dtype='f32' for logits)")


def _torch_bf16_bits(x: Any) -> np.ndarray:
    """Raw bits of a torch bfloat16 tensor, reinterpreted without rounding."""
    import torch  # only reached when a torch tensor was passed in

    t = x.detach().cpu().contiguous()
    return np.ascontiguousarray(t.view(torch.int16).numpy().view(np.uint16))


def _logits_payload(logits: Any, logits_dtype: str) -> tuple[str, np.ndarray]:
    """(safetensors dtype, numpy array holding the stored bits/values)."""
    if logits_dtype not in ("bf16", "f32", "f16"):
        raise ValueError(f"logits_dtype must be 'bf16', 'f32' or 'f16', not {logits_dtype!r}")
    if logits_dtype == "bf16":
        if _is_torch_bf16(logits):
            return "BF16", _torch_bf16_bits(logits)
        arr = _numeric("logits", logits)
        f32 = _narrow("logits", arr, np.float32, "BF16")
        bits = float32_to_bf16_bits(f32)
        _check_overflow("logits", f32, bf16_bits_to_float32(bits), "BF16")
        return "BF16", bits
    arr = _numeric("logits", logits)
    if logits_dtype == "f32":
        return "F32", _narrow("logits", arr, np.float32, "F32")
    return "F16", _narrow("logits", arr, np.float16, "F16")


def _collect(
    *, logits: Any, token_ids: Any, advantages: Any, mask: Any, old_logprobs: Any, logprobs: Any, entropy: Any,
    sequence_ids: Any, group_ids: Any, topk_logprobs: Any, topk_ids: Any, logits_dtype: str,
    extra: Optional[Mapping[str, Any]] = None,
) -> dict[str, tuple[str, np.ndarray]]:
    """Name → (dtype string, array) for every given field, after checking shapes.

    ``extra`` tensors (outside the contract) are added as given; only their names and types are
    checked, not their shapes.
    """
    out: dict[str, tuple[str, np.ndarray]] = {}
    given = dict(
        token_ids=token_ids, advantages=advantages, old_logprobs=old_logprobs, logprobs=logprobs,
        entropy=entropy, sequence_ids=sequence_ids, group_ids=group_ids,
    )
    for name, value in given.items():
        if value is None:
            continue
        if name in _INT_FIELDS:
            arr = _to_numpy(value, floating=False)
            if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
                raise TypeError(f"{name} must be an integer array, got {arr.dtype}")
            out[name] = ("I64", arr.astype(np.int64))
        else:
            out[name] = ("F32", _narrow(name, _numeric(name, value), np.float32, "F32"))
    if mask is not None:
        m = _numeric("mask", mask)
        if not np.isin(m, (0, 1)).all():
            odd = m[~np.isin(m, (0, 1))].reshape(-1)[0]
            raise ValueError(f"mask must hold 0/1 (or booleans); it holds {odd!r}")
        out["mask"] = ("U8", (m != 0).astype(np.uint8))
    if topk_logprobs is not None or topk_ids is not None:
        if topk_logprobs is None or topk_ids is None:
            raise ValueError("topk_logprobs and topk_ids must be given together")
        out["topk_logprobs"] = ("F32", _narrow("topk_logprobs", _numeric("topk_logprobs", topk_logprobs), np.float32, "F32"))
        ids = _to_numpy(topk_ids, floating=False)
        if not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"topk_ids must be an integer array, got {ids.dtype}")
        out["topk_ids"] = ("I64", ids.astype(np.int64))
    if logits is not None:
        out["logits"] = _logits_payload(logits, logits_dtype)

    positions = out["logits"][1].shape[:-1] if "logits" in out else out["token_ids"][1].shape
    if len(positions) not in (1, 2) or int(np.prod(positions)) == 0:
        raise ValueError(f"position shape {tuple(positions)} must be [N] or [B, T] and non-empty")
    for name, (_, arr) in out.items():
        own = arr.shape[:-1] if name in ("logits", "topk_logprobs", "topk_ids") else arr.shape
        if tuple(own) != tuple(positions):
            raise ValueError(f"{name} has shape {arr.shape}; position shape is {tuple(positions)}")
    if "topk_ids" in out and out["topk_ids"][1].shape != out["topk_logprobs"][1].shape:
        raise ValueError("topk_ids and topk_logprobs shapes differ")
    for name, value in (extra or {}).items():
        if name in CONTRACT_FIELDS or name in _ALIASES or name == "__metadata__" or not name:
            raise ValueError(f"extra tensor name {name!r} is a contract field, an alias or reserved")
        if value is None:
            continue
        arr = _to_numpy(value, floating=False)
        if arr.dtype == np.bool_:
            out[name] = ("U8", arr.astype(np.uint8))
        elif np.issubdtype(arr.dtype, np.integer):
            out[name] = ("I64", arr.astype(np.int64))
        elif np.issubdtype(arr.dtype, np.floating):
            out[name] = ("F32", arr.astype(np.float32))
        else:
            raise TypeError(f"extra tensor {name!r} has unsupported type {arr.dtype}")
    return out


def _metadata(temperature: Any, step: Any, lr: Any, vocab_size: Any = None,
              fields: Optional[Mapping[str, "tuple[str, np.ndarray]"]] = None) -> dict[str, str]:
    temperature = float(temperature)
    if not (temperature > 0 and np.isfinite(temperature)):
        raise ValueError(f"temperature must be finite and positive, not {temperature}")
    meta = {"temperature": repr(temperature)}
    if step is not None:
        meta["step"] = str(_integer_step(step))
    if lr is not None:
        eta = _finite_number("lr", lr)
        if eta <= 0:
            raise ValueError(f"lr (η, the logit-space step size) must be positive, not {eta!r}: a negative η flips every polarity")
        meta["lr"] = repr(eta)
    if vocab_size is not None:
        v = int(vocab_size)
        if v != vocab_size or v < 1:
            raise ValueError(f"vocab_size must be a positive integer, not {vocab_size!r}")
        fields = fields or {}
        if "logits" in fields and fields["logits"][1].shape[-1] != v:
            raise ValueError(f"vocab_size {v} differs from the logits' last axis {fields['logits'][1].shape[-1]}")
        if "topk_logprobs" in fields and fields["topk_logprobs"][1].shape[-1] > v:
            raise ValueError(f"vocab_size {v} is smaller than top-k {fields['topk_logprobs'][1].shape[-1]}")
        meta["vocab_size"] = str(v)
    fields = fields or {}
    vocab = fields["logits"][1].shape[-1] if "logits" in fields else (int(vocab_size) if vocab_size is not None else None)
    if "topk_ids" in fields:
        _check_topk_ids(fields, vocab)
    return meta


def _check_topk_ids(fields: Mapping[str, "tuple[str, np.ndarray]"], vocab: Optional[int]) -> None:
    """At valid positions (``mask``, else all): top-k ids in [0, V) (V known from the logits or
    ``vocab_size``) and no id twice in one row; a top-k row is k distinct tokens. O(N k log k)."""
    ids = fields["topk_ids"][1]
    rows = ids.reshape(-1, ids.shape[-1])
    if "mask" in fields:
        rows = rows[fields["mask"][1].reshape(-1) != 0]
    if rows.size == 0:
        return
    low, high = int(rows.min()), int(rows.max())
    if low < 0 or (vocab is not None and high >= vocab):
        bad = low if low < 0 else high
        bound = f"0..<{vocab}" if vocab is not None else "non-negative"
        raise ValueError(f"topk_ids holds {bad} at a valid position, outside the vocabulary ({bound})")
    ordered = np.sort(rows, axis=-1)
    if (ordered[:, 1:] == ordered[:, :-1]).any():
        raise ValueError("topk_ids repeats a token within a row at a valid position; a top-k row is k distinct tokens")


def _finite_number(name: str, value: Any) -> float:
    """``float(value)`` (numpy and 0-d torch scalars too), refusing booleans, text and non-finite values."""
    if not isinstance(value, (bool, np.bool_, str, bytes)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if math.isfinite(number):
            return number
    raise ValueError(f"{name} must be a finite number, not {value!r}")


def _integer_step(step: Any) -> int:
    """``step`` as an int: integers (Python, numpy, 0-d integer tensors) and integral floats."""
    if not isinstance(step, (bool, np.bool_, str, bytes)):
        try:
            return int(step.__index__())
        except (AttributeError, TypeError):
            pass
        try:
            value = float(step)  # numpy and 0-d torch floats too
        except (TypeError, ValueError):
            value = math.nan
        if value.is_integer():
            return int(value)
    raise ValueError(f"step must be an integer, not {step!r}")


def _write_safetensors(path: str, fields: Mapping[str, "tuple[str, np.ndarray]"], metadata: Mapping[str, str]) -> None:
    """Serialise name → (dtype string, array) as safetensors.

    Same conventions as DeltaH's Swift writer and the Rust library: tensors ordered by descending
    element size then name, contiguous from offset 0, ``__metadata__`` first, header JSON padded with
    spaces so the data starts at a multiple of 8 (every tensor is then naturally aligned). Among the
    paddings that keep that, the one that puts ``logits`` on a 64-byte (cache-line) boundary is
    chosen when one exists: DeltaH's SIMD kernels read 32-byte vectors, and a misaligned start
    splits every other load across two cache lines.
    """
    order = sorted(fields, key=lambda n: (-fields[n][1].dtype.itemsize, n.encode()))
    header: dict[str, Any] = {"__metadata__": dict(metadata)}
    offset = 0
    blobs = []
    for name in order:
        dtype, arr = fields[name]
        data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": [int(d) for d in arr.shape], "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = -(8 + len(text)) % 8
    if "logits" in header and header["logits"]["data_offsets"][0] % 8 == 0:
        while (8 + len(text) + pad + header["logits"]["data_offsets"][0]) % 64:
            pad += 8
    text += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())


def _atomic_write(path: PathLike, write: Callable[[str], None], destination: Optional[str] = None) -> None:
    """Call write(tmp_path) for a temporary file beside path, then rename it over path.

    Only a regular file or a missing path is replaced; a symbolic link to a regular file is
    written through (its target replaced); anything else is refused (``_output.resolve_destination``,
    the binary's rules). ``destination``: the already resolved path. The temporary never survives
    the call, also when the process is killed by SIGTERM, SIGHUP or SIGINT (``_temporary``).
    """
    path = resolve_destination(path) if destination is None else destination
    write_atomically(path, write)


#: The sidecar that stands in while an npz and its sidecar are replaced: the Swift reader refuses
#: it (a metadata value must be a string or a number), naming the sidecar and this key.
_INTERRUPTED_SIDECAR = {"incomplete: the writer of this sidecar and its .npz was interrupted; write both again": None}


#: The sidecar key recording the CRC-32 of every member of the ``.npz`` it was written for
#: (``"name.npy:0f3a9c21 …"``, from the archive's ZIP directory); DeltaH refuses a sidecar whose
#: record differs from the archive beside it (a stale pair).
NPZ_CRC32_KEY = "npz_crc32"


def _member_crc32s(npz_path: str) -> str:
    """The ``npz_crc32`` value of an archive: ``name:crc`` (eight hex digits) per member, sorted."""
    with zipfile.ZipFile(npz_path) as archive:
        return " ".join(f"{info.filename}:{info.CRC:08x}" for info in sorted(archive.infolist(), key=lambda i: i.filename))


def _replace_pair(npz_path: str, write_npz: Callable[[str], None], json_path: str,
                  write_json: Callable[[str, str], None]) -> None:
    """Replace an ``.npz`` and its metadata sidecar so that no reader pairs one with the other's
    old version. ``write_json(tmp, npz_tmp)`` is given the written archive, so that the sidecar can
    record its members' CRC-32s (``npz_crc32``).

    Both files and a refusing stand-in sidecar (``_INTERRUPTED_SIDECAR``) are written as
    temporaries first; nothing is renamed unless all three were written. Then, in this order:

    1. the stand-in replaces the sidecar: (old npz, stand-in), refused by DeltaH;
    2. the new npz replaces the npz: (new npz, stand-in), refused;
    3. the new sidecar replaces the stand-in: (new npz, new sidecar).

    A reader thus sees the old pair, the new pair, or a sidecar it refuses (naming it), never a
    new npz with an old or missing sidecar. Temporaries never survive (``_temporary``); an
    interruption after step 1 leaves the refused stand-in until the pair is written again.
    """
    npz_folder = os.path.dirname(os.path.abspath(npz_path))
    json_folder = os.path.dirname(os.path.abspath(json_path))
    npz_base, json_base = os.path.basename(npz_path), os.path.basename(json_path)
    mode = 0o666 & ~current_umask()

    def write_stand_in(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(_INTERRUPTED_SIDECAR, f)

    with temporary_file(npz_folder, "." + npz_base + ".") as npz_tmp, \
            temporary_file(json_folder, "." + json_base + ".") as json_tmp, \
            temporary_file(json_folder, "." + json_base + ".") as stand_in:
        write_npz(npz_tmp)
        write_json(json_tmp, npz_tmp)
        write_stand_in(stand_in)
        for tmp in (npz_tmp, json_tmp, stand_in):
            os.chmod(tmp, mode)
        os.replace(stand_in, json_path)
        os.replace(npz_tmp, npz_path)
        os.replace(json_tmp, json_path)


def save_dump(
    path: PathLike, *, logits: TensorLike = None, token_ids: TensorLike, advantages: TensorLike,
    mask: TensorLike = None, old_logprobs: TensorLike = None, logprobs: TensorLike = None,
    entropy: TensorLike = None, sequence_ids: TensorLike = None, group_ids: TensorLike = None,
    topk_logprobs: TensorLike = None, topk_ids: TensorLike = None, temperature: float = 1.0,
    step: Optional[int] = None, lr: Optional[float] = None, logits_dtype: str = "bf16",
    vocab_size: Optional[int] = None, extra: Optional[Mapping[str, TensorLike]] = None,
    metadata: Optional[Mapping[str, Any]] = None,
) -> None:
    """Write one training step as a safetensors file (written atomically).

    Parameters
    ----------
    path : str or os.PathLike
        Target file; replaced atomically if it exists.
    logits, token_ids, advantages, mask, old_logprobs, logprobs, entropy, sequence_ids, group_ids,
    topk_logprobs, topk_ids : array-like or torch.Tensor, optional
        The contract tensors (module docstring). ``token_ids`` and ``advantages`` are required.
    temperature : float
        The sampling temperature T; logits are stored raw (DeltaH divides by T).
    step : int, optional
        Training step (metadata ``step``); an integer (an integral float is accepted).
    lr : float, optional
        η, the logit-space step size of the polarity split α = η·A (metadata ``lr``); a finite
        number > 0. Not the optimizer's learning rate, which would scale every polarity by its value
        (record that with ``metadata={"optimizer_lr": ...}``). Without it DeltaH uses η = 1 and
        warns.
    logits_dtype : {"bf16", "f32", "f16"}
        Storage type of ``logits``: BF16 (default; round to nearest even, torch bfloat16 tensors
        are written bit for bit), F32 (exact for float32 logits) or F16.
    vocab_size : int, optional
        Vocabulary size V (metadata ``vocab_size``); must equal the logits' last axis when logits
        are given. Needed for top-k entropy upper bounds when the dump has no logits.
    extra : mapping of str to array-like, optional
        Tensors outside the contract (e.g. ``prompt_ids``); DeltaH keeps but does not analyse them.
    metadata : mapping of str to str, optional
        Additional string metadata (other values are stored as ``str(value)``); may not override ``temperature``, ``step``, ``lr`` or
        ``vocab_size``.

    Raises
    ------
    ValueError
        For a shape that disagrees with the position shape, a mask other than 0/1, a finite value
        that overflows its storage type, a temperature that is not finite and positive, a step that
        is not an integer, an lr that is not finite and positive, a vocab_size that disagrees with the logits,
        or an output path that is not a regular file, a missing path or a link to a regular file
        (each message names the argument or path).
    TypeError
        For a tensor that is not numeric (named), or integer fields given as floats.
    FileNotFoundError
        When the output's folder does not exist.

    Notes
    -----
    The file is serialised here (see ``_write_safetensors``) so that BF16 needs neither torch nor
    a particular ``safetensors`` version; the tests read it back with the ``safetensors`` package.
    """
    fields = _collect(
        logits=logits, token_ids=token_ids, advantages=advantages, mask=mask,
        old_logprobs=old_logprobs, logprobs=logprobs, entropy=entropy, sequence_ids=sequence_ids,
        group_ids=group_ids, topk_logprobs=topk_logprobs, topk_ids=topk_ids,
        logits_dtype=logits_dtype, extra=extra,
    )
    meta = _metadata(temperature, step, lr, vocab_size, fields)
    for key, value in (metadata or {}).items():
        if key in meta or key in ("temperature", "step", "lr", "vocab_size"):
            raise ValueError(f"metadata key {key!r} is set by its own argument")
        meta[str(key)] = str(value)
    _atomic_write(path, lambda tmp: _write_safetensors(tmp, fields, meta))


def save_npz(
    path: PathLike, *, logits: TensorLike = None, token_ids: TensorLike, advantages: TensorLike,
    mask: TensorLike = None, old_logprobs: TensorLike = None, logprobs: TensorLike = None,
    entropy: TensorLike = None, sequence_ids: TensorLike = None, group_ids: TensorLike = None,
    topk_logprobs: TensorLike = None, topk_ids: TensorLike = None, temperature: float = 1.0,
    step: Optional[int] = None, lr: Optional[float] = None, logits_dtype: str = "bf16",
    compressed: bool = True, vocab_size: Optional[int] = None,
) -> None:
    """Write one training step as ``<path>`` (.npz) plus ``<stem>.metadata.json`` beside it.

    BF16 logits are stored as 2-byte void records (``'|V2'``), which DeltaH reads as BF16
    (``np.load`` returns them as raw bytes; ``bf16_bits_to_float32(a.view(np.uint16))``
    recovers the values).

    Parameters
    ----------
    path : str or os.PathLike
        Target ``.npz`` file; the sidecar is ``<path without extension>.metadata.json``. Both
        destinations are checked before either file is written, and both files are written as
        temporaries before either is renamed into place. The renames go through a stand-in
        sidecar that DeltaH refuses, so a reader sees the old pair, the new pair, or (after an
        interruption, until the pair is written again) a refused sidecar, never a new ``.npz``
        with an old or missing sidecar (``_replace_pair``). The sidecar records the archive's
        member CRC-32s (``npz_crc32``), so DeltaH also refuses a sidecar kept from another version
        of the archive.
    logits, token_ids, advantages, mask, old_logprobs, logprobs, entropy, sequence_ids, group_ids,
    topk_logprobs, topk_ids, temperature, step, lr, logits_dtype, vocab_size
        As in :func:`save_dump` (``extra`` and ``metadata`` are safetensors-only).
    compressed : bool
        ``np.savez_compressed`` (DEFLATE) when True, else ``np.savez``.

    Raises
    ------
    ValueError, TypeError, FileNotFoundError
        As in :func:`save_dump`.
    """
    fields = _collect(
        logits=logits, token_ids=token_ids, advantages=advantages, mask=mask,
        old_logprobs=old_logprobs, logprobs=logprobs, entropy=entropy, sequence_ids=sequence_ids,
        group_ids=group_ids, topk_logprobs=topk_logprobs, topk_ids=topk_ids,
        logits_dtype=logits_dtype,
    )
    arrays: dict[str, np.ndarray] = {}
    for name, (dtype, arr) in fields.items():
        arrays[name] = arr.view(np.dtype("V2")) if dtype == "BF16" else arr
    saver = np.savez_compressed if compressed else np.savez
    stem = os.path.splitext(os.path.abspath(path))[0]

    def write_npz(tmp: str) -> None:
        with open(tmp, "wb") as f:
            # mypy: a ** mapping could fill allow_pickle; its keys are contract field names, never that.
            saver(f, **arrays)  # type: ignore[arg-type]

    meta = _metadata(temperature, step, lr, vocab_size, fields)
    numbers = {"temperature": float(temperature)}
    if step is not None:
        numbers["step"] = int(step)
    if lr is not None:
        numbers["lr"] = float(lr)
    if vocab_size is not None:
        numbers["vocab_size"] = int(vocab_size)
    assert numbers.keys() == meta.keys()

    def write_json(tmp: str, npz_tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({**numbers, NPZ_CRC32_KEY: _member_crc32s(npz_tmp)}, f)

    # Both destinations are checked before either file is written.
    npz_path, json_path = resolve_destination(path), resolve_destination(stem + ".metadata.json")
    if os.path.realpath(npz_path) == os.path.realpath(json_path):
        raise ValueError(f"{os.fspath(path)}: the .npz and its sidecar {stem}.metadata.json are the same file")
    _replace_pair(npz_path, write_npz, json_path, write_json)
