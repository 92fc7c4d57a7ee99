"""Red team of deltah.trl.capture on real TRL GRPOTrainer runs (tiny random Qwen2, CPU, no download).

Each test reproduces a defect found in round 5 (the docstring says what happened before the fix).
Needs torch, transformers, trl and datasets; `scripts/e2e-trl.sh` runs it in ~/.cache/deltah/venv-trl.

Tolerance: DeltaH's entropy token-mean of a before dump against TRL's logged `entropy` of the same
step, 1e-5 (F32 dumps; a float32 mean of ~80 entropies of ~3.4 nats, as in test_trl_capture.py).
"""

import os
import stat
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("datasets")

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
sys.path.insert(0, os.path.join(HERE, ".."))

import trl_grpo_tiny as tiny  # noqa: E402
from deltah import cli, per_token  # noqa: E402
from deltah.trl import capture  # noqa: E402

from deltah_binary import DELTAH, requires_binary  # noqa: E402
from trl_test_support import bf16_float32_head_trainer, fail_dump_writes, record_trl_logps  # noqa: E402


def make(tmp_path, steps=2, **kwargs):
    torch.manual_seed(0)
    return tiny.make_trainer(str(tmp_path / "trainer"), steps=steps, seed=0, **kwargs)


def wrap_generation(trainer, add):
    """Let ``add(out)`` put extra keys into TRL's generation batch (before the capture wraps it)."""
    generate = trainer._generate_and_score_completions

    def generate_and_add(*args, **kwargs):
        out = generate(*args, **kwargs)
        add(out)
        return out

    trainer._generate_and_score_completions = generate_and_add


@requires_binary
def test_tool_mask_positions_are_not_valid(tmp_path):
    """TRL trains on completion_mask * tool_mask (tool results are not the policy's tokens) and logs
    its entropy over that mask. Before: the dump's mask was completion_mask alone, so DeltaH counted
    tool-result positions as the policy's and its entropy token-mean differed from TRL's."""
    trainer = make(tmp_path)

    def add_tool_mask(out):
        tool = torch.ones_like(out["completion_mask"])
        tool[:, 1:4] = 0  # three "tool result" tokens in every completion
        out["tool_mask"] = tool

    wrap_generation(trainer, add_tool_mask)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    trainer.train()
    assert not callback.failures
    logged = [h["entropy"] for h in trainer.state.log_history if "entropy" in h]
    assert len(logged) == len(callback.written) == 2
    for (before, after), theirs in zip(callback.written, logged):
        for path in (before, after):
            d = per_token.load(path)
            assert not d["mask"][:, 1:4].any()
            assert "tool_mask" not in d  # folded into the contract's mask
            # ... and the completion's attention mask is kept apart (the forward attends to tool results)
            assert (d["completion_mask"] >= d["mask"]).all() and d["completion_mask"][:, 1:4].any()
        ours = cli.analyze(before, binary=DELTAH)["entropy_token_mean"]
        assert abs(ours - theirs) <= 1e-5, (ours, theirs)


def test_multimodal_inputs_are_refused_not_ignored(tmp_path):
    """Before: a micro-batch with ``pixel_values`` (a vision-language policy) was captured with a
    text-only forward: the image placeholders were read as text, and the dumps held logits of a
    policy TRL never trained, with no warning. Now the step's capture fails, naming the inputs."""
    trainer = make(tmp_path, steps=1)
    original = trainer.compute_loss

    def without_images(model, inputs, *args, **kwargs):  # the tiny text model cannot take images
        return original(model, {k: v for k, v in inputs.items() if k != "pixel_values"}, *args, **kwargs)

    trainer.compute_loss = without_images
    wrap_generation(trainer, lambda out: out.__setitem__("pixel_values", torch.ones(len(out["completion_ids"]), 3)))
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    assert trainer.state.global_step == 1
    assert len(callback.failures) == 1 and "pixel_values" in callback.failures[0], callback.failures
    assert any("pixel_values" in str(w.message) for w in caught)
    assert os.listdir(tmp_path / "dumps") == [] and callback.written == []


def test_a_failed_after_dump_removes_the_written_before_file_behind_a_link(tmp_path, monkeypatch):
    """The before path is a symbolic link to a regular file elsewhere: the writer writes through
    it. Before: when the after dump failed, the capture unlinked the link and left the linked file
    holding the step's before dump (a half pair). Now the written file goes, and the link to it."""
    trainer = make(tmp_path, steps=1)
    (tmp_path / "dumps").mkdir()
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "before.safetensors"
    target.write_bytes(b"placeholder")
    link = tmp_path / "dumps" / "step_000001.before.safetensors"
    os.symlink(target, link)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    fail_dump_writes(monkeypatch, lambda metadata: metadata.get("phase") == "after")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.train()
    assert len(callback.failures) == 1 and "step 1" in callback.failures[0]
    assert not os.path.lexists(link) and not target.exists()
    assert os.listdir(tmp_path / "dumps") == [] and os.listdir(tmp_path / "elsewhere") == []


def test_processes_write_their_own_files(tmp_path):
    """Under data parallelism every process captures its own completions. Before: all processes
    wrote the same step_*.before/after names, so each file was whichever process renamed last, and
    a pair could join one process's before with another's after. Now a process of several writes
    step_{s:06d}.process{p}.{phase}.safetensors; a single process keeps the plain names.

    The process index and count are stood in for here (test_trl_multiprocess.py runs two real
    processes); the
    group ids of process 1 start after process 0's rows, as TRL's gathered batch orders them."""
    trainer = make(tmp_path, steps=1)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    callback._process = lambda: (1, 2)
    trainer.train()
    assert not callback.failures
    names = sorted(os.listdir(tmp_path / "dumps"))
    assert names == ["step_000001.process1.after.safetensors", "step_000001.process1.before.safetensors"]
    d = per_token.load(callback.written[0][0])
    assert per_token.load_metadata(callback.written[0][0])["process"] == "1 of 2"
    # per_device_train_batch_size 8, num_generations 4: process 1's rows are gathered rows 8..15
    assert sorted(np.unique(d["group_ids"])) == [2, 3]


