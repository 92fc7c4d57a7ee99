"""Red-team regressions: the Python package's readers and the jvp writer never block on a FIFO,
never replace an input, and name the file in their errors. Light: numpy, pytest."""

import importlib.util
import os
import sys
import threading

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import export, per_token  # noqa: E402
from deltah import linearize as lz  # noqa: E402  (numpy-only parts)
from deltah import ray as dray  # noqa: E402  (imports without ray)

from deltah_binary import DELTAH, requires_binary  # noqa: E402


def finishes(call, seconds=20):
    """What ``call()`` raised (or None), failing the test instead of hanging when it blocks."""
    outcome = {}

    def run():
        try:
            call()
            outcome["error"] = None
        except BaseException as error:  # noqa: BLE001 (returned to the test)
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert "error" in outcome, f"still blocked after {seconds} s"
    return outcome["error"]


def small_dump(path):
    export.save_dump(path, logits=np.zeros((2, 3), np.float32), token_ids=np.zeros(2, np.int64),
                     advantages=np.ones(2), logits_dtype="f32")


# -- readers refuse a FIFO instead of blocking on it ---------------------------------------------


@pytest.mark.parametrize("reader", [per_token.load, per_token.load_metadata, lz.read_safetensors],
                         ids=["per_token.load", "per_token.load_metadata", "linearize.read_safetensors"])
def test_readers_refuse_a_fifo_instead_of_blocking(tmp_path, reader):
    # Before: open() of a FIFO with no writer blocked forever.
    os.mkfifo(tmp_path / "p.safetensors")
    error = finishes(lambda: reader(tmp_path / "p.safetensors"))
    assert isinstance(error, ValueError) and "p.safetensors" in str(error) and "FIFO" in str(error)


def test_per_token_load_names_a_folder(tmp_path):
    (tmp_path / "d.safetensors").mkdir()
    with pytest.raises(ValueError, match=r"d\.safetensors: is a folder"):
        per_token.load(tmp_path / "d.safetensors")


def test_a_truncated_before_dump_is_named(tmp_path):
    # Before: struct.error "unpack requires a buffer of 8 bytes", naming nothing.
    (tmp_path / "b.safetensors").write_bytes(b"\x01\x00")
    with pytest.raises(ValueError, match=r"b\.safetensors: too short"):
        lz.write_jvp_dump(str(tmp_path / "j.safetensors"), np.zeros((2, 3), np.float32), tmp_path / "b.safetensors")
    assert sorted(os.listdir(tmp_path)) == ["b.safetensors"]


def test_a_before_dump_whose_tensor_overruns_the_file_is_named(tmp_path):
    small_dump(tmp_path / "b.safetensors")
    data = (tmp_path / "b.safetensors").read_bytes()
    (tmp_path / "b.safetensors").write_bytes(data[:-4])
    with pytest.raises(ValueError, match=r"b\.safetensors: (tensor|header)"):
        lz.read_safetensors(str(tmp_path / "b.safetensors"))


# -- the jvp dump never replaces its input ------------------------------------------------------------


@pytest.mark.parametrize("through_link", [False, True])
def test_the_jvp_dump_never_replaces_its_before_dump(tmp_path, through_link):
    # Before: write_jvp_dump(path=before) replaced the before dump with the jvp dump.
    small_dump(tmp_path / "b.safetensors")
    original = (tmp_path / "b.safetensors").read_bytes()
    out = tmp_path / "b.safetensors"
    if through_link:
        os.symlink("b.safetensors", tmp_path / "link.safetensors")
        out = tmp_path / "link.safetensors"
    with pytest.raises(ValueError, match=r"is the before dump .*an input"):
        lz.write_jvp_dump(str(out), np.ones((2, 3), np.float32), tmp_path / "b.safetensors")
    assert (tmp_path / "b.safetensors").read_bytes() == original
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith(".")) == []


def test_the_jvp_dump_is_still_written_beside_its_before_dump(tmp_path):
    small_dump(tmp_path / "b.safetensors")
    lz.write_jvp_dump(str(tmp_path / "j.safetensors"), np.ones((2, 3), np.float32), tmp_path / "b.safetensors")
    tensors, meta = lz.read_safetensors(str(tmp_path / "j.safetensors"))
    np.testing.assert_array_equal(tensors["logits"][1], np.ones((2, 3), np.float32))
    assert meta["producer"] == "deltah.linearize"


# -- deltah.ray refuses non-regular dump files before Ray starts -----------------------------------


