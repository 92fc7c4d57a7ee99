"""deltah.cli against the real binary ($DELTAH_BIN or .build/debug/deltah), and deltah.per_token
against the `safetensors` library (light tests: numpy, safetensors, pytest)."""

import os
import stat
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli, export, per_token  # noqa: E402

from deltah_binary import DELTAH, ROOT, requires_binary, run  # noqa: E402

SAMPLE = [os.path.join(ROOT, "data", "sample", f"step_000{i}.safetensors") for i in (1, 2, 3)]


@pytest.fixture
def binary_env(monkeypatch):
    monkeypatch.setenv("DELTAH_BIN", DELTAH)


@requires_binary
def test_analyze_matches_the_binary_json(binary_env):
    import json

    ours = cli.analyze(SAMPLE[0], micro_batch=4, kl_cov_ratio=0.01, clip_cov_bounds=(1, 5), seed=3)
    theirs = json.loads(run("analyze", SAMPLE[0], "--micro-batch", "4", "--kl-cov-ratio", "0.01",
                            "--clip-cov-bounds", "1,5", "--seed", "3", "--json"))
    assert ours == theirs
    series = cli.analyze(SAMPLE)
    assert [s["step"] for s in series["steps"]] == [1, 2, 3]


@requires_binary
def test_compare_with_per_token_and_load(binary_env, tmp_path):
    out = tmp_path / "change.safetensors"
    r = cli.compare(SAMPLE[0], SAMPLE[1], per_token=out)
    assert r["tokens"] > 0 and -1 <= r["pearson_first_order"] <= 1
    mine, lib = per_token.load(out), load_file(str(out))
    assert set(mine) == set(lib)
    for name in lib:
        assert mine[name].dtype == lib[name].dtype and np.array_equal(mine[name], lib[name], equal_nan=True)
    d = mine["delta_actual"]
    assert np.isclose(np.nanmean(d), r["mean_delta_actual"], rtol=1e-9, atol=1e-12)


@requires_binary
def test_shards_merge_to_the_whole(binary_env, tmp_path):
    parts = [tmp_path / f"p{i}.safetensors" for i in range(2)]
    for i, p in enumerate(parts):
        assert cli.analyze(SAMPLE[1], shard=f"{i}/2", partial=p)["partial"] == str(p)
    merged, whole = cli.merge(parts), cli.analyze(SAMPLE[1])
    assert merged["entropy_token_mean"] == whole["entropy_token_mean"]
    assert merged["tokens"] == whole["tokens"]


@requires_binary
def test_whatif_law_and_series_match_the_binary_json(binary_env, tmp_path):
    import json

    assert cli.whatif(SAMPLE[0], SAMPLE[1], seed=2) == json.loads(
        run("whatif", SAMPLE[0], SAMPLE[1], "--seed", "2", "--json"))
    assert cli.whatif(SAMPLE[0], entropy_history=[2.0, 1.9])["interventions"]
    log = tmp_path / "run.json"
    log.write_text(run("bandit", "--rewards", "1,0,0.5", "--steps", "30", "--json"))
    assert cli.law(log, bootstrap=50, seed=1) == json.loads(run("law", str(log), "--bootstrap", "50", "--seed", "1", "--json"))
    summaries = []
    for i, dump in enumerate(SAMPLE):
        summaries.append(tmp_path / f"s{i}.json")
        summaries[-1].write_text(run("analyze", dump, "--json"))
    assert cli.series(reversed(summaries)) == cli.analyze(SAMPLE)


@requires_binary
def test_report_writes_html_and_json_tables(binary_env, tmp_path):
    html = tmp_path / "r.html"
    r = cli.report(SAMPLE, compare=(SAMPLE[0], SAMPLE[1]), html=html, out=tmp_path / "figs", format="json")
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    assert str(html) in r["written"] and all(os.path.exists(p) for p in r["written"])
    assert any(p.endswith(".svg") for p in r["written"])
    tables = cli.report(SAMPLE, format="json")["tables"]
    assert isinstance(tables, list) and all("columns" in t for t in tables)
    with pytest.raises(ValueError):
        cli.report(SAMPLE, compare=(SAMPLE[0],))


@requires_binary
def test_errors_carry_the_cli_message_and_exit_code(binary_env, tmp_path):
    with pytest.raises(cli.DeltaHError) as e:
        cli.analyze(tmp_path / "missing.safetensors")
    assert "missing.safetensors" in e.value.message and e.value.returncode != 0
    assert "\n" not in e.value.message and not e.value.message.startswith("Error")
    with pytest.raises(cli.DeltaHError) as e:
        cli.analyze(SAMPLE[0], no_such_option=1)
    assert e.value.returncode != 0 and "no-such-option" in e.value.stderr


