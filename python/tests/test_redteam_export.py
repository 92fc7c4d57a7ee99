"""Red-team regressions: deltah.export's stored values, metadata and output files (and the same
output rules in the jvp dump and deltah.ray's JSON files). Light: numpy, safetensors, pytest."""

import json
import os
import stat
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import export, per_token  # noqa: E402
from deltah import linearize as lz  # noqa: E402  (numpy-only parts: the jvp dump writer)
from deltah import ray as dray  # noqa: E402  (imports without ray)

from deltah_binary import DELTAH  # noqa: E402

def small(**changes):
    z = np.random.default_rng(0).normal(size=(2, 3, 5)).astype(np.float32)
    args = dict(logits=z, token_ids=np.zeros((2, 3), np.int64), advantages=np.ones((2, 3)),
                mask=np.array([[1, 1, 0], [1, 1, 0]], np.uint8))
    args.update(changes)
    return args


def leftovers(folder):
    return [n for n in os.listdir(folder) if n.startswith(".") or n.endswith(".tmp")]


# -- export: stored values ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,scale", [("f16", 1e5), ("bf16", 3.4e38 / 3), ("f32", 1e39)])
def test_logits_that_overflow_the_storage_type_are_refused_not_written_as_inf(tmp_path, dtype, scale):
    # Before: F16 turned |z| > 65504 into ±Inf (numpy's RuntimeWarning only), and `deltah analyze`
    # then silently excluded those positions ("have NaN/Inf logits and were excluded").
    z = (np.random.default_rng(1).normal(size=(2, 3, 5)) * 3).astype(np.float64) * scale
    out = tmp_path / "d.safetensors"
    with pytest.raises(ValueError, match=r"logits.*" + dtype.upper()):
        export.save_dump(out, **small(logits=z), logits_dtype=dtype)
    assert os.listdir(tmp_path) == []


def test_float32_logits_that_round_to_inf_in_bf16_are_refused(tmp_path):
    z = small()["logits"].copy()
    z[1, 2, 3] = np.float32(3.4e38)  # finite in float32; its nearest bfloat16 is +Inf
    with pytest.raises(ValueError, match=r"logits.*BF16.*\(1, 2, 3\)"):
        export.save_dump(tmp_path / "d.safetensors", **small(logits=z))


def test_advantages_that_overflow_float32_are_refused(tmp_path):
    with pytest.raises(ValueError, match="advantages"):
        export.save_dump(tmp_path / "d.safetensors", **small(advantages=np.full((2, 3), 1e39)))


def test_nan_logits_at_masked_positions_are_still_written(tmp_path):
    # NaN/Inf that were already in the input are the reader's business (masked positions are ignored).
    z = small()["logits"].copy()
    z[:, 2] = np.nan
    export.save_dump(tmp_path / "d.safetensors", **small(logits=z), logits_dtype="f16")
    assert np.isnan(load_file(str(tmp_path / "d.safetensors"))["logits"][:, 2]).all()


@pytest.mark.parametrize("mask", [np.full((2, 3), 0.5), np.full((2, 3), np.nan), np.full((2, 3), 2)])
def test_a_mask_other_than_zero_or_one_is_refused(tmp_path, mask):
    # Before: any non-zero value (0.5, 2, NaN) was silently stored as 1 (valid).
    with pytest.raises(ValueError, match="mask"):
        export.save_dump(tmp_path / "d.safetensors", **small(mask=mask))


def test_zero_one_masks_of_every_type_are_accepted(tmp_path):
    for m in (np.array([[1, 0, 1], [0, 1, 1]], bool), np.array([[1, 0, 1], [0, 1, 1]], np.int64),
              np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], np.float32)):
        export.save_dump(tmp_path / "d.safetensors", **small(mask=m))
        assert per_token.load(tmp_path / "d.safetensors")["mask"].tolist() == [[1, 0, 1], [0, 1, 1]]


@pytest.mark.parametrize("field", ["advantages", "logits", "old_logprobs"])
def test_non_numeric_tensors_are_named(tmp_path, field):
    shape = (2, 3, 5) if field == "logits" else (2, 3)
    with pytest.raises((TypeError, ValueError), match=field):
        export.save_dump(tmp_path / "d.safetensors", **small(**{field: np.full(shape, "a")}))


# -- export: metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1.5, True, "7"])
def test_a_step_that_is_not_an_integer_is_refused(tmp_path, step):
    # Before: step=1.5 was written as "1", step=True as "1".
    with pytest.raises(ValueError, match="step"):
        export.save_dump(tmp_path / "d.safetensors", **small(), step=step)


