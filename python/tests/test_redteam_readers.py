"""Red-team regressions: deltah.per_token.load on malformed headers and deltah.verl.dump_batch's
max_sequences (numpy only; a stand-in object for verl's DataProto)."""

import json
import os
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli, export, per_token  # noqa: E402
from deltah import verl as dverl  # noqa: E402  (dump_batch needs numpy only)


# -- per_token ------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [{"dtype": "F32"}, 5, {"dtype": "F32", "shape": [-1, -2], "data_offsets": [0, 8]},
                                   {"dtype": "F32", "shape": [2], "data_offsets": [0]}])
def test_per_token_load_names_the_file_and_tensor_of_a_malformed_entry(tmp_path, entry):
    # Before: KeyError('shape'), TypeError or an unnamed reshape error; the docstring promises a
    # ValueError naming the file and the tensor.
    header = json.dumps({"bad": entry}).encode()
    path = tmp_path / "x.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 8)
    with pytest.raises(ValueError, match=r"x\.safetensors.*'bad'"):
        per_token.load(path)


# -- verl -----------------------------------------------------------------------------------------


class _Batch:
    def __init__(self, b=4, r=3):
        self.batch = {"responses": np.ones((b, r), np.int64), "advantages": np.zeros((b, r)),
                      "response_mask": np.ones((b, r), np.int64)}
        self.meta_info = {"temperature": 1.0}
        self.non_tensor_batch = {}


@pytest.mark.parametrize("n", [-1, 0, 1.5, True])
def test_verl_max_sequences_must_be_a_positive_integer(tmp_path, n):
    # Before: max_sequences=-1 kept all rows but the last (x[:-1]) and failed on sequence_ids'
    # shape; 0 failed with "position shape (0, 3) must be ... non-empty".
    with pytest.raises(ValueError, match="max_sequences"):
        dverl.dump_batch(_Batch(), tmp_path / "d.safetensors", max_sequences=n)
    assert os.listdir(tmp_path) == []


def test_verl_max_sequences_keeps_the_first_rows(tmp_path):
    dverl.dump_batch(_Batch(), tmp_path / "d.safetensors", max_sequences=2)
    assert load_file(str(tmp_path / "d.safetensors"))["token_ids"].shape == (2, 3)


# -- per_token.to_dataframe -----------------------------------------------------------------------


@pytest.mark.parametrize("n,k", [(2, 3), (3, 1), (3, 7), (5, 5)])
def test_the_position_shape_of_a_topk_dump_is_not_the_topk_shape(n, k):
    # Before: for an [N] dump with as many top-k tensors [N, k] as scalars, the most common shape
    # was a tie and set order picked [N, k] for 220 of 429 (N, k) pairs (to_dataframe then had one
    # row per (position, k) and only the top-k columns).
    t = {"token_ids": np.zeros(n, int), "advantages": np.zeros(n), "topk_logprobs": np.zeros((n, k)),
         "topk_ids": np.zeros((n, k), int)}
    assert per_token._position_shape(t) == (n,)
    assert per_token._position_shape({"a": np.zeros((n, k)), "b": np.zeros(n), "c": np.zeros(n)}) == (n,)


def test_to_dataframe_of_a_topk_dump_has_one_row_per_position():
    pytest.importorskip("pandas")
    t = {"token_ids": np.arange(3), "advantages": np.ones(3), "topk_logprobs": np.zeros((3, 7)),
         "topk_ids": np.zeros((3, 7), int)}
    df = per_token.to_dataframe(t)
    assert list(df.columns) == ["position", "token_ids", "advantages"] and len(df) == 3


def test_first_order_scatter_names_data_without_a_valid_position(monkeypatch):
    # Before: numpy's "zero-size array to reduction operation minimum which has no identity", after
    # a figure had been created. The check comes first, so matplotlib is not needed here.
    from deltah import plots

    monkeypatch.setattr(plots, "_axes", lambda ax: pytest.fail("a figure was created"))
    t = {"delta_actual": np.full((2, 3), np.nan), "delta_first_order": np.zeros((2, 3))}
    with pytest.raises(ValueError, match="delta_actual"):
        plots.first_order_scatter(t)


def test_verl_records_the_actor_learning_rate_apart_from_eta(tmp_path):
    # The README's recipe passed verl's actor.optim.lr as lr=, which DeltaH reads as η (the
    # logit-space step of the polarity split) and so scaled every polarity by 1e-6-ish values.
    dverl.dump_batch(_Batch(), tmp_path / "d.safetensors", optimizer_lr=1e-6)
    meta = per_token.load_metadata(tmp_path / "d.safetensors")
    assert meta["optimizer_lr"] == "1e-06" and "lr" not in meta
    with pytest.raises(ValueError, match="optimizer_lr"):
        dverl.dump_batch(_Batch(), tmp_path / "e.safetensors", optimizer_lr=float("nan"))


# -- typed signatures and numpy-style docstrings (the package ships py.typed) ----------------------


@pytest.mark.parametrize("module", ["export", "cli", "per_token", "plots", "verl"])
def test_public_functions_are_typed_and_documented_in_numpy_style(module):
    # Before: export.save_dump/save_npz had no annotation at all (mypy saw them untyped through
    # py.typed), and cli.analyze/compare/merge/report, per_token.load_metadata and
    # verl.group_ids_from_uid had no Parameters section.
    import importlib
    import inspect

    mod = importlib.import_module(f"deltah.{module}")
    problems = []
    for name in mod.__all__:
        f = getattr(mod, name)
        if not inspect.isfunction(f):
            continue
        sig = inspect.signature(f)
        problems += [f"{name}({p})" for p, v in sig.parameters.items() if v.annotation is inspect.Parameter.empty]
        if sig.return_annotation is inspect.Signature.empty:
            problems.append(f"{name} -> ?")
        if sig.parameters and "Parameters\n    ----------" not in (f.__doc__ or ""):
            problems.append(f"{name}: no Parameters section")
    assert problems == []