def test_binary_search_order(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "deltah"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho '{\"ok\": 1}'\n")
    fake.chmod(0o755)
    monkeypatch.delenv("DELTAH_BIN", raising=False)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert cli.find_binary() == str(fake)
    assert cli.analyze("x.safetensors") == {"ok": 1}
    monkeypatch.setenv("DELTAH_BIN", str(tmp_path / "nope"))
    with pytest.raises(cli.DeltaHError, match="DELTAH_BIN"):
        cli.find_binary()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("DELTAH_BIN")
    bundled = os.path.join(os.path.dirname(cli.__file__), "bin", "deltah")
    if not os.path.exists(bundled):
        with pytest.raises(cli.DeltaHError, match="not found"):
            cli.find_binary()


def test_flags():
    assert cli._flags({"per_token": "a b", "json": True, "seed": None, "x": False, "clip_cov_bounds": (1, 5.5)}) == [
        "--per-token", "a b", "--json", "--clip-cov-bounds", "1,5.5"]


def test_per_token_reads_every_type_and_bf16(tmp_path):
    path = tmp_path / "t.safetensors"
    arrays = {"f64": np.array([[1.5, np.nan]]), "f32": np.arange(3, dtype=np.float32),
              "i64": np.array([-1, 2**40]), "u8": np.array([1, 0], np.uint8), "f16": np.array([0.5], np.float16),
              "b": np.array([True, False])}
    save_file(arrays, str(path), metadata={"k": "v"})
    got = per_token.load(path)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v, equal_nan=True)
    assert per_token.load_metadata(path) == {"k": "v"}
    assert set(per_token.load(path, names=["i64"])) == {"i64"}
    with pytest.raises(ValueError, match="no tensor"):
        per_token.load(path, names=["zz"])
    # BF16 through the export writer: exact float32 values of the rounded bits
    z = np.array([[[1.0, -2.5, 3.14159]]], np.float32)
    export.save_dump(tmp_path / "d.safetensors", logits=z, token_ids=np.zeros((1, 1), int), advantages=np.ones((1, 1)))
    assert np.array_equal(per_token.load(tmp_path / "d.safetensors")["logits"],
                          export.bf16_bits_to_float32(export.float32_to_bf16_bits(z)))
    (tmp_path / "bad.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ValueError, match="bad.safetensors"):
        per_token.load(tmp_path / "bad.safetensors")


def test_to_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    t = {"delta_actual": np.arange(6.0).reshape(2, 3), "valid": np.ones((2, 3), np.uint8), "topk": np.zeros((2, 3, 4))}
    df = per_token.to_dataframe(t)
    assert list(df.columns) == ["position", "row", "column", "delta_actual", "valid"]
    assert df.loc[4, "row"] == 1 and df.loc[4, "column"] == 1 and df.loc[4, "delta_actual"] == 4.0
    assert isinstance(df, pd.DataFrame)


def test_export_vocab_size_permissions_and_extra(tmp_path):
    z = np.zeros((2, 3, 7), np.float32)
    args = dict(token_ids=np.zeros((2, 3), int), advantages=np.zeros((2, 3)))
    old = os.umask(0o027)
    try:
        export.save_dump(tmp_path / "a.safetensors", logits=z, logits_dtype="f32", vocab_size=7, extra={"prompt_ids": np.ones((2, 5), int)}, **args)
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "a.safetensors").st_mode)
    assert mode == 0o640  # 0o666 & ~0o027 (mkstemp alone gives 0o600)
    assert per_token.load_metadata(tmp_path / "a.safetensors")["vocab_size"] == "7"
    assert load_file(str(tmp_path / "a.safetensors"))["prompt_ids"].dtype == np.int64
    with pytest.raises(ValueError, match="vocab_size"):
        export.save_dump(tmp_path / "b.safetensors", logits=z, vocab_size=8, **args)
    with pytest.raises(ValueError, match="top-k"):
        export.save_dump(tmp_path / "b.safetensors", topk_logprobs=np.zeros((2, 3, 4)), topk_ids=np.zeros((2, 3, 4), int),
                         vocab_size=3, **args)
    with pytest.raises(ValueError, match="contract"):
        export.save_dump(tmp_path / "b.safetensors", extra={"responses": np.zeros((2, 3), int)}, **args)
    export.save_npz(tmp_path / "c.npz", topk_logprobs=np.zeros((2, 3, 4)), topk_ids=np.broadcast_to(np.arange(4), (2, 3, 4)),
                    vocab_size=50, **args)
    import json
    assert json.load(open(tmp_path / "c.metadata.json"))["vocab_size"] == 50
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


@requires_binary
def test_topk_dump_with_vocab_size_gives_upper_bounds(binary_env, tmp_path):
    rng = np.random.default_rng(0)
    logp = np.log(rng.dirichlet(np.ones(50), size=(2, 3)))
    ids = np.argsort(-logp, -1)[..., :5]
    export.save_dump(tmp_path / "k.safetensors", topk_logprobs=np.take_along_axis(logp, ids, -1), topk_ids=ids,
                     token_ids=ids[..., 0], advantages=np.ones((2, 3)), vocab_size=50)
    r = cli.analyze(tmp_path / "k.safetensors")
    assert r["top_k"] is not None and "upper" in str(r["top_k"])