def test_integral_steps_of_every_type_are_written(tmp_path):
    for step in (3, np.int64(3), 3.0):
        export.save_dump(tmp_path / "d.safetensors", **small(), step=step)
        assert per_token.load_metadata(tmp_path / "d.safetensors")["step"] == "3"


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), True, 0.0, -0.5])
def test_a_learning_rate_that_is_not_a_finite_number_is_refused_when_written(tmp_path, lr):
    # Before: lr=nan was written and only `deltah analyze` refused the dump ("metadata 'lr' = 'nan'");
    # lr ≤ 0 was written and analysed (a negative η flips every polarity sign).
    with pytest.raises(ValueError, match="lr"):
        export.save_dump(tmp_path / "d.safetensors", **small(), lr=lr)
    with pytest.raises(ValueError, match="lr"):
        export.save_npz(tmp_path / "d.npz", **small(), lr=lr)
    assert os.listdir(tmp_path) == []


# -- export: where files go -----------------------------------------------------------------------


def test_a_fifo_a_folder_and_a_dangling_link_are_refused_not_replaced(tmp_path):
    fifo, folder = tmp_path / "fifo", tmp_path / "folder"
    os.mkfifo(fifo)
    folder.mkdir()
    os.symlink("nowhere.safetensors", tmp_path / "dangling")
    os.symlink("fifo", tmp_path / "to-fifo")
    for target, words in ((fifo, "FIFO"), (folder, "folder"), (tmp_path / "dangling", "missing file"),
                          (tmp_path / "to-fifo", "FIFO")):
        with pytest.raises(ValueError, match=words) as error:
            export.save_dump(target, **small())
        assert os.path.basename(target) in str(error.value)
    # Before: the FIFO was replaced by a regular file.
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir() and not (tmp_path / "nowhere.safetensors").exists()
    assert leftovers(tmp_path) == []


def test_a_character_device_is_never_replaced(tmp_path):
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    with pytest.raises(ValueError, match="character device"):
        export.save_dump(dev, **small())
    with pytest.raises(ValueError, match="character device"):
        export.save_npz(dev, **small())
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_save_npz_checks_both_outputs_before_writing_either(tmp_path):
    os.mkfifo(tmp_path / "d.metadata.json")
    with pytest.raises(ValueError, match="FIFO"):
        export.save_npz(tmp_path / "d.npz", **small())
    assert sorted(os.listdir(tmp_path)) == ["d.metadata.json"]


def test_a_symbolic_link_to_a_dump_is_written_through(tmp_path):
    target = tmp_path / "target.safetensors"
    target.write_bytes(b"old")
    os.symlink("target.safetensors", tmp_path / "link.safetensors")
    export.save_dump(tmp_path / "link.safetensors", **small())
    # Before: the link itself was replaced by a regular file and the target kept b"old".
    assert os.path.islink(tmp_path / "link.safetensors")
    assert "logits" in per_token.load(target)
    assert leftovers(tmp_path) == []


def test_a_missing_output_folder_is_named_not_the_temporary_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist") as error:
        export.save_dump(tmp_path / "no" / "d.safetensors", **small())
    assert ".tmp" not in str(error.value)


def test_the_jvp_dump_accepts_a_path_object_and_follows_the_output_rules(tmp_path):
    before = tmp_path / "b.safetensors"
    export.save_dump(before, **small(), logits_dtype="f32")
    # Before: a pathlib.Path `before` failed with "too many values to unpack".
    lz.write_jvp_dump(str(tmp_path / "j.safetensors"), np.zeros((2, 3, 5), np.float32), before)
    assert load_file(str(tmp_path / "j.safetensors"))["logits"].shape == (2, 3, 5)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="FIFO"):
        lz.write_jvp_dump(str(tmp_path / "fifo"), np.zeros((2, 3, 5), np.float32), before)


def test_ray_json_outputs_write_through_a_symbolic_link(tmp_path):
    (tmp_path / "real.json").write_text("{}")
    os.symlink("real.json", tmp_path / "series.json")
    dray._write_json_atomic(str(tmp_path / "series.json"), {"steps": []})
    assert os.path.islink(tmp_path / "series.json")
    assert json.loads((tmp_path / "real.json").read_text()) == {"steps": []}
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(dray.DeltaHError, match="FIFO"):
        dray._write_json_atomic(str(tmp_path / "fifo"), {})


@pytest.mark.parametrize("count", [0, 1.5, True, "2"])
def test_ray_shard_counts_are_checked_before_ray_starts(tmp_path, count):
    # Before: 1.5 passed the `< 1` check and failed after Ray had started, formatting a file name
    # ("Unknown format code 'd'"); True ran as one shard; "2" raised a bare TypeError.
    dump = tmp_path / "d.safetensors"
    export.save_dump(dump, **small())
    with pytest.raises(ValueError, match="shards_per_dump"):
        dray.analyze_run([str(dump)], shards_per_dump=count, output_dir=str(tmp_path / "out"), binary=DELTAH)
    with pytest.raises(ValueError, match="shards_per_pair"):
        dray.compare_run([(str(dump), str(dump))], shards_per_pair=count, output_dir=str(tmp_path / "out"), binary=DELTAH)