def fifo_dumps(tmp_path):
    os.mkfifo(tmp_path / "fifo.safetensors")
    np.savez(tmp_path / "n.npz", logits=np.zeros((2, 3), np.float32))
    os.mkfifo(tmp_path / "n.metadata.json")
    (tmp_path / "folder").mkdir()
    np.save(tmp_path / "folder" / "token_ids.npy", np.zeros(2, np.int64))
    os.mkfifo(tmp_path / "folder" / "logits.npy")
    return [("fifo.safetensors", "fifo.safetensors"), ("n.npz", "n.metadata.json"), ("folder", "logits.npy")]


def test_ray_analyze_run_refuses_fifo_dumps_sidecars_and_members(tmp_path):
    # Before: the driver opened them (dump kind, identity hash, metadata) and blocked forever.
    for dump, named in fifo_dumps(tmp_path):
        error = finishes(lambda: dray.analyze_run([str(tmp_path / dump)], output_dir=str(tmp_path / "out"),
                                                  progress=False))
        assert isinstance(error, dray.DeltaHError), error
        assert named in str(error) and "FIFO" in str(error)
    assert not os.path.exists(tmp_path / "out")


def test_ray_compare_run_refuses_fifo_dumps(tmp_path):
    small_dump(tmp_path / "b.safetensors")
    for dump, named in fifo_dumps(tmp_path):
        error = finishes(lambda: dray.compare_run([(str(tmp_path / "b.safetensors"), str(tmp_path / dump))],
                                                  output_dir=str(tmp_path / "out"), progress=False))
        assert isinstance(error, dray.DeltaHError), error
        assert named in str(error) and "FIFO" in str(error)
    assert not os.path.exists(tmp_path / "out")


@requires_binary
@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="Ray is installed here")
def test_a_safetensors_dump_is_not_refused_for_a_fifo_named_like_a_sidecar(tmp_path):
    # safetensors keeps its metadata in its header: `<stem>.metadata.json` beside it is not read.
    small_dump(tmp_path / "s.safetensors")
    os.mkfifo(tmp_path / "s.metadata.json")
    error = finishes(lambda: dray.analyze_run([str(tmp_path / "s.safetensors")], output_dir=str(tmp_path / "out"),
                                              binary=DELTAH, progress=False))
    assert isinstance(error, ImportError) and "deltah[ray]" in str(error)  # it got as far as starting Ray


# -- deltah.ray never writes an output over an input ------------------------------------------------


def test_ray_analyze_run_refuses_an_output_that_is_an_input_sidecar(tmp_path):
    # Before: the summary of `a.metadata.safetensors` (out/a.metadata.json) replaced the sidecar of
    # `a.npz` when the output folder was the dumps' folder.
    export.save_npz(tmp_path / "a.npz", logits=np.zeros((2, 3), np.float32), token_ids=np.zeros(2, np.int64),
                    advantages=np.ones(2), temperature=0.7)
    small_dump(tmp_path / "a.metadata.safetensors")
    sidecar = (tmp_path / "a.metadata.json").read_bytes()
    with pytest.raises(dray.DeltaHError, match=r"a\.metadata\.json: is an input"):
        dray.analyze_run([str(tmp_path / "a.npz"), str(tmp_path / "a.metadata.safetensors")],
                         output_dir=str(tmp_path), progress=False)
    assert (tmp_path / "a.metadata.json").read_bytes() == sidecar
    assert not os.path.exists(tmp_path / "partials")


def test_ray_compare_run_refuses_an_output_linked_to_an_input(tmp_path):
    small_dump(tmp_path / "b.safetensors")
    small_dump(tmp_path / "a.safetensors")
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "b.safetensors", tmp_path / "out" / "a.compare.json")
    before = (tmp_path / "b.safetensors").read_bytes()
    with pytest.raises(dray.DeltaHError, match=r"a\.compare\.json: is an input"):
        dray.compare_run([(str(tmp_path / "b.safetensors"), str(tmp_path / "a.safetensors"))],
                         output_dir=str(tmp_path / "out"), progress=False)
    assert (tmp_path / "b.safetensors").read_bytes() == before


def test_ray_output_stems_avoid_the_runs_own_names():
    """A dump stem equal to a reserved output name (``series``) gets a hashed stem, as colliding
    stems do; others keep their stem (pure function, no Ray needed)."""
    from deltah import ray as dray

    stems = dray._unique_stems(["/a/series.safetensors", "/b/step_1.npz"], ("series",))
    assert stems[0].startswith("series-") and len(stems[0]) == len("series-") + 8
    assert stems[1] == "step_1"
    assert dray._unique_stems(["/a/series.safetensors"]) == ["series"]
