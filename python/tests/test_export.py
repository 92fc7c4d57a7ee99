"""Round-trip tests for deltah.export (numpy + the real safetensors package; no torch)."""

import json
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import export as dx  # noqa: E402
from deltah_binary import DELTAH, requires_binary  # noqa: E402


def reference_bf16(x: float) -> int:
    """bfloat16 bits of a float32 value, computed one value at a time with Python integers."""
    (bits,) = struct.unpack("<I", struct.pack("<f", x))
    exponent = (bits >> 23) & 0xFF
    if exponent == 0xFF and bits & 0x7FFFFF:  # NaN: keep it NaN
        return (bits >> 16) | 0x40
    upper, lower = bits >> 16, bits & 0xFFFF
    if lower > 0x8000 or (lower == 0x8000 and upper & 1):
        upper += 1
    return upper


def contract(b=2, t=3, v=5, k=2):
    n = b * t
    logits = (np.arange(n * v, dtype=np.float32).reshape(b, t, v) * 0.25 - 3).astype(np.float32)
    return dict(
        logits=logits,
        token_ids=np.arange(n, dtype=np.int32).reshape(b, t) * 3,
        advantages=(np.arange(n, dtype=np.float64).reshape(b, t) * 0.5 - 1),
        mask=np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)[:b, :t],
        old_logprobs=-np.ones((b, t), np.float32),
        logprobs=-np.full((b, t), 0.5, np.float32),
        entropy=np.full((b, t), 0.25, np.float32),
        sequence_ids=np.repeat(np.arange(b), t).reshape(b, t),
        group_ids=np.zeros((b, t), np.int64),
        topk_logprobs=-np.arange(n * k, dtype=np.float32).reshape(b, t, k),
        topk_ids=np.arange(n * k, dtype=np.int64).reshape(b, t, k) % v,  # distinct in a row (k < v), in the vocabulary
    )


def test_f32_round_trip_through_safetensors(tmp_path):
    c = contract()
    path = tmp_path / "step.safetensors"
    dx.save_dump(path, **c, temperature=0.7, step=12, lr=1e-6, logits_dtype="f32")
    loaded = load_file(str(path))
    assert sorted(loaded) == sorted(c)
    np.testing.assert_array_equal(loaded["logits"], c["logits"])
    assert loaded["logits"].dtype == np.float32
    assert loaded["token_ids"].dtype == np.int64
    np.testing.assert_array_equal(loaded["token_ids"], c["token_ids"])
    np.testing.assert_array_equal(loaded["advantages"], c["advantages"].astype(np.float32))
    assert loaded["mask"].dtype == np.uint8
    np.testing.assert_array_equal(loaded["mask"], c["mask"].astype(np.uint8))
    np.testing.assert_array_equal(loaded["topk_ids"], c["topk_ids"])
    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata() == {"temperature": "0.7", "step": "12", "lr": "1e-06"}
    assert [p for p in os.listdir(tmp_path)] == ["step.safetensors"]


def test_f16_logits(tmp_path):
    c = contract()
    path = tmp_path / "h.safetensors"
    dx.save_dump(path, logits=c["logits"], token_ids=c["token_ids"], advantages=c["advantages"], logits_dtype="f16")
    loaded = load_file(str(path))
    assert loaded["logits"].dtype == np.float16
    np.testing.assert_array_equal(loaded["logits"], c["logits"].astype(np.float16))


