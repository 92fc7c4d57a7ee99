"""deltah.ray on a real local Ray cluster (ray.init(num_cpus=2)): exactness, retries, restarts.

Skipped without the `ray` package (the light venv); `bash scripts/ray-tests.sh` runs them in a
venv with Ray. Needs the binary: $DELTAH_BIN, else .build/debug/deltah.

Exactness is bit-for-bit: results are compared as `json.dumps(sort_keys=True)` text, which
distinguishes every float (shortest round-trip repr, -0.0 included), so no tolerance is used.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
ray = pytest.importorskip("ray")

from deltah import export as dx  # noqa: E402
from deltah import ray as dray  # noqa: E402

from deltah_binary import DELTAH  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401


def canon(value):
    return json.dumps(value, sort_keys=True)


def deltah_json(*args):
    proc = subprocess.run([DELTAH, *args, "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module", autouse=True)
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def make_step(path, step, seed, *, shape=(7, 6), vocab=40, npz=False, lr=2.5e-3):
    """A small dump with every per-position field the analysis uses; BF16 logits."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, size=(*shape, vocab)).astype(np.float32)
    tokens = rng.integers(0, vocab, size=shape)
    mask = np.ones(shape, dtype=np.uint8)
    if len(shape) == 2:
        mask[:, -1 - seed % 2:] = 0  # ragged padding
    adv = rng.normal(size=shape[:1]).astype(np.float32)
    adv = np.broadcast_to(adv.reshape(-1, *([1] * (len(shape) - 1))), shape)
    groups = (np.arange(shape[0]) // 2).reshape(-1, *([1] * (len(shape) - 1)))
    fields = dict(logits=logits, token_ids=tokens, advantages=adv, mask=mask,
                  old_logprobs=rng.normal(-3, 0.5, size=shape).astype(np.float32),
                  group_ids=np.broadcast_to(groups, shape), temperature=0.9, step=step, lr=lr)
    (dx.save_npz if npz else dx.save_dump)(path, **fields)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    return [
        make_step(str(d / "step_000001.safetensors"), 1, 1),
        make_step(str(d / "step_000002.npz"), 2, 2, npz=True),
        make_step(str(d / "step_000003.safetensors"), 3, 3, shape=(37,), lr=1e-6),
    ]


def wrapper(tmp_path, body):
    """An executable shell script that runs `body`, then the real binary with the same arguments."""
    path = tmp_path / "deltah-wrapper.sh"
    path.write_text(f"#!/bin/sh\n{body}\nexec '{DELTAH}' \"$@\"\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def calls(log):
    """The binary's logged command lines, but for the up-front option checks (see test below)."""
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    return [line for line in lines if "deltah-ray-option-check-" not in line]


@pytest.mark.parametrize("shards", [1, 3, 5])
def test_analyze_run_equals_deltah_analyze_bit_for_bit(run_dir, tmp_path, shards):
    want = deltah_json("analyze", *run_dir)
    got = dray.analyze_run(run_dir, shards_per_dump=shards, output_dir=str(tmp_path / "out"), progress=False)
    assert canon(got) == canon(want)
    assert canon(json.load(open(tmp_path / "out" / "series.json"))) == canon(want)
    for name, item in zip(["step_000001", "step_000002", "step_000003"], want["steps"]):
        # Each per-dump file is what `deltah analyze DUMP --json` prints: the summary in its envelope.
        single = dict(item, kind="analyze", deltah_version=want["deltah_version"])
        assert canon(json.load(open(tmp_path / "out" / f"{name}.json"))) == canon(single)
    assert len(os.listdir(tmp_path / "out" / "partials")) == 3 * shards


def test_analyze_run_options_equal_deltah_analyze(run_dir, tmp_path):
    options = dict(temperature=1.3, kl_cov_ratio=0.1, clip_cov_ratio=0.2, clip_cov_bounds=(-0.5, 2.0),
                   micro_batch=2, seed=7)
    flags = ["--temperature", "1.3", "--kl-cov-ratio", "0.1", "--clip-cov-ratio", "0.2",
             "--clip-cov-bounds=-0.5,2.0", "--micro-batch", "2", "--seed", "7"]
    want = deltah_json("analyze", *run_dir, *flags)
    got = dray.analyze_run(run_dir, shards_per_dump=2, output_dir=str(tmp_path), progress=False, **options)
    assert canon(got) == canon(want)
    assert any("temperature 1.3 given on the command line" in w for w in got["steps"][0]["warnings"])
    # An explicit η overrides every dump's metadata, as in `deltah analyze --lr`.
    want = deltah_json("analyze", *run_dir, "--lr", "0.5")
    got = dray.analyze_run(run_dir, shards_per_dump=2, output_dir=str(tmp_path), progress=False, lr=0.5)
    assert canon(got) == canon(want)


def test_default_shard_count_fills_the_cluster_and_respects_sequences(run_dir, tmp_path):
    dray.analyze_run(run_dir[:1], output_dir=str(tmp_path), progress=False)
    # One dump, 2 CPUs, 1 CPU per task: 2 shards.
    assert len(os.listdir(tmp_path / "partials")) == 2
    assert dray._auto_shards(10, rows=7, dumps=1, cpus=64, cpus_per_task=1) == 7
    assert dray._auto_shards(10, rows=None, dumps=100, cpus=64, cpus_per_task=1) == 1
    assert dray._auto_shards(3 * dray.PARTIAL_TARGET_BYTES + 1, rows=2048, dumps=100, cpus=8, cpus_per_task=1) == 4
    assert dray._auto_shards(10, rows=None, dumps=1, cpus=8, cpus_per_task=2) == 4


def test_tasks_get_the_cpus_ray_assigned_as_thread_counts(run_dir, tmp_path):
    log = tmp_path / "env.log"
    binary = wrapper(tmp_path, f'case "$*" in *deltah-ray-option-check-*) ;; '  # the up-front option checks
                               f'*) echo "$1 $DELTAH_THREADS $OPENBLAS_NUM_THREADS" >> "{log}";; esac')
    dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(tmp_path / "a"), binary=binary, progress=False)
    dray.analyze_run(run_dir[:1], shards_per_dump=1, output_dir=str(tmp_path / "b"), binary=binary, progress=False,
                     cpus_per_task=2)
    tasks = [c for c in calls(log) if c.split()[0] in ("analyze", "merge")]
    assert tasks == ["analyze 1 1", "analyze 1 1", "merge 1 1", "analyze 2 2", "merge 2 2"]


@pytest.mark.parametrize("victim", ["worker", "binary"])
def test_a_killed_task_is_retried_and_the_result_is_unchanged(run_dir, tmp_path, victim):
    marker = tmp_path / "killed-once"
    target = "$PPID" if victim == "worker" else "$$"  # the Ray worker process, or the binary itself
    body = (f'case "$*" in *"--shard 1/3"*) if [ ! -e "{marker}" ]; then touch "{marker}"; '
            f'kill -9 {target}; sleep 1; exit 1; fi;; esac')
    want = deltah_json("analyze", *run_dir)
    got = dray.analyze_run(run_dir, shards_per_dump=3, output_dir=str(tmp_path / "out"),
                           binary=wrapper(tmp_path, body), progress=False)
    assert marker.exists()
    assert canon(got) == canon(want)


def test_without_retries_a_killed_task_fails_the_run(run_dir, tmp_path):
    marker = tmp_path / "killed-once"
    body = f'if [ "$1" = analyze ] && [ ! -e "{marker}" ]; then touch "{marker}"; kill -9 $$; fi'
    with pytest.raises(dray.DeltaHError, match="killed by signal 9"):
        dray.analyze_run(run_dir[:1], shards_per_dump=1, output_dir=str(tmp_path), max_retries=0,
                         binary=wrapper(tmp_path, body), progress=False)
    assert marker.exists()


def test_restart_reuses_finished_partials(run_dir, tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "calls.log"
    # First run: shard 2/4 of the second dump fails as if the node went away for good. One wrapper
    # for every run (the cache key hashes the binary), failing while the flag file exists.
    flag = tmp_path / "fail"
    flag.write_text("")
    counting = wrapper(tmp_path, f'echo "$*" >> "{log}"\n'
                                 f'[ -e "{flag}" ] && case "$*" in *step_000002*"--shard 2/4"*) '
                                 f'echo "error: injected failure" >&2; exit 1;; esac')
    with pytest.raises(dray.DeltaHError, match="injected failure"):
        dray.analyze_run(run_dir, shards_per_dump=4, output_dir=str(out), binary=counting, progress=False)
    partials = sorted(os.listdir(out / "partials"))
    assert len(partials) == 11  # every shard but the failed one finished
    before = {p: (os.stat(out / "partials" / p).st_ino, os.stat(out / "partials" / p).st_mtime_ns) for p in partials}
    os.unlink(log)
    os.unlink(flag)

    got = dray.analyze_run(run_dir, shards_per_dump=4, output_dir=str(out), binary=counting, progress=False)
    assert canon(got) == canon(deltah_json("analyze", *run_dir))
    shard_calls = [c for c in calls(log) if c.startswith("analyze")]
    assert len(shard_calls) == 1 and "step_000002" in shard_calls[0] and "--shard 2/4" in shard_calls[0]
    assert sum(c.startswith("merge") for c in calls(log)) == 3
    for p, ident in before.items():
        assert (os.stat(out / "partials" / p).st_ino, os.stat(out / "partials" / p).st_mtime_ns) == ident

    # A third run recomputes nothing; a changed setting (temperature) recomputes everything.
    os.unlink(log)
    dray.analyze_run(run_dir, shards_per_dump=4, output_dir=str(out), binary=counting, progress=False)
    assert not [c for c in calls(log) if c.startswith("analyze")]
    dray.analyze_run(run_dir, shards_per_dump=4, output_dir=str(out), binary=counting, progress=False, temperature=2.0)
    assert len([c for c in calls(log) if c.startswith("analyze")]) == 12


def test_a_damaged_partial_is_recomputed(run_dir, tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "calls.log"
    binary = wrapper(tmp_path, f'echo "$*" >> "{log}"')  # one binary for both runs (the key hashes it)
    want = dray.analyze_run(run_dir[:1], shards_per_dump=3, output_dir=str(out), progress=False, binary=binary)
    os.unlink(log)
    victim = sorted((out / "partials").iterdir())[1]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # as a copy cut short would leave it
    stale = out / "partials" / ("." + victim.name + ".tmp-abc123")  # as a killed writer leaves it
    stale.write_bytes(b"x")
    got = dray.analyze_run(run_dir[:1], shards_per_dump=3, output_dir=str(out), progress=False, binary=binary)
    assert canon(got) == canon(want)
    assert [c for c in calls(log) if c.startswith("analyze")] == [
        f"analyze {os.path.abspath(run_dir[0])} --shard 1/3 --partial {victim}"]
    assert victim.read_bytes() == data
    assert not stale.exists()


def test_a_changed_dump_is_not_served_from_old_partials(tmp_path):
    path = make_step(str(tmp_path / "step.safetensors"), 5, 11)
    first = dray.analyze_run([path], shards_per_dump=2, output_dir=str(tmp_path / "out"), progress=False)
    make_step(path, 5, 12)  # same name and size, other contents
    second = dray.analyze_run([path], shards_per_dump=2, output_dir=str(tmp_path / "out"), progress=False)
    # One dump: analyze prints the summary, which is the per-dump file and (without its envelope
    # keys) the one step of the series.
    single = deltah_json("analyze", path)
    assert canon(json.load(open(tmp_path / "out" / "step.json"))) == canon(single)
    assert canon(second["steps"][0]) == canon({k: v for k, v in single.items() if k not in ("kind", "deltah_version")})
    assert canon(second) != canon(first)


def test_binary_errors_and_unknown_options_are_named(run_dir, tmp_path):
    bad = tmp_path / "not-a-dump.safetensors"
    bad.write_bytes(b"\x00" * 16)
    with pytest.raises(dray.DeltaHError, match="not-a-dump") as caught:
        dray.analyze_run([str(bad)], shards_per_dump=1, output_dir=str(tmp_path), progress=False)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(str(bad))  # the binary's line, no traceback
    with pytest.raises(TypeError, match="kl_cov"):
        dray.analyze_run(run_dir, output_dir=str(tmp_path), progress=False, kl_cov=0.1)
    with pytest.raises(dray.DeltaHError, match="no such dump"):
        dray.analyze_run([str(tmp_path / "missing.safetensors")], output_dir=str(tmp_path), progress=False)
    with pytest.raises(dray.DeltaHError, match="DELTAH_BIN"):
        old = os.environ.get("DELTAH_BIN")
        os.environ["DELTAH_BIN"] = str(tmp_path / "nope")
        try:
            dray.analyze_run(run_dir, output_dir=str(tmp_path), progress=False)
        finally:
            if old is None:
                del os.environ["DELTAH_BIN"]
            else:
                os.environ["DELTAH_BIN"] = old


@pytest.mark.parametrize("shards", [None, 1, 3])
def test_compare_run_equals_deltah_compare(tmp_path, shards, monkeypatch):
    if shards == 3 and not dray._supports_compare_shards(DELTAH):
        pytest.skip("this deltah binary has no 'compare --shard'")
    monkeypatch.chdir(tmp_path)  # relative paths, labelled as given (the tasks see absolute ones)
    pairs = []
    for s in range(2):
        rng = np.random.default_rng(20 + s)
        logits = rng.normal(0, 2, size=(5, 6, 30)).astype(np.float32)
        fields = dict(token_ids=rng.integers(0, 30, size=(5, 6)), advantages=rng.normal(size=(5, 6)),
                      mask=np.ones((5, 6)), temperature=0.9, step=s)
        b, a = f"step_{s}.before.safetensors", f"step_{s}.after.safetensors"
        # An unknown tensor: `compare` warns naming the dump as given (the tasks see absolute paths).
        dx.save_dump(b, logits=logits, **fields, extra={"mystery": np.zeros(3, np.float32)})
        dx.save_dump(a, logits=logits + rng.normal(0, 0.05, size=logits.shape).astype(np.float32), **fields)
        pairs.append((b, a))
    log = tmp_path / "calls.log"
    binary = wrapper(tmp_path, f'echo "$*" >> "{log}"')
    # ε = 0.05 (the default is 0.1): sharded, it is given to merge, as compare partials do not record it.
    want = {"pairs": [deltah_json("compare", b, a, "--temperature", "1.1", "--trust-tolerance", "0.05") for b, a in pairs]}
    got = dray.compare_run(pairs, shards_per_pair=shards, output_dir=str(tmp_path / "out"), binary=binary,
                           progress=False, temperature=1.1, trust_tolerance=0.05)
    assert all(any(w.startswith(f"{b}: tensor 'mystery'") for w in p["warnings"]) for (b, _), p in zip(pairs, want["pairs"]))
    assert canon(got) == canon(want)
    assert canon(json.load(open(tmp_path / "out" / "pairs.json"))) == canon(want)
    compares = lambda: [c for c in calls(log) if c.startswith("compare ") and "--help" not in c]  # noqa: E731
    tasks = 2 * (shards or 1)
    assert len(compares()) == tasks
    assert all(("--shard" in c) == (shards != 1 and dray._supports_compare_shards(DELTAH)) for c in compares())
    again = dray.compare_run(before=[p[0] for p in pairs], after=[p[1] for p in pairs], shards_per_pair=shards,
                             output_dir=str(tmp_path / "out"), binary=binary, progress=False, temperature=1.1,
                             trust_tolerance=0.05)
    assert canon(again) == canon(want)
    assert len(compares()) == tasks  # the finished pairs (or their partials) were reused
    if not dray._supports_compare_shards(DELTAH):
        with pytest.raises(dray.DeltaHError, match="compare --shard"):
            dray.compare_run(pairs, shards_per_pair=2, output_dir=str(tmp_path), progress=False)


def test_command_line(run_dir, tmp_path, capsys):
    code = dray.main([*run_dir, "--out", str(tmp_path), "--shards", "2", "--json", "--no-progress"])
    assert code == 0
    captured = capsys.readouterr()
    want = deltah_json("analyze", *run_dir)
    assert canon(json.loads(captured.out)) == canon(want)
    for w in want["warnings"]:  # every series warning reaches stderr
        assert f"warning: {w}" in captured.err
    code = dray.main([str(tmp_path / "missing.safetensors"), "--out", str(tmp_path), "--no-progress"])
    assert code == 1
    assert "missing.safetensors" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # ε is compare's (and merge's): refused without --compare
        dray.main([*run_dir, "--out", str(tmp_path), "--trust-tolerance", "0.05", "--no-progress"])
    assert exit_.value.code == 2 and "--trust-tolerance applies to --compare" in capsys.readouterr().err


def test_partial_check_rejects_foreign_cut_and_empty_files(run_dir, tmp_path):
    out = tmp_path / "out"
    dray.analyze_run(run_dir[:1], shards_per_dump=1, output_dir=str(out), progress=False)
    (partial,) = (out / "partials").iterdir()
    assert dray._valid_partial(str(partial))
    assert not dray._valid_partial(run_dir[0])  # a dump is a safetensors file, not a partial
    data = partial.read_bytes()
    for name, content in [("empty", b""), ("cut", data[:-1]), ("longer", data + b"\0"), ("header-only", data[:64])]:
        (tmp_path / name).write_bytes(content)
        assert not dray._valid_partial(str(tmp_path / name)), name


@pytest.mark.parametrize("steps", [[5, 1, 3, 3, 9], [2, None, 1], [4, 2]])
def test_series_order_and_warnings_equal_deltah_analyze(tmp_path, steps):
    """Dumps are ordered by metadata step (ties and step-less series in input order) and the series
    warns of repeated and missing steps and of shape or vocabulary changes, as `deltah analyze` does."""
    dumps = []
    for i, step in enumerate(steps):
        shape, vocab = ((4, 3), 20) if i % 2 == 0 else ((5, 3), 24)
        dumps.append(make_step(str(tmp_path / f"dump_{i}.safetensors"), step, 40 + i, shape=shape, vocab=vocab))
    want = deltah_json("analyze", *dumps)
    got = dray.analyze_run(dumps, shards_per_dump=2, output_dir=str(tmp_path / "out"), progress=False)
    assert canon(got) == canon(want)
    assert want["warnings"]  # the case exercises series warnings


def test_one_progress_bar_counts_every_task(run_dir, tmp_path, capsys):
    dray.analyze_run(run_dir, shards_per_dump=2, output_dir=str(tmp_path), progress=True)
    err = capsys.readouterr().err
    assert "9/9" in err  # 3 dumps × 2 shards + 3 merges, in one bar
    assert "10/" not in err and "/10" not in err


def test_relative_paths_are_labelled_as_given(run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(run_dir[0]))
    names = [os.path.basename(d) for d in run_dir]
    got = dray.analyze_run(names, shards_per_dump=2, output_dir=str(tmp_path), progress=False)
    assert canon(got) == canon(deltah_json("analyze", *names))
    assert [s["file"] for s in got["steps"]] == names


def test_a_dump_named_series_keeps_its_summary(tmp_path):
    """Before: a dump `series.safetensors` wrote its summary to `series.json`, which the run's
    series then replaced; its summary now goes under a hashed stem beside the series."""
    dumps = [make_step(str(tmp_path / "series.safetensors"), 1, 1), make_step(str(tmp_path / "b.safetensors"), 2, 2)]
    out = tmp_path / "out"
    got = dray.analyze_run(dumps, output_dir=str(out), progress=False)
    assert canon(json.load(open(out / "series.json"))) == canon(got)
    summaries = [n for n in os.listdir(out) if n.startswith("series-") and n.endswith(".json")]
    assert len(summaries) == 1
    assert json.load(open(out / summaries[0]))["kind"] == "analyze"


def test_a_one_dump_series_is_a_series_that_report_reads(run_dir, tmp_path):
    """Before: for one dump series.json was {"steps": [...], "warnings": []} without "kind", which
    `deltah report` refused ("no 'kind'"); now it is an analyze-series like that of k ≥ 2 dumps."""
    out = tmp_path / "out"
    got = dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(out), progress=False)
    single = deltah_json("analyze", run_dir[0])
    assert got["kind"] == "analyze-series" and got["deltah_version"] == single["deltah_version"]
    assert got["warnings"] == [] and got["covariance_entropy_change_correlation"]["n"] == 0
    assert canon(got["steps"]) == canon([{k: v for k, v in single.items() if k not in ("kind", "deltah_version")}])
    # The same keys as the series of two dumps, step for step.
    two = deltah_json("analyze", run_dir[0], run_dir[0])
    assert sorted(got) == sorted(two) and sorted(got["steps"][0]) == sorted(two["steps"][0])
    proc = subprocess.run([DELTAH, "report", str(out / "series.json"), "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_command_line_errors_are_one_line_with_exit_1(run_dir, tmp_path, capsys, monkeypatch):
    """Before: an --out that is a file, or --address auto without a cluster, ended in a traceback
    (the first only after a local cluster had started)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert dray.main([run_dir[0], "--out", str(blocker), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(blocker) in err and "cannot create the output folder" in err
    assert blocker.read_text() == "x"
    # Ray's own ConnectionError (--address auto with no cluster; faked here, since this module's
    # cluster would answer "auto"): one line, exit 1.
    def no_cluster(address, num_cpus):
        raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(dray, "_connect", no_cluster)
    assert dray.main([run_dir[0], "--out", str(tmp_path / "out"), "--address", "auto", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err == "error: Could not find any running Ray instance.\n"


def test_a_changed_binary_is_not_served_old_partials(run_dir, tmp_path):
    """Before: the cache key knew the binary only by its --version, which a rebuilt binary with
    other numerics keeps, so a rerun merged the old binary's partials. Two wrappers of the same
    binary (same version, different executables) stand for the rebuild."""
    out, log = tmp_path / "out", tmp_path / "calls.log"
    first = wrapper(tmp_path, f'echo "$*" >> "{log}"')
    dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(out), binary=first, progress=False)
    rebuilt = tmp_path / "rebuilt.sh"
    rebuilt.write_text(open(first).read().replace("#!/bin/sh\n", "#!/bin/sh\n# rebuilt\n"))
    rebuilt.chmod(0o755)
    os.unlink(log)
    dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(out), binary=str(rebuilt), progress=False)
    assert len([c for c in calls(log) if c.startswith("analyze")]) == 2
    os.unlink(log)  # the same binary again: every partial reused
    dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(out), binary=str(rebuilt), progress=False)
    assert not [c for c in calls(log) if c.startswith("analyze")]


@pytest.mark.parametrize("victim", ["worker", "binary"])
def test_a_task_that_dies_on_every_attempt_is_one_line_naming_shard_dump_and_cause(run_dir, tmp_path, capsys, victim):
    """Before: once Ray's retries were spent on a dead worker, `analyze_run` raised Ray's
    WorkerCrashedError and `python -m deltah.ray` ended in its traceback; a binary killed by a signal
    on every attempt was named by the wrapper's full command line. Now both are one DeltaHError
    line naming the shard, the dump as given, the cause and the attempts; the command exits 1."""
    target = "$PPID" if victim == "worker" else "$$"  # the Ray worker process, or the binary itself
    body = f'case "$*" in *"--shard 1/2"*) kill -9 {target}; sleep 1; exit 1;; esac'
    binary = wrapper(tmp_path, body)
    code = dray.main([run_dir[0], "--shards", "2", "--out", str(tmp_path / "out"), "--binary", binary,
                      "--max-retries", "1", "--no-progress"])
    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    cause = "the Ray worker failed (WorkerCrashedError: " if victim == "worker" else "deltah analyze was killed by signal 9 (SIGKILL)"
    assert len(errors) == 1
    assert errors[0].startswith(f"error: shard 1/2 of {run_dir[0]}: {cause}"), errors[0]
    assert errors[0].endswith("; failed on all 2 attempt(s) (max_retries=1)"), errors[0]
    # The finished shard's partial stays for a rerun; no temporary is left in partials/.
    assert [p.endswith("shard0000-of-0002.partial.safetensors") for p in os.listdir(tmp_path / "out" / "partials")] == [True]


def test_a_bad_merge_option_is_refused_before_any_shard_runs(run_dir, tmp_path, capsys):
    """Before: a batch setting that only `merge` reads (--kl-cov-ratio 2, a percentage) was refused
    by the merge task, after every shard had run. The binary now checks the options as the tasks
    will give them, up front: its message and exit code 64, no shard started, no partial written."""
    log = tmp_path / "calls.log"
    binary = wrapper(tmp_path, f'echo "$*" >> "{log}"')
    shard_calls = lambda: [c for c in calls(log) if "--shard" in c]  # noqa: E731
    checks = lambda: [c for c in open(log).read().splitlines() if "deltah-ray-option-check-" in c]  # noqa: E731
    with pytest.raises(dray.DeltaHError, match=r"'2.0' is invalid for '--kl-cov-ratio") as caught:
        dray.analyze_run(run_dir, shards_per_dump=2, output_dir=str(tmp_path / "a"), binary=binary, progress=False,
                         kl_cov_ratio=2.0)
    assert caught.value.returncode == 64
    assert shard_calls() == [] and not (tmp_path / "a").exists()
    assert [c.split()[0] for c in checks()] == ["analyze", "merge"]  # the merge command was the one checked
    # The command line: one line, exit 64.
    code = dray.main([*run_dir, "--out", str(tmp_path / "b"), "--binary", binary, "--micro-batch", "0", "--no-progress"])
    assert code == 64
    err = capsys.readouterr().err
    assert err.startswith("error: The value '0' is invalid for '--micro-batch") and err.count("\n") == 1, err
    assert shard_calls() == []
    # ε of a sharded compare goes to merge only: refused before any compare shard too.
    if dray._supports_compare_shards(DELTAH):
        with pytest.raises(dray.DeltaHError, match=r"'-1.0' is invalid for '--trust-tolerance"):
            dray.compare_run([(run_dir[0], run_dir[0])], shards_per_pair=2,
                             output_dir=str(tmp_path / "c"), binary=binary, progress=False, trust_tolerance=-1.0)
        assert shard_calls() == []
    # Where the driver has no binary (runtime_env ships it), the check runs as a task on the nodes.
    with pytest.raises(dray.DeltaHError, match=r"'2.0' is invalid for '--clip-cov-ratio"):
        dray.analyze_run(run_dir, shards_per_dump=2, output_dir=str(tmp_path / "d"), progress=False,
                         runtime_env={"env_vars": {"DELTAH_BIN": binary}}, clip_cov_ratio=2.0)
    assert shard_calls() == []
    assert not [p for p in os.listdir(tempfile.gettempdir()) if p.startswith("deltah-ray-option-check-")]


def test_a_binary_stopped_by_sigterm_is_retried(run_dir, tmp_path):
    """Before: the binary's SIGTERM handler removes its temporaries and exits 143 without a message,
    which read as a refusal of the input ('exited with 143'), not retried. A stopped binary is now
    retried like a killed one. (The wrapper stops the binary at once: whether the signal lands
    before or after the handler is installed, the wrapper exits 143 without a message, as the
    binary does.)"""
    marker = tmp_path / "stopped-once"
    body = (f'case "$*" in *"--shard 1/2"*) if [ ! -e "{marker}" ]; then touch "{marker}"; '
            f'"{DELTAH}" "$@" & pid=$!; kill -TERM $pid; wait $pid 2>/dev/null; exit $?; fi;; esac')
    got = dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(tmp_path / "out"),
                           binary=wrapper(tmp_path, body), progress=False)
    assert marker.exists()
    assert canon(got["steps"][0]) == canon({k: v for k, v in deltah_json("analyze", run_dir[0]).items()
                                            if k not in ("kind", "deltah_version")})
    with pytest.raises(dray.DeltaHError, match=r"shard 1/2 of .*: deltah analyze was stopped by signal 15 \(SIGTERM\)"):
        os.unlink(marker)
        dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(tmp_path / "again"), max_retries=0,
                         binary=wrapper(tmp_path, body), progress=False)


def test_a_changed_binary_shipped_by_runtime_env_is_not_served_old_partials(run_dir, tmp_path):
    """Before: with the binary on the nodes only (runtime_env), the cache key knew it as "unknown",
    so a rebuilt binary's run merged the old binary's partials. The key now holds the identity of
    the binary a node finds."""
    out, log = tmp_path / "out", tmp_path / "calls.log"
    first = wrapper(tmp_path, f'echo "$*" >> "{log}"')
    rebuilt = tmp_path / "rebuilt.sh"
    rebuilt.write_text(open(first).read().replace("#!/bin/sh\n", "#!/bin/sh\n# rebuilt\n"))
    rebuilt.chmod(0o755)
    shards = lambda: [c for c in calls(log) if c.startswith("analyze")]  # noqa: E731
    for binary, runs in [(first, 2), (str(rebuilt), 2), (str(rebuilt), 0)]:
        if os.path.exists(log):
            os.unlink(log)
        got = dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(out), progress=False,
                               runtime_env={"env_vars": {"DELTAH_BIN": binary}})
        assert len(shards()) == runs, binary
    assert canon(got["steps"]) == canon(dray.analyze_run(run_dir[:1], shards_per_dump=2, output_dir=str(tmp_path / "x"),
                                                         progress=False)["steps"])


def test_an_interrupted_run_stops_its_binaries_by_sigterm_and_leaves_no_temporary(run_dir, tmp_path, capsys):
    """Before: Ctrl-C ended `python -m deltah.ray` in a KeyboardInterrupt traceback, and the running
    binaries were killed with the Ray workers (SIGKILL), leaving the temporary file of each partial
    being written. Now the unfinished tasks are cancelled, each stops its binary by SIGTERM (whose
    handler removes the temporary), and the command prints one line and exits 130. The stand-in
    binary writes a temporary beside its partial and removes it on SIGTERM, as deltah does."""
    started, stopped = tmp_path / "started", tmp_path / "stopped"
    body = (f'case "$*" in *--shard*) part=$(echo "$*" | sed "s/.*--partial \\([^ ]*\\).*/\\1/"); '
            f'tmp="$(dirname "$part")/.$(basename "$part").tmp-test$$"; : > "$tmp"; echo >> "{started}"; '
            f'trap \'rm -f "$tmp"; echo >> "{stopped}"; kill $sleeper; exit 143\' TERM; '
            f'sleep 60 & sleeper=$!; wait $sleeper; exit 1;; esac')
    binary = wrapper(tmp_path, body)

    def interrupt_once_both_started():
        for _ in range(600):
            if started.exists() and len(started.read_text().splitlines()) == 2:
                break
            time.sleep(0.05)
        signal.raise_signal(signal.SIGINT)  # as Ctrl-C: KeyboardInterrupt in the main thread

    timer = threading.Thread(target=interrupt_once_both_started)
    timer.start()
    code = dray.main([run_dir[0], "--shards", "2", "--out", str(tmp_path / "out"), "--binary", binary, "--no-progress"])
    timer.join()
    assert code == 130
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("error: ")] == [
        f"error: interrupted; the finished shards' partials in {tmp_path / 'out' / 'partials'} are reused by a rerun"]
    assert len(stopped.read_text().splitlines()) == 2  # both binaries got SIGTERM
    assert os.listdir(tmp_path / "out" / "partials") == []


def test_an_interrupt_while_waiting_for_the_series_task_stops_its_binary(run_dir, tmp_path, capsys):
    """Before: only the shard and merge waits (`_wait_all`) cancelled their tasks on Ctrl-C; an
    interrupt while the driver waited in `ray.get` for the series task (or the option check on a
    node, or a recomputed shard) left that task and its binary running after the command exited
    130. Every wait now cancels its tasks, which stop their binaries by SIGTERM."""
    started, stopped = tmp_path / "started", tmp_path / "stopped"
    body = (f'case "$1" in series) echo >> "{started}"; '
            f'trap \'echo >> "{stopped}"; kill $sleeper; exit 143\' TERM; '
            f'sleep 60 & sleeper=$!; wait $sleeper; exit 1;; esac')
    binary = wrapper(tmp_path, body)

    def interrupt_once_started():
        for _ in range(1200):
            if started.exists():
                break
            time.sleep(0.05)
        signal.raise_signal(signal.SIGINT)

    timer = threading.Thread(target=interrupt_once_started)
    timer.start()
    code = dray.main([*run_dir[:2], "--shards", "1", "--out", str(tmp_path / "out"), "--binary", binary, "--no-progress"])
    timer.join()
    assert code == 130
    assert started.exists()
    assert stopped.exists() and len(stopped.read_text().splitlines()) == 1  # the series binary got SIGTERM