def test_a_micro_batch_that_cannot_be_recorded_skips_its_whole_step(tmp_path):
    """Gradient accumulation over 2 micro-batches; the second of step 1 cannot be recorded. Before:
    step 1's pair was written from the first micro-batch alone (4 of its 8 completions), passing as
    the step. Now step 1 has no files; step 2 is captured whole."""
    trainer = make(tmp_path, steps=2, batch=4, grad_accum=2)
    original = trainer.compute_loss

    def without_images(model, inputs, *args, **kwargs):
        return original(model, {k: v for k, v in inputs.items() if k != "pixel_values"}, *args, **kwargs)

    trainer.compute_loss = without_images
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    captured = trainer.compute_loss
    calls = {"n": 0}

    def second_has_images(model, inputs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            inputs = {**inputs, "pixel_values": torch.ones(len(inputs["completion_ids"]), 3)}
        return captured(model, inputs, *args, **kwargs)

    trainer.compute_loss = second_has_images
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.train()
    assert len(callback.failures) == 1 and "step 1" in callback.failures[0]
    assert sorted(os.listdir(tmp_path / "dumps")) == ["step_000002.after.safetensors", "step_000002.before.safetensors"]
    assert per_token.load(callback.written[0][0])["token_ids"].shape[0] == 8


def test_a_failed_step_leaves_no_file_of_an_earlier_run_under_its_names(tmp_path, monkeypatch):
    """The output folder holds step 1 and 2 dumps of an earlier run. Step 1's before dump and step
    2's after dump fail. Before: step 1 kept the earlier run's pair (passing as this run's) and step
    2 kept the earlier run's after dump, which a before/after glob paired with nothing or the wrong
    file. Now neither step has a file."""
    trainer = make(tmp_path, steps=2)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    for step in (1, 2):
        for phase in ("before", "after"):
            (dumps / f"step_{step:06d}.{phase}.safetensors").write_bytes(b"an earlier run")
    callback = capture(trainer, dumps, dtype="f32")
    fail_dump_writes(monkeypatch, lambda metadata: (metadata["step"], metadata["phase"]) in (("1", "before"), ("2", "after")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.train()
    assert len(callback.failures) == 2 and callback.written == []
    assert os.listdir(dumps) == []


def test_a_fifo_under_a_failed_steps_name_is_left_alone(tmp_path):
    """The after name is a FIFO: the writer refuses it, the step fails, its before dump goes, and
    the FIFO (not a file the capture may remove) stays."""
    trainer = make(tmp_path, steps=1)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    os.mkfifo(dumps / "step_000001.after.safetensors")
    callback = capture(trainer, dumps, dtype="f32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.train()
    assert len(callback.failures) == 1 and "FIFO" in callback.failures[0]
    assert os.listdir(dumps) == ["step_000001.after.safetensors"]
    assert stat.S_ISFIFO(os.lstat(dumps / "step_000001.after.safetensors").st_mode)


def test_a_float32_lm_head_is_captured_in_float32(tmp_path):
    """bf16 mixed precision with GRPOConfig(cast_lm_head_to_fp32=True): TRL projects the hidden
    states onto the vocabulary in float32, outside autocast. Before: the capture's forward ran the
    LM head under bf16 autocast, so log π(token) from an F32 dump differed from TRL's own by up to
    7.5e-3 (the policy TRL trained is the float32 head's). Tolerance 1e-4: with the head in float32
    the difference is float32 reduction order (measured at most 6e-7, as without the option)."""
    trainer = bf16_float32_head_trainer(tmp_path, tiny, max_steps=2)
    theirs = record_trl_logps(trainer)
    head = trainer.model.get_output_embeddings()
    trl_head_forward = head.__dict__.get("forward")  # TRL's own float32 cast (ineffective under autocast)
    callback = capture(trainer, tmp_path / "dumps", dtype="f32")
    trainer.train()
    assert not callback.failures and len(callback.written) == len(theirs) == 2
    assert head.__dict__.get("forward") is trl_head_forward  # restored after each captured forward
    for (before, _), logp in zip(callback.written, theirs):
        d = per_token.load(before)
        z = d["logits"].astype(np.float64) / trainer.temperature
        top = z.max(-1, keepdims=True)
        lse = np.log(np.exp(z - top).sum(-1)) + top[..., 0]
        ours = np.take_along_axis(z, d["token_ids"][..., None], -1)[..., 0] - lse
        valid = d["mask"].astype(bool)
        assert np.abs(ours - logp)[valid].max() <= 1e-4, np.abs(ours - logp)[valid].max()


def test_a_trainer_without_a_temperature_is_named_not_assumed_silently():
    """Before: T = 1.0 was recorded for a trainer without ``temperature`` with no word; the value
    now comes with a warning, and a trainer's own T is used as it is."""
    import types

    from deltah.trl import _trainer_temperature

    with pytest.warns(UserWarning, match="no 'temperature'; the dumps record T = 1.0"):
        assert _trainer_temperature(types.SimpleNamespace()) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _trainer_temperature(types.SimpleNamespace(temperature=0.7)) == 0.7