def test_bf16_rounding_matches_reference():
    special = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 3.4028235e38, 1e-45, 1.17549435e-38]
    # Exact ties: bit 15 set, lower bits clear, upper even / odd.
    ties = [struct.unpack("<f", struct.pack("<I", u))[0] for u in (0x3F808000, 0x3F818000, 0xBF808000, 0x7F7F8000)]
    rng = np.random.default_rng(0)
    randoms = list(rng.standard_normal(2000).astype(np.float32) * 10.0 ** rng.integers(-30, 30, 2000))
    values = np.array(special + ties + randoms, dtype=np.float32)
    got = dx.float32_to_bf16_bits(values)
    want = np.array([reference_bf16(float(x)) for x in values], dtype=np.uint16)
    np.testing.assert_array_equal(got, want)
    assert got[special.index(3.4028235e38)] == 0x7F80  # max float rounds up to +inf
    assert list(got[len(special):len(special) + 4]) == [0x3F80, 0x3F82, 0xBF80, 0x7F80]
    assert np.isnan(dx.bf16_bits_to_float32(got[6]))


def test_bf16_file_holds_rounded_bits(tmp_path):
    c = contract()
    logits = (1 + np.arange(30, dtype=np.float32) / 1000).reshape(2, 3, 5).astype(np.float32)
    path = tmp_path / "b.safetensors"
    dx.save_dump(path, logits=logits, token_ids=c["token_ids"], advantages=c["advantages"], step=3)
    with open(path, "rb") as f:
        raw = dict(deserialize(f.read()))
    assert raw["logits"]["dtype"] in ("bfloat16", "BF16")
    assert raw["logits"]["shape"] == [2, 3, 5]
    bits = np.frombuffer(bytes(raw["logits"]["data"]), dtype="<u2")
    want = [reference_bf16(float(x)) for x in logits.ravel()]
    assert list(bits) == want
    # The real library accepts the file's header (keys, metadata) even though numpy cannot hold BF16.
    with safe_open(str(path), framework="numpy") as f:
        assert sorted(f.keys()) == ["advantages", "logits", "token_ids"]
        assert f.metadata()["step"] == "3"


class FakeTorchTensor:
    """Just enough of torch.Tensor for duck typing: detach/float/cpu/numpy/dtype."""

    def __init__(self, array, dtype="torch.float32"):
        self.array = np.asarray(array)
        self.dtype = dtype
        self.calls = []

    def detach(self):
        self.calls.append("detach")
        return self

    def float(self):
        self.calls.append("float")
        return FakeTorchTensor(self.array.astype(np.float32))

    def cpu(self):
        self.calls.append("cpu")
        return self

    def numpy(self):
        return self.array


def test_accepts_torch_like_tensors(tmp_path):
    c = contract()
    logits = FakeTorchTensor(c["logits"].astype(np.float64))
    ids = FakeTorchTensor(c["token_ids"], dtype="torch.int64")
    path = tmp_path / "t.safetensors"
    dx.save_dump(path, logits=logits, token_ids=ids, advantages=FakeTorchTensor(c["advantages"]), logits_dtype="f32")
    assert logits.calls[:2] == ["detach", "float"]
    loaded = load_file(str(path))
    np.testing.assert_array_equal(loaded["logits"], c["logits"])
    np.testing.assert_array_equal(loaded["token_ids"], c["token_ids"])


def test_npz_round_trip_with_sidecar(tmp_path):
    c = contract()
    path = tmp_path / "step_4.npz"
    dx.save_npz(path, **c, temperature=0.9, step=4, logits_dtype="bf16")
    with np.load(path) as z:
        assert sorted(z.files) == sorted(c)
        np.testing.assert_array_equal(dx.bf16_bits_to_float32(z["logits"].view(np.uint16)), c["logits"])
        np.testing.assert_array_equal(z["token_ids"], c["token_ids"])
    with open(tmp_path / "step_4.metadata.json") as f:
        meta = json.load(f)
    crcs = meta.pop("npz_crc32")
    assert meta == {"temperature": 0.9, "step": 4}
    with zipfile.ZipFile(path) as z:  # the record is the archive's own directory, member by member
        assert crcs == " ".join(f"{i.filename}:{i.CRC:08x}" for i in sorted(z.infolist(), key=lambda i: i.filename))


