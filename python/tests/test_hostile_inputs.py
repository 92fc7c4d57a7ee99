"""Hostile inputs to the `deltah` binary: absurd numeric arguments, crafted partials, unknown
tensor names, warnings through `report`, subnormal temperatures and huge logits.

Every case ends in either a correct result or a non-zero exit whose standard error is one line
naming the file or argument at fault. None ends in a signal (returncode < 0) or prints NaN with
exit 0.

Needs the binary: $DELTAH_BIN, else .build/debug/deltah.
"""

import json
import os
import re
import subprocess

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from deltah_binary import DELTAH, ROOT
from deltah_binary import requires_binary as pytestmark  # noqa: F401

SAMPLE = os.path.join(ROOT, "data", "sample")
STEP1, STEP2 = (os.path.join(SAMPLE, f"step_000{i}.safetensors") for i in (1, 2))
NAN = re.compile(r"(?<![A-Za-z_])nan(?![A-Za-z_])", re.IGNORECASE)


def deltah(*args, timeout=60):
    """Runs deltah; checks the invariants every hostile case shares; returns the process."""
    proc = subprocess.run([DELTAH, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {args}\n{proc.stderr[-2000:]}"
    if proc.returncode == 0:
        assert not NAN.search(proc.stdout), f"NaN with exit 0: {args}\n{proc.stdout[:2000]}"
    return proc


def fails(args, *fragments):
    """The run fails with one 'Error:' line on stderr containing every fragment."""
    proc = deltah(*args)
    assert proc.returncode != 0, f"accepted: {args}\n{proc.stdout[:500]}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


def dump(path, n_seq=2, t=3, v=8, seed=0, extra=None, metadata=None, dtype=np.float32, scale=2.0):
    """A small safetensors dump with logits, token_ids, advantages and mask."""
    rng = np.random.default_rng(seed)
    tensors = {
        "logits": (scale * rng.standard_normal((n_seq, t, v))).astype(dtype),
        "token_ids": rng.integers(0, v, (n_seq, t)).astype(np.int64),
        "advantages": rng.standard_normal((n_seq, t)).astype(np.float32),
        "mask": np.ones((n_seq, t), dtype=np.uint8),
    }
    tensors.update(extra or {})
    meta = {k: v for k, v in {"step": "3", "lr": "0.5", **(metadata or {})}.items() if v is not None}
    save_file(tensors, str(path), metadata=meta)
    return str(path)


def tensors_and_metadata(path):
    with safe_open(str(path), "np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})


def craft(source, target, metadata=None, tensors=None):
    """A copy of partial `source` with metadata and tensors replaced."""
    t, m = tensors_and_metadata(source)
    t.update(tensors or {})
    m.update(metadata or {})
    save_file(t, str(target), metadata=m)
    return str(target)


@pytest.fixture(scope="module")
def partials(tmp_path_factory):
    """Three partials of a small dump, the whole run's JSON, and a partial of a second dump."""
    d = tmp_path_factory.mktemp("partials")
    src = dump(d / "src.safetensors", n_seq=6, t=4, v=16, seed=1)
    other = dump(d / "other.safetensors", n_seq=6, t=4, v=16, seed=2)
    parts = []
    for i in range(3):
        p = d / f"p{i}.safetensors"
        assert deltah("analyze", src, "--shard", f"{i}/3", "--partial", p).returncode == 0
        parts.append(str(p))
    foreign = d / "foreign.safetensors"
    assert deltah("analyze", other, "--shard", "1/3", "--partial", foreign).returncode == 0
    relr = d / "relr.safetensors"
    assert deltah("analyze", src, "--shard", "1/3", "--partial", relr, "--lr", "7").returncode == 0
    whole = deltah("analyze", src, "--json").stdout
    return {"dir": d, "src": src, "parts": parts, "foreign": str(foreign), "relr": str(relr), "whole": whole}


# Absurd numeric arguments -------------------------------------------------------------------

@pytest.mark.parametrize(
    "args, fragment",
    [
        (["curvature", STEP1, "--positions", "1e300"], "--positions"),
        (["curvature", STEP1, "--positions", "-1"], "--positions"),
        (["analyze", STEP1, "--shard", "4611686018427387904/9223372036854775807", "--partial", "/tmp/deltah-never"], "--shard"),
        (["analyze", STEP1, "--shard", "1/0", "--partial", "/tmp/deltah-never"], "--shard"),
        (["bandit", "--arms", "100000000000", "--seed", "1"], "--arms"),
        (["bandit", "--rewards", "1,0", "--steps", "9223372036854775807"], "--steps"),
        (["bandit", "--rewards", "1,0", "--samples", "9223372036854775807", "--rule", "grpo"], "--samples"),
        (["mdp", "--states", "100000"], "--states"),
        (["analyze", STEP1, "--kl-cov-ratio", "nan"], "--kl-cov-ratio"),
        (["analyze", STEP1, "--lr", "inf"], "--lr"),
        (["analyze", STEP1, "--micro-batch", "-3"], "--micro-batch"),
        (["curvature", "--logits", "2,1", "--top", "9223372036854775807"], "--top"),
    ],
)
def test_absurd_numeric_arguments(args, fragment):
    fails(args, fragment)
    assert not os.path.exists("/tmp/deltah-never")


@pytest.mark.parametrize("command", [["analyze", STEP1], ["compare", STEP1, STEP2], ["step", "--logits", "2,1", "--delta", "0,0"]])
def test_negative_temperature_is_a_proper_message(command):
    line = fails(command + ["--temperature", "-1"], "--temperature")
    assert "Missing value" not in line


# Subnormal temperature and huge logits ------------------------------------------------------

@pytest.mark.parametrize("command", [["analyze", STEP1], ["curvature", "--logits", "2,1"], ["step", "--logits", "2,1", "--delta", "0,0"]])
def test_subnormal_temperature_flag_is_refused(command):
    fails(command + ["--temperature", "1e-310"], "1/T overflows")


def test_subnormal_temperature_in_metadata_is_refused(tmp_path):
    p = dump(tmp_path / "t.safetensors", metadata={"temperature": "1e-310"})
    fails(["analyze", p], p, "temperature")


@pytest.mark.parametrize("command", [["step", "--logits", "1e308,-1e308", "--delta", "0,0"], ["curvature", "--logits", "1e308,-1e308", "--top", "2"]])
def test_logits_near_double_max_never_print_nan(command):
    fails(command + ["--json"], "Double's range")


def test_huge_f64_logits_in_a_dump_give_no_nan(tmp_path):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 3, 8))
    logits[0, 0, :] = [1e308, -1e308, 0, 0, 0, 0, 0, 0]
    p = dump(tmp_path / "huge.safetensors", extra={"logits": logits})
    proc = deltah("analyze", p, "--json")
    if proc.returncode == 0:
        assert json.loads(proc.stdout)["tokens"] >= 1
    proc = deltah("curvature", p, "--positions", "0", "--json")
    assert proc.returncode != 0 and "Double's range" in proc.stderr


# Crafted partials ----------------------------------------------------------------------------

def test_merge_equals_the_unsharded_run(partials):
    merged = deltah("merge", *partials["parts"], "--json")
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout == partials["whole"]
    o = json.loads(merged.stdout)
    assert o["step"] == 3 and o["learning_rate"] == 0.5 and o["learning_rate_source"] == "metadata"


def test_partials_of_different_dumps_are_refused(partials):
    p = partials["parts"]
    fails(["merge", p[0], partials["foreign"], p[2]], partials["foreign"], "source dump identity")


def test_partials_with_different_settings_are_refused(partials):
    p = partials["parts"]
    fails(["merge", p[0], partials["relr"], p[2]], partials["relr"], "lr")


@pytest.mark.parametrize(
    "name, metadata, fragment",
    [
        ("overflow", {"position_shape": "4611686018427387904,4"}, "overflows"),
        ("negative-shape", {"position_shape": "-6,4"}, "position_shape"),
        ("negative-count", {"non_finite_rows": "-5"}, "non_finite_rows"),
        ("huge-count", {"non_finite_rows": "9223372036854775807"}, "non_finite_rows"),
        ("subnormal-t", {"temperature": "1e-310"}, "temperature"),
        ("zero-t", {"temperature": "0"}, "temperature"),
        ("nan-lr", {"lr": "nan"}, "lr"),
        ("bad-identity", {"source_identity": "x"}, "source_identity"),
        ("bad-topk", {"impossible_values": "-1,0,0,0,0,0"}, "impossible_values"),
    ],
)
def test_crafted_partial_metadata(partials, name, metadata, fragment):
    bad = craft(partials["parts"][0], partials["dir"] / f"{name}.safetensors", metadata=metadata)
    fails(["merge", bad], bad, fragment)


def test_crafted_partial_positions_out_of_range(partials):
    t, _ = tensors_and_metadata(partials["parts"][0])
    pos = t["positions"].copy()
    pos[-1] = 10**12
    bad = craft(partials["parts"][0], partials["dir"] / "pos.safetensors", tensors={"positions": pos})
    fails(["merge", bad], bad, "positions")


def test_crafted_partial_nan_value(partials):
    t, _ = tensors_and_metadata(partials["parts"][0])
    entropy = t["entropy"].copy()
    entropy[0] = np.nan
    bad = craft(partials["parts"][0], partials["dir"] / "nan.safetensors", tensors={"entropy": entropy})
    fails(["merge", bad], bad, "entropy")


def test_crafted_partial_wrong_length(partials):
    t, _ = tensors_and_metadata(partials["parts"][0])
    bad = craft(partials["parts"][0], partials["dir"] / "len.safetensors", tensors={"valid": t["valid"][:-1]})
    fails(["merge", bad], bad, "valid")


def test_compare_partials_merge_exactly_and_refuse_crafted(tmp_path):
    a = dump(tmp_path / "a.safetensors", n_seq=4, seed=5)
    b = dump(tmp_path / "b.safetensors", n_seq=4, seed=6)
    whole = deltah("compare", a, b, "--json")
    parts = []
    for i in range(2):
        p = tmp_path / f"c{i}.safetensors"
        assert deltah("compare", a, b, "--shard", f"{i}/2", "--partial", p).returncode == 0
        parts.append(str(p))
    merged = deltah("merge", *parts, "--json")
    assert merged.returncode == 0 and merged.stdout == whole.stdout
    t, _ = tensors_and_metadata(parts[0])
    pos = t["positions"].copy()
    pos[0] = -4
    bad = craft(parts[0], tmp_path / "bad.safetensors", tensors={"positions": pos})
    fails(["merge", bad, parts[1]], bad, "positions")


def test_compare_accepts_f32_against_bf16(tmp_path):
    a = dump(tmp_path / "f32.safetensors", seed=7)
    t, m = tensors_and_metadata(a)
    bits = (t["logits"].astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    header = json.dumps({"__metadata__": m, "logits": {"dtype": "BF16", "shape": list(bits.shape), "data_offsets": [0, bits.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    b = tmp_path / "bf16.safetensors"
    b.write_bytes(len(header).to_bytes(8, "little") + header + bits.tobytes())
    proc = deltah("compare", a, b, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["tokens"] == 6


# Unknown tensor names -------------------------------------------------------------------------

def test_attention_mask_is_named_not_ignored_silently(tmp_path):
    p = dump(tmp_path / "am.safetensors", extra={"attention_mask": np.zeros((2, 3), np.uint8)})
    proc = deltah("analyze", p, "--json")
    assert proc.returncode == 0
    o = json.loads(proc.stdout)
    assert o["ignored_tensors"] == ["attention_mask"]
    assert any("'attention_mask'" in w and "'mask'" in w and "'response_mask'" in w for w in o["warnings"])
    assert "attention_mask" in proc.stderr
    table = deltah("analyze", p).stdout
    assert "read: logits ← logits [2,3,8] F32" in table and "mask ← mask [2,3] U8" in table
    assert "ignored: attention_mask" in table


def test_old_log_prob_gets_a_suggestion(tmp_path):
    p = dump(tmp_path / "olp.safetensors", extra={"old_log_prob": np.full((2, 3), -1.0, np.float32)})
    o = json.loads(deltah("analyze", p, "--json").stdout)
    assert any("'old_log_prob'" in w and "old_log_probs" in w for w in o["warnings"])


# Warnings through report ------------------------------------------------------------------------

def test_warnings_reach_every_report_format(tmp_path):
    # η defaulted (no lr), an ignored tensor, impossible logged entropies.
    p = dump(tmp_path / "w.safetensors", metadata={"lr": None}, extra={
        "attention_mask": np.ones((2, 3), np.uint8), "entropy": np.full((2, 3), -0.5, np.float32)})
    js = tmp_path / "w.json"
    js.write_text(deltah("analyze", p, "--json").stdout)
    html = tmp_path / "r.html"
    proc = deltah("report", js, "--html", html)
    assert proc.returncode == 0, proc.stderr
    page = html.read_text()
    box = page.index('<div class="warnings"')
    assert box < page.index("<section>")
    for needle in ("attention_mask", "impossible logged values", "η = 1 by default"):
        assert needle in page and needle in proc.stderr
    md = deltah("report", js).stdout
    assert "> **Warnings**" in md and "attention_mask" in md
    tables = json.loads(deltah("report", js, "--format", "json").stdout)
    assert all(any("attention_mask" in w for w in tab["warnings"]) for tab in tables)
    tex = deltah("report", js, "--format", "latex").stdout
    assert "\\textbf{Warning:}" in tex
    # The same from the dump itself.
    direct = deltah("report", p, "--format", "json")
    assert direct.returncode == 0 and "attention_mask" in direct.stderr


def test_series_is_ordered_by_step_with_warnings(tmp_path):
    paths = [dump(tmp_path / f"s{s}.safetensors", metadata={"step": str(s)}, seed=s) for s in (30, 10, 20, 20)]
    proc = deltah("analyze", *paths, "--json")
    o = json.loads(proc.stdout)
    assert [s["step"] for s in o["steps"]] == [10, 20, 20, 30]
    assert any("repeated step" in w for w in o["warnings"])
