"""Read the per-token files that ``deltah analyze|compare|merge --per-token OUT`` write.

They are safetensors files of per-position tensors (F64, NaN at invalid positions; ``valid`` as
U8) with string metadata. :func:`load` reads them with numpy alone (no ``safetensors`` package);
:func:`to_dataframe` gives a pandas view, one row per position (needs the ``pandas`` extra).

    from deltah import per_token
    t = per_token.load("/tmp/change.safetensors")
    t["delta_actual"], t["delta_first_order"]
    df = per_token.to_dataframe(t)             # columns: position, [row, column,] one per tensor

Any safetensors file with F64, F32, F16, BF16 (returned as float32), integer or BOOL tensors can be
read the same way, including DeltaH dumps.
"""

from __future__ import annotations

import json
import os
import struct
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

import numpy as np

from ._output import open_input

if TYPE_CHECKING:
    import pandas

__all__ = ["load", "load_metadata", "to_dataframe"]

_NUMPY = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}


def _header(path: str) -> tuple[dict[str, Any], int]:
    with open_input(path) as f:
        size = os.fstat(f.fileno()).st_size
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{path}: too short for a safetensors file ({size} bytes)")
        (n,) = struct.unpack("<Q", raw)
        if n > size - 8 or n > 100_000_000:
            raise ValueError(f"{path}: header length {n} exceeds the file size {size}")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: header is not JSON ({error})") from error
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    return header, 8 + n


def _entry(path: str, name: str, entry: Any) -> tuple[str, list[int], int, int]:
    """(dtype, shape, begin, end) of one header entry, or a ValueError naming the file and tensor."""
    try:
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not (isinstance(dtype, str) and isinstance(shape, list) and isinstance(offsets, list) and len(offsets) == 2):
            raise TypeError
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape + offsets):
            raise TypeError
    except (KeyError, TypeError, IndexError):
        raise ValueError(f"{path}: tensor {name!r} has a malformed header entry {entry!r} "
                         "(needs dtype, shape and data_offsets [begin, end] of non-negative integers)") from None
    return dtype, shape, offsets[0], offsets[1]


def load_metadata(path: Union[str, "os.PathLike[str]"]) -> dict[str, str]:
    """The ``__metadata__`` strings of a safetensors file (empty when absent).

    Parameters
    ----------
    path : str or os.PathLike
        A safetensors file.

    Returns
    -------
    dict of str to str
    """
    header, _ = _header(os.fspath(path))
    meta = header.get("__metadata__") or {}
    return {str(k): str(v) for k, v in meta.items()}


def load(path: Union[str, "os.PathLike[str]"], names: Optional[list[str]] = None) -> dict[str, np.ndarray]:
    """Every tensor (or those in ``names``) of a safetensors file, as numpy arrays.

    Parameters
    ----------
    path : str or os.PathLike
        A ``--per-token`` output (or any safetensors file).
    names : list of str, optional
        Read only these tensors; a missing name is an error.

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays in their stored type (BF16 converted exactly to float32), shaped as stored.

    Raises
    ------
    ValueError
        For a malformed file or an unknown tensor name or type, naming the file and tensor; for a
        path that is not a regular file (a folder, FIFO, device), naming it and what it is.
    """
    path = os.fspath(path)
    header, start = _header(path)
    wanted = list(header) if names is None else names
    out: dict[str, np.ndarray] = {}
    with open_input(path) as f:
        size = os.fstat(f.fileno()).st_size
        for name in wanted:
            if name == "__metadata__":
                continue
            if name not in header:
                raise ValueError(f"{path}: no tensor {name!r}")
            dtype, shape, begin, end = _entry(path, name, header[name])
            count = int(np.prod(shape)) if shape else 1
            if dtype == "BF16":
                item = 2
            elif dtype in _NUMPY:
                item = np.dtype(_NUMPY[dtype]).itemsize
            else:
                raise ValueError(f"{path}: tensor {name!r} has unsupported type {dtype}")
            if end - begin != count * item or start + end > size or begin < 0:
                raise ValueError(f"{path}: tensor {name!r} offsets {begin}..{end} do not fit shape {shape} and the file")
            f.seek(start + begin)
            data = f.read(end - begin)
            if dtype == "BF16":
                bits = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
                arr = bits.view(np.float32)
            else:
                arr = np.frombuffer(data, dtype=_NUMPY[dtype]).astype(np.dtype(_NUMPY[dtype]).newbyteorder("="))
            out[name] = arr.reshape(shape)
    return out


#: Tensors that always have the position shape (per-token outputs and dumps), in order of trust.
_POSITION_TENSORS = ("valid", "mask", "token_ids", "advantages", "delta_actual", "entropy", "logprobs")


def _position_shape(tensors: Mapping[str, Any]) -> tuple[int, ...]:
    """The position shape of a per-token file or dump: that of a tensor the contract defines per
    position (``valid``, ``mask``, ``token_ids``, …) when present, else the most common shape of
    rank 1 or 2 (ties broken by the first such tensor), so top-k tensors ``[N, k]`` are not taken
    for positions."""
    shapes = {name: tuple(np.shape(v)) for name, v in tensors.items()}
    if not shapes:
        raise ValueError("no tensors to tabulate")
    for name in _POSITION_TENSORS:
        if name in shapes and len(shapes[name]) in (1, 2):
            return shapes[name]
    candidates = [s for s in shapes.values() if len(s) in (1, 2)]
    if not candidates:
        raise ValueError("no per-position tensors (rank 1 or 2)")
    return max(candidates, key=candidates.count)


def to_dataframe(tensors: Union[Mapping[str, Any], str, "os.PathLike[str]"]) -> pandas.DataFrame:
    """A pandas DataFrame with one row per position.

    Parameters
    ----------
    tensors : mapping or path
        The result of :func:`load`, or a path to load.

    Returns
    -------
    pandas.DataFrame
        Column ``position`` (flat row-major index), ``row`` and ``column`` for ``[B, T]``
        tensors, then one column per tensor whose shape is the position shape (others, such as
        top-k tensors, are left out).

    Raises
    ------
    ImportError
        When pandas is not installed (``pip install 'deltah[pandas]'``).
    """
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError("deltah.per_token.to_dataframe needs pandas: pip install 'deltah[pandas]'") from error
    if not isinstance(tensors, Mapping):
        tensors = load(tensors)
    shape = _position_shape(tensors)
    n = int(np.prod(shape))
    columns: dict[str, np.ndarray] = {"position": np.arange(n)}
    if len(shape) == 2:
        columns["row"], columns["column"] = np.divmod(np.arange(n), shape[1])
    for name, value in tensors.items():
        if np.shape(value) == shape:
            columns[name] = np.asarray(value).reshape(n)
    return pd.DataFrame(columns)