@requires_binary
def test_a_stale_npz_sidecar_is_refused(tmp_path):
    """Before: a sidecar kept from an earlier version of the archive (here T = 2 beside an
    archive rewritten with T = 0.5) was read silently, with temperature_source 'metadata'."""
    rng = np.random.default_rng(0)
    c = dict(logits=rng.normal(size=(2, 3, 5)).astype(np.float32), token_ids=rng.integers(0, 5, size=(2, 3)),
             advantages=rng.normal(size=(2, 3)))
    path, sidecar = tmp_path / "s.npz", tmp_path / "s.metadata.json"
    dx.save_npz(path, **c, temperature=2.0)
    old = sidecar.read_text()
    c["logits"] = c["logits"] + 1
    dx.save_npz(path, **c, temperature=0.5)
    fresh = subprocess.run([DELTAH, "analyze", str(path), "--json"], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["temperature"] == 0.5
    sidecar.write_text(old)
    stale = subprocess.run([DELTAH, "analyze", str(path), "--json"], capture_output=True, text=True)
    assert stale.returncode == 1 and stale.stdout == ""
    assert stale.stderr.count("\n") == 1 and "s.metadata.json" in stale.stderr and "stale pair" in stale.stderr


def test_rejects_inconsistent_shapes_and_leaves_nothing(tmp_path):
    c = contract()
    with pytest.raises(ValueError, match="advantages has shape"):
        dx.save_dump(tmp_path / "x.safetensors", token_ids=c["token_ids"], advantages=np.zeros(6))
    with pytest.raises(ValueError, match="together"):
        dx.save_dump(tmp_path / "x.safetensors", token_ids=c["token_ids"], advantages=c["advantages"], topk_ids=c["topk_ids"])
    with pytest.raises(ValueError, match="logits_dtype"):
        dx.save_dump(tmp_path / "x.safetensors", logits=c["logits"], token_ids=c["token_ids"], advantages=c["advantages"], logits_dtype="f64")
    assert os.listdir(tmp_path) == []


def test_real_library_reads_the_swift_writer_output():
    """Tests/LogitDumpsTests/Fixtures/swift_writer.safetensors is written by DeltaH's Swift
    SafetensorsWriter (a Swift test checks it still writes these exact bytes)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "Tests", "LogitDumpsTests", "Fixtures", "swift_writer.safetensors")
    loaded = load_file(path)
    i = np.arange(12)
    np.testing.assert_array_equal(loaded["entropy"], (i * 0.25 - 3).astype(np.float32).reshape(3, 4))
    np.testing.assert_array_equal(loaded["delta"], (i / 8 - 1).reshape(3, 4))
    np.testing.assert_array_equal(loaded["token_ids"], (i * 3 - 5).reshape(3, 4))
    np.testing.assert_array_equal(loaded["mask"], (i % 2).astype(np.uint8).reshape(3, 4))
    assert loaded["delta"].dtype == np.float64 and loaded["mask"].dtype == np.uint8
    with safe_open(path, framework="numpy") as f:
        assert f.metadata() == {"temperature": "0.7", "producer": "deltah"}


def test_logits_start_on_a_cache_line(tmp_path):
    """The header padding puts the logits' first byte at a multiple of 64 and keeps the data start
    8-aligned, for several tensor mixes."""
    for v, k in ((7, 3), (128, 1), (1001, 5)):
        path = str(tmp_path / f"aligned_{v}.safetensors")
        n = 6
        dx.save_dump(path, logits=np.zeros((n, v), np.float32), token_ids=np.zeros(n, np.int64),
                     advantages=np.zeros(n), mask=np.ones(n, np.uint8), entropy=np.zeros(n, np.float32),
                     topk_logprobs=np.zeros((n, k), np.float32), topk_ids=np.tile(np.arange(k, dtype=np.int64), (n, 1)),
                     logits_dtype="f32")
        with open(path, "rb") as f:
            header_len = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(header_len))
        assert (8 + header_len) % 8 == 0
        assert (8 + header_len + header["logits"]["data_offsets"][0]) % 64 == 0
        load_file(path)  # the real library still reads it
