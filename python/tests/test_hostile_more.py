"""More hostile cases against the `deltah` binary (issue 10), found by a red-team pass after the
first two suites (test_hostile_files.py, test_hostile_inputs.py): absurd numbers in the options of
`bandit`, `sweep`, `analyze` and `whatif`, and a sweep whose second figure cannot be written.

Every case ends in a correct result or a non-zero exit with a one-line message naming the argument
or file; never a signal, a hang (timeouts), NaN/inf printed with exit 0, or a partial output.

Needs the binary: $DELTAH_BIN, else .build/debug/deltah.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Sequence

import pytest

from deltah_binary import DELTAH, ROOT
from deltah_binary import requires_binary as pytestmark  # noqa: F401

STEP1 = os.path.join(ROOT, "data", "sample", "step_0001.safetensors")
NON_FINITE = re.compile(r"(?<![A-Za-z_])(nan|inf|infinity)(?![A-Za-z_])", re.IGNORECASE)


def deltah(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs deltah ARGS; never a signal, never a hang; exit 0 never prints NaN."""
    proc = subprocess.run([DELTAH, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert 0 <= proc.returncode < 128, f"signal/crash {proc.returncode}: {args}\n{proc.stderr[-1500:]}"
    if proc.returncode == 0:
        match = re.search(r"(?<![A-Za-z_])nan(?![A-Za-z_])", proc.stdout, re.IGNORECASE)
        assert match is None, f"NaN with exit 0: {args}\n{proc.stdout[max(0, match.start() - 300):match.start() + 50]}"
    return proc


def refused(args: Sequence[str], *names: str) -> str:
    """A non-zero exit (no signal) with a one-line message naming every one of `names`."""
    proc = deltah(args)
    assert proc.returncode > 0, f"accepted: {args}\n{proc.stdout[:500]}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line: {proc.stderr!r}"
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


# Training runs that overflow Double, and correlations that do not exist ----------------------


@pytest.mark.parametrize(
    "extra",
    [
        ["--lr", "1e308"],
        ["--rule", "grpo", "--intervention", "clip-cov", "--lr", "1e308"],
        ["--rule", "ppo", "--entropy-coef", "1e308"],
    ],
    ids=["pg", "grpo-clip-cov", "ppo-entropy-coef"],
)
def test_a_training_step_that_overflows_double_is_refused(extra: list[str]) -> None:
    # Before: exit 0 with "nan" in the 2nd-order column (and "delta_second_order": "nan" in JSON).
    # The trainer names the setting in the field's words; the command adds its flag.
    refused(["bandit", "--rewards", "1,0,0", "--steps", "5", *extra], "--lr", "learning rate η")
    refused(["bandit", "--rewards", "1,0,0", "--steps", "5", "--json", *extra], "--lr", "learning rate η")


@pytest.mark.parametrize("args", [["--rewards", "1,1"], ["--rewards", "1,0,0", "--lr", "1e-320"], ["--rewards", "1,0,0", "--lr", "1e20"]])
def test_an_undefined_pearson_correlation_is_not_printed_as_nan(args: list[str]) -> None:
    # A run whose first-order or actual ΔH series is constant has no Pearson correlation. Before:
    # "Pearson nan" in the table and "pearson_first_order": "nan" in JSON, exit 0.
    table = deltah(["bandit", *args, "--steps", "4"])
    assert table.returncode == 0, table.stderr
    assert "Pearson -" in table.stdout
    document = deltah(["bandit", *args, "--steps", "4", "--json"])
    assert document.returncode == 0, document.stderr
    summary = json.loads(document.stdout)["summary"]
    assert summary.get("pearson_first_order") is None


# η so large that the polarity overflows ---------------------------------------------------


@pytest.mark.parametrize("command", ["analyze", "whatif"])
@pytest.mark.parametrize("lr", ["1e308"])
def test_a_learning_rate_that_overflows_the_polarity_is_refused(command: str, lr: str) -> None:
    # Before: exit 0 with polarity Σ, OPEFO λ* and what-if ΔH printed as nan/inf.
    # The library names the parameter η and where it came from (the flag), not the CLI spelling.
    # (A negative η such as -1e308 is refused earlier, while parsing: η > 0.)
    refused([command, STEP1, "--lr", lr], STEP1, "η = ", "from flag")
    refused([command, STEP1, "--lr", lr, "--json"], STEP1, "η = ", "from flag")


def test_a_large_but_representable_learning_rate_still_works() -> None:
    proc = deltah(["analyze", STEP1, "--lr", "1e300", "--json"])
    assert proc.returncode == 0, proc.stderr
    assert not NON_FINITE.search(proc.stdout.replace('"inf"', "")), "non-finite polarity figures"
    polarity = json.loads(proc.stdout)["polarity"]
    assert abs(polarity["total"]) > 1e290


# sweep: absurd counts and seeds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, name",
    [
        (["--runs", "9223372036854775807"], "--runs"),  # before: allocation abort (SIGABRT)
        (["--runs", "100000000"], "--runs"),  # before: ran for hours
        (["--steps", "9223372036854775807"], "--steps"),  # before: allocation abort
        (["--samples", "9223372036854775807"], "--samples"),  # before: SIGSEGV
        (["--seed", "18446744073709551615"], "--seed"),  # before: arithmetic overflow trap (SIGILL)
        (["--threads", "100000000"], "--threads"),
        (["--arms", "100000000000", "--seed", "1"], "--arms"),
    ],
    ids=["runs-max", "runs-1e8", "steps-max", "samples-max", "seed-max", "threads", "arms"],
)
def test_sweep_bounds_every_count(extra: list[str], name: str) -> None:
    base = ["sweep", "--steps", "3", "--runs", "2"]
    if "--arms" not in extra:
        base += ["--rewards", "1,0"]
    refused([*base, *extra], name)


def test_sweep_checks_both_figures_before_writing_either(tmp_path: Path) -> None:
    # Before: sweep-entropy.svg was written, then the FIFO sweep-reward.svg refused.
    folder = tmp_path / "curves"
    folder.mkdir()
    os.mkfifo(folder / "sweep-reward.svg")
    refused(["sweep", "--rewards", "1,0", "--steps", "3", "--runs", "2", "--curves", folder], "sweep-reward.svg", "FIFO")
    assert sorted(os.listdir(folder)) == ["sweep-reward.svg"]
    assert not list(tmp_path.rglob(".*.tmp-*"))


# law: bootstrap counts ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_json(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("law") / "bandit.json"
    proc = deltah(["bandit", "--rewards", "1,0,0", "--steps", "20", "--json"])
    assert proc.returncode == 0, proc.stderr
    path.write_text(proc.stdout)
    return path


@pytest.mark.parametrize("count", ["9223372036854775807", "100000000"])
@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["table", "json"])
def test_law_bounds_the_bootstrap(run_json: Path, count: str, extra: list[str]) -> None:
    # Before: 2^63−1 corrupted the heap (SIGABRT "malloc(): smallbin double linked list
    # corrupted", or SIGSEGV); 10^8 ran for hours.
    refused(["law", run_json, "--bootstrap", count, *extra], "--bootstrap")


