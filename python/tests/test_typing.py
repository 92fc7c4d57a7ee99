"""The package's annotations hold: ``mypy --strict`` on ``python/deltah`` (it ships ``py.typed``, so
users' type checkers trust them), and the runtime facts that the strict check turned up.

The mypy run needs mypy (``pip install mypy``); without it that one test is skipped with the reason.
"""

import importlib.util
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli  # noqa: E402

PYTHON = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install mypy) so the strict type check cannot run")
def test_mypy_strict_passes_on_the_package():
    # The configuration ([tool.mypy] in python/pyproject.toml) lets only the optional extras'
    # modules (torch, transformers, trl, ray, verl, matplotlib, pandas, tqdm) be missing.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
         "--config-file", os.path.join(PYTHON, "pyproject.toml"), os.path.join(PYTHON, "deltah")],
        capture_output=True, text=True, cwd=PYTHON, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout


def _fake_binary(tmp_path, stdout):
    fake = tmp_path / "deltah"
    fake.write_text(f"#!/bin/sh\ncat <<'JSON'\n{stdout}\nJSON\n")
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize("printed", ["[1, 2]", "null", "3.5"])
def test_json_that_is_not_an_object_is_refused_not_returned_as_dict(tmp_path, printed):
    # analyze/compare/merge/... are annotated to return dict[str, Any]; a binary that printed other
    # JSON was returned as that list/None/float.
    fake = _fake_binary(tmp_path, printed)
    with pytest.raises(cli.DeltaHError, match="JSON that is not an object"):
        cli.analyze("x.safetensors", binary=fake)


def test_json_object_is_returned(tmp_path):
    fake = _fake_binary(tmp_path, '{"tokens": 3}')
    assert cli.analyze("x.safetensors", binary=fake) == {"tokens": 3}


def test_bytes_path_reaches_the_binary_as_the_same_path(tmp_path):
    fake = tmp_path / "deltah"
    fake.write_text("#!/bin/sh\nprintf '{\"arg\": \"%s\"}' \"$2\"\n")
    fake.chmod(0o755)
    assert cli.analyze(b"d\xc3\xa9.safetensors", binary=fake) == {"arg": "dé.safetensors"}


@pytest.mark.parametrize("pair", [("a.safetensors", "b.safetensors", "c.safetensors"), ("a.safetensors",), "ab"])
def test_compare_run_names_a_pair_that_is_not_two_paths(tmp_path, pair):
    # compare_run(pairs: Iterable[Tuple[str, str]]) turned each pair into tuple(p): three paths
    # failed later with "too many values to unpack", and the string "ab" became the pair ("a", "b").
    from deltah import ray as dray

    with pytest.raises(ValueError, match=r"each pair is \(before, after\), got"):
        dray.compare_run([pair], output_dir=str(tmp_path / "out"), progress=False)
    assert not (tmp_path / "out").exists()


def _import_trl(monkeypatch):
    """deltah.trl, with stand-ins for torch and transformers where they are not installed (the
    constructor's argument check runs before either is used); removed again after the test."""
    import importlib
    import importlib.util
    import types

    import deltah

    for name in ("torch", "transformers"):
        if importlib.util.find_spec(name) is None:
            module = types.ModuleType(name)
            if name == "transformers":
                module.TrainerCallback = object
            else:
                module.no_grad = lambda: (lambda function: function)
            monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(sys.modules, "deltah.trl", None)  # restored (removed) after the test
    del sys.modules["deltah.trl"]
    monkeypatch.setattr(deltah, "trl", None, raising=False)
    return importlib.import_module("deltah.trl")


def test_logit_capture_refuses_topk_without_top_k(monkeypatch, tmp_path):
    # LogitCapture (public) typed top_k Optional[int] but used min(self.top_k, V) in topk mode: built
    # directly without top_k, every captured step failed later with a TypeError about None.
    trl = _import_trl(monkeypatch)
    with pytest.raises(ValueError, match=r"logits='topk' needs top_k"):
        trl.LogitCapture(object(), str(tmp_path), every=1, max_sequences=None, logits="topk", top_k=None,
                         dtype="bf16", linearize=False)
    made = trl.LogitCapture(object(), str(tmp_path), every=1, max_sequences=None, logits="topk", top_k=4,
                            dtype="bf16", linearize=False)
    assert made.top_k == 4