@pytest.mark.parametrize("flag,value", [("--shards", "0"), ("--shards", "1.5"), ("--num-cpus", "0"),
                                        ("--cpus-per-task", "-1")])
def test_ray_command_line_names_a_bad_count(tmp_path, capsys, flag, value):
    # Before: --shards 0 ended in a ValueError traceback about "shards_per_dump" (not the flag);
    # --num-cpus 0 started a local cluster with no CPU, where no task can ever run.
    dump = tmp_path / "d.safetensors"
    export.save_dump(dump, **small())
    with pytest.raises(SystemExit) as exit_:
        dray.main([str(dump), flag, value, "--binary", DELTAH, "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2 and flag in capsys.readouterr().err


def test_numpy_scalars_are_accepted_for_step_and_lr(tmp_path):
    export.save_dump(tmp_path / "d.safetensors", **small(), step=np.float32(4.0), lr=np.float32(0.5))
    meta = per_token.load_metadata(tmp_path / "d.safetensors")
    assert meta["step"] == "4" and meta["lr"] == "0.5"


def topk(ids, mask=None, **kw):
    ids = np.asarray(ids)
    return dict(token_ids=np.zeros(ids.shape[:-1], int), advantages=np.ones(ids.shape[:-1]), mask=mask,
                topk_logprobs=np.log(np.full(ids.shape, 0.3)), topk_ids=ids, **kw)


@pytest.mark.parametrize("ids,words", [([[9, 1], [0, 1]], "9"), ([[-1, 1], [0, 1]], "-1"), ([[1, 1], [0, 2]], "repeats")])
def test_topk_ids_outside_the_vocabulary_or_repeated_are_refused(tmp_path, ids, words):
    # Before: written, and `deltah analyze` computed top-k entropy bounds from token 9 of a
    # 5-token vocabulary (or a token counted twice) without a word.
    with pytest.raises(ValueError, match=f"topk_ids.*{words}|{words}.*topk_ids|topk_ids repeats"):
        export.save_dump(tmp_path / "d.safetensors", **topk(ids, vocab_size=5))
    assert os.listdir(tmp_path) == []


def test_topk_ids_are_checked_at_valid_positions_only(tmp_path):
    export.save_dump(tmp_path / "d.safetensors", **topk([[0, 1], [7, 7]], mask=np.array([1, 0]), vocab_size=5))
    assert per_token.load(tmp_path / "d.safetensors")["topk_ids"].tolist() == [[0, 1], [7, 7]]


def test_ray_errors_keep_the_binary_exit_code(tmp_path):
    # Before: every binary failure became exit 1 in `python -m deltah.ray` (the CLI exits 64 for a
    # refused argument), and the code was not kept across Ray's pickling of the task error; the
    # message kept the binary's "Error: " prefix, so main printed "error: Error: …".
    import pickle

    fake = tmp_path / "deltah"
    fake.write_text("#!/bin/sh\necho 'Error: --temperature must be > 0' >&2\nexit 64\n")
    fake.chmod(0o755)
    with pytest.raises(dray.DeltaHError) as error:
        dray._run_binary(str(fake), ["analyze", "x"], 1)
    assert error.value.returncode == 64 and str(error.value) == "--temperature must be > 0"
    again = pickle.loads(pickle.dumps(error.value))
    assert again.returncode == 64 and str(again) == str(error.value)

    class TaskError(Exception):
        cause = error.value

    assert dray._failure(TaskError(), "shard 0/1 of x", 3).returncode == 64


def test_ray_errors_are_cli_errors():
    # Before: deltah.ray.DeltaHError was a RuntimeError of its own, so `except deltah.cli.DeltaHError`
    # around analyze_run missed every refusal of the binary.
    from deltah import cli

    error = dray.DeltaHError("--lr must be > 0", 64)
    assert isinstance(error, cli.DeltaHError)
    assert error.message == str(error) == "--lr must be > 0" and error.returncode == 64
    with pytest.raises(cli.DeltaHError, match="--lr"):
        raise error


def test_float_topk_ids_are_refused_like_float_token_ids(tmp_path):
    # Before: topk_ids=[[1.7, 0.2]] were truncated to [[1, 0]] without a word (token_ids refused floats).
    with pytest.raises(TypeError, match="topk_ids"):
        export.save_dump(tmp_path / "d.safetensors", **topk(np.array([[1.7, 0.2], [0.0, 1.0]]), vocab_size=5))