# report: a NaN in a JSON input ------------------------------------------------------------------


def test_report_refuses_a_json_input_holding_nan(run_json: Path, tmp_path: Path) -> None:
    # Before: the "initial H" row of the run summary printed NaN with exit 0 (table and JSON).
    document = json.loads(run_json.read_text())
    document["steps"][0]["entropy"] = "nan"
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    for extra in ([], ["--format", "json"]):
        message = refused(["report", damaged, *extra], str(damaged), "steps[0].entropy")
        assert "NaN" in message
    html = tmp_path / "r.html"
    refused(["report", damaged, "--html", html], str(damaged))
    assert not html.exists()


def test_report_still_reads_the_undamaged_run(run_json: Path) -> None:
    proc = deltah(["report", run_json])
    assert proc.returncode == 0, proc.stderr
    assert "Run summary" in proc.stdout


# Whole-file inputs that are huge or endless ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["report", "{f}.json"], ["series", "{f}.json"], ["law", "{f}.csv"]],
    ids=["report", "series", "law"],
)
def test_a_huge_sparse_json_or_log_is_refused_not_an_allocation_abort(tmp_path: Path, command: list[str]) -> None:
    # Before: "Fatal error: failed to allocate 2214592448 bytes" (SIGABRT) under ulimit -v 2000000.
    import resource

    name = command[1].format(f=tmp_path / "huge")
    with open(name, "wb") as handle:
        handle.truncate(20 << 30)  # a sparse 20 GiB file
    limit = 2_000_000 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run([DELTAH, command[0], name], capture_output=True, text=True, timeout=60, preexec_fn=cap)
    assert 0 < proc.returncode < 128, f"status {proc.returncode}: {proc.stderr[-800:]}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and "MiB" in lines[0], proc.stderr


def test_law_on_an_endless_standard_input_ends_with_a_message() -> None:
    # Before: `deltah law - < /dev/zero` never ended (readLine on a stream without newlines).
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run([DELTAH, "law", "-"], stdin=zero, capture_output=True, text=True, timeout=60)
    assert 0 < proc.returncode < 128, proc.stderr[-800:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "standard input" in lines[0], proc.stderr


def test_law_still_reads_a_log_from_standard_input(tmp_path: Path) -> None:
    log = "step,entropy,reward\n" + "".join(f"{i},{1 / (i + 1)},{i / 10}\n" for i in range(10))
    proc = subprocess.run([DELTAH, "law", "-", "--json"], input=log, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["count"] == 10


# Warnings of a dump reach whatif and law ------------------------------------------------------


def _dump_with_attention_mask(path: Path, step: int, seed: int) -> str:
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    save_file(
        {
            "logits": rng.standard_normal((2, 3, 8)).astype(np.float32),
            "token_ids": rng.integers(0, 8, (2, 3)),
            "advantages": rng.standard_normal((2, 3)).astype(np.float32),
            "attention_mask": np.ones((2, 3), np.uint8),
        },
        str(path),
        metadata={"step": str(step), "lr": "0.1"},
    )
    return str(path)


def test_whatif_names_an_ignored_tensor_in_table_and_json(tmp_path: Path) -> None:
    # Before: whatif analysed the dump without its facts: no word of attention_mask anywhere.
    dump = _dump_with_attention_mask(tmp_path / "d.safetensors", 1, 0)
    table = deltah(["whatif", dump])
    assert table.returncode == 0, table.stderr
    assert "attention_mask" in table.stdout and "attention_mask" in table.stderr
    document = deltah(["whatif", dump, "--json"])
    assert any("attention_mask" in w for w in json.loads(document.stdout)["warnings"])


def test_law_on_dumps_names_an_ignored_tensor_in_every_output(tmp_path: Path) -> None:
    # Before: the token-mean entropies were fitted with every position valid, without a word.
    dumps = [_dump_with_attention_mask(tmp_path / f"s{i}.safetensors", i, i) for i in (1, 2, 3)]
    rewards = tmp_path / "rewards.csv"
    rewards.write_text("step,reward\n1,0.1\n2,0.5\n3,0.7\n")
    table = deltah(["law", *dumps, "--rewards", rewards])
    assert table.returncode == 0, table.stderr
    assert table.stdout.count("attention_mask") == 3 and table.stderr.count("attention_mask") == 3
    document = deltah(["law", *dumps, "--rewards", rewards, "--json"])
    warnings = json.loads(document.stdout)["warnings"]
    assert sum("attention_mask" in w for w in warnings) == 3
    assert not any(w.startswith("η = 1") or "η = 1 by default" in w for w in warnings)


# An infinite trust scale is worded, not printed as "inf" --------------------------------------


def test_an_unbounded_trust_scale_is_not_printed_as_inf() -> None:
    # Before: "trust scale s* (ε = 1e+308)  inf (step inside)" and "median trust scale s*  inf".
    step = deltah(["step", "--logits", "2,1,0", "--delta", "0.1,0,-0.1", "--trust-tolerance", "1e308"])
    assert step.returncode == 0 and "unbounded (step inside)" in step.stdout
    assert not NON_FINITE.search(step.stdout.replace("1e+308", ""))
    compare = deltah(["compare", STEP1, STEP1.replace("0001", "0002"), "--trust-tolerance", "1e308"])
    assert compare.returncode == 0 and "unbounded" in compare.stdout
    assert not NON_FINITE.search(compare.stdout.replace("1e+308", ""))


# An empty output folder ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, option, written",
    [
        (["sweep", "--rewards", "1,0", "--steps", "3", "--runs", "2", "--curves", ""], "--curves", ["sweep-entropy.svg", "sweep-reward.svg"]),
        (["report", STEP1, "--out", ""], "--out", ["entropy-per-step.md", "entropy-distribution.md", "polarity-quadrants.md"]),
    ],
    ids=["sweep", "report"],
)
def test_an_empty_output_folder_is_refused_not_the_root(args: list[str], option: str, written: list[str]) -> None:
    # Before: "" + "/name" wrote the figures and tables into / (as root, beside the system's files).
    existed = {name for name in written if os.path.lexists("/" + name)}
    try:
        refused(args, option, "empty")
        for name in written:
            assert name in existed or not os.path.lexists("/" + name), f"/{name} was written"
    finally:
        for name in written:
            if name not in existed and os.path.isfile("/" + name):
                os.remove("/" + name)
