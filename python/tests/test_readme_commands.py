"""The README does not lie: its commands run, its numbers are the binary's, its flags and keys exist.

A user copies commands from README.md (and the other Markdown files of the repository). This module

* extracts every ``deltah …`` command line of the fenced ``sh``/``bash``/``shell``/``console`` blocks
  of every Markdown file and the complete ``deltah …`` commands quoted inline (backticks) in their
  prose, and runs each one that needs only the bundled data (``data/sample``, ``data/trl-tiny``) or
  the outputs of earlier commands of the same block, with ``$DELTAH_BIN`` as ``deltah`` on PATH, in a
  temporary working directory holding a copy of ``data/`` (``/tmp/…`` paths are rewritten into it;
  the directory is removed, and the repository is checked to be unchanged). Each must exit 0, print
  no ``nan``, and a ``console`` block's shown output must appear in the real output. Commands that
  need what this machine does not give a light test (a Ray cluster, torch, Slurm, a user's own
  files, placeholders such as ``BEFORE``) are skipped by the rules in ``SKIP_RULES``, each with its
  reason; the rules are listed, never silent, and a rule that no longer matches anything fails.
* compares the values the README shows next to a command (tables and sentences of measured
  numbers) with the real output, at the printed precision (``matches_shown``: a value shown with d
  decimals is the output rounded to d decimals, |actual − shown| ≤ ½·10⁻ᵈ, mantissa digits for
  ``1.93e-2``, percent for ``53 %``);
* checks that every ``--flag`` named in the Markdown files exists on the ``deltah`` command it is
  attributed to (a code span or command line that starts with the command), and otherwise on some
  ``deltah`` command or on the other tool the README names for it (``OTHER_TOOLS_FLAGS``);
* checks that every JSON key (and per-token tensor, partial metadata key) the README documents for a
  command appears in that command's real output.

Numbers the README shows that are not checked here, and why: the linearised-network table (needs
the torch jvp dumps of ``trl_grpo_tiny.py --linearize``), the sweep table (about a minute), the law
table's rows other than PG seed 0 (3–15 s each in a debug build), and the speed, overhead and Ray
cost tables (timings of one machine).
"""

from __future__ import annotations

import glob
import json
import math
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from deltah_binary import DELTAH, ROOT  # noqa: E402
from deltah_binary import requires_binary as pytestmark  # noqa: E402,F401

ROOTP = Path(ROOT)
README = (ROOTP / "README.md").read_text(encoding="utf-8")

#: Directory names never scanned for Markdown (build products, environments, generated output).
EXCLUDED_DIRS = {".git", ".build", "out", "__pycache__", ".pytest_cache", "build", "node_modules"}
SHELL_LANGS = {"sh", "bash", "shell", "console"}
COMMANDS = ["demo", "step", "analyze", "compare", "merge", "bandit", "mdp", "curvature", "cliff",
            "report", "whatif", "sweep", "series", "law"]

#: (rule, pattern, reason): a README command matching the pattern is not run, for that reason.
#: Every rule must match at least one command (a stale rule fails `test_skip_rules_are_used`).
SKIP_RULES = [
    ("setup", r"scripts/setup\.sh", "installs system packages and builds a release binary"),
    ("slurm", r"\bsbatch\b", "needs a Slurm cluster"),
    ("ray", r"deltah\.ray|venv-ray|ray_bench\.py", "needs Ray (the ~/.cache/deltah/venv-ray venv or a cluster)"),
    ("user files", r"(?<![\w.])(dumps|run|partials|results)/|train_log\.|rewards\.csv|/tmp/ray-bench",
     "reads a user's own training dumps or logs (or benchmark dumps made by a script), not bundled"),
    ("placeholders", r"\b[A-Z][A-Z_0-9]{2,}\b(?!=)|\bP_\w+|…|\[--|\w\|\w|[α-ωΑ-Ω]|\s[a-z](?=\s|$)",
     "has placeholder arguments (BEFORE, DUMP, OUT, …, [--opt], a|b, Greek or one-letter values), not a literal command"),
    ("fragment", r"^deltah (report --html|step --json|sweep --format json)$",
     "names a command with one of its options in running text; its inputs are in the sentence around it"),
    ("runtime", r"deltah sweep --arms 10 --states 8 --seed 0 --runs 5 --steps 150",
     "the measured sweep takes about a minute in a debug build (the table's cells are not checked here)"),
    ("earlier output", r"^inline: deltah law run\.json --fit-fraction 0\.15$",
     "inline copy of a command of the law block, run there after the bandit run that writes run.json"),
]

#: Flags the Markdown names that belong to another tool, with the file that defines them (checked
#: to contain the flag) or None for a tool outside the repository.
OTHER_TOOLS_FLAGS = {
    "--address": "python/deltah/ray.py", "--binary": "python/deltah/ray.py",
    "--no-progress": "python/deltah/ray.py",
    "--dtype": "python/examples/trl_grpo_tiny.py", "--linearize": "python/examples/trl_grpo_tiny.py",
    "--overhead": "python/examples/trl_grpo_tiny.py", "--hidden": "python/examples/trl_grpo_tiny.py",
    "--layers": "python/examples/trl_grpo_tiny.py",
    "--cpus": "benchmarks/ray_bench.py", "--shards": "benchmarks/ray_bench.py",
    "--repeat": "benchmarks/ray_bench.py", "--noop-tasks": "benchmarks/ray_bench.py",
    "--rows": "benchmarks/make_bench_dump.py",
    "--array": None, "--cpus-per-task": None, "--dependency": None, "--parsable": None, "--wrap": None,  # sbatch
    "--filter": None, "--product": None, "--static-swift-stdlib": None,  # swift
    "--head": None,  # ray start
}

#: (command, flag) pairs the README names as removed (its "Changes to outputs" notes); checked absent.
REMOVED_FLAGS = {("report", f) for f in ("--seed", "--micro-batch", "--kl-cov-ratio", "--clip-cov-ratio",
                                         "--clip-cov-bounds")}


# ---------------------------------------------------------------------------------------------
# Markdown extraction


def markdown_files() -> list[Path]:
    """Every Markdown file of the repository (build products and environments excluded)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith(".venv")]
        found += [Path(dirpath) / f for f in filenames if f.endswith(".md")]
    return sorted(found)


def shell_blocks(path: Path) -> list[dict]:
    """The fenced shell blocks of one Markdown file: ``{file, line, lang, commands, shown}``.

    ``commands`` are logical lines (backslash continuations joined) with their line numbers; in a
    ``console`` block only ``$ `` lines are commands and the others are ``shown`` output.
    """
    blocks, block = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        fence = re.match(r"^\s*```\s*(\w*)", line)
        if fence:
            if block is None:
                block = {"file": path.relative_to(ROOTP).as_posix(), "line": number, "lang": fence.group(1),
                         "commands": [], "shown": [], "pending": ""}
            else:
                if block["lang"] in SHELL_LANGS:
                    blocks.append(block)
                block = None
            continue
        if block is None or block["lang"] not in SHELL_LANGS:
            continue
        if block["lang"] == "console" and not block["pending"]:
            if not line.startswith("$ "):
                if line.strip():
                    block["shown"].append(line.strip())
                continue
            line = line[2:]
        text = block["pending"] + line
        if text.rstrip().endswith("\\"):
            block["pending"] = text.rstrip()[:-1] + " "
            continue
        block["pending"] = ""
        if text.strip():
            block["commands"].append((number, " ".join(text.split())))
    return blocks


def is_deltah_command(command: str) -> bool:
    """Whether a shell line runs DeltaH (the binary, its Python runner or a script given the binary)."""
    return bool(re.search(r"(^|[\s/;&|(])deltah(\s|$)|deltah\.ray|DELTAH_BIN=", command))


def prose(text: str) -> str:
    """Markdown text with its fenced blocks blanked (newlines kept, so offsets and lines stay)."""
    return re.sub(r"^\s*```.*?^\s*```", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S | re.M)


def inline_commands(path: Path) -> list[tuple[int, str]]:
    """``deltah CMD ARG…`` commands quoted in backticks in the prose (line breaks joined).

    A bare ``deltah CMD`` names a command and is not collected.
    """
    text = prose(path.read_text(encoding="utf-8"))
    found = []
    for match in re.finditer(r"`(deltah [a-z][^`]*)`", text):
        command = " ".join(re.sub(r"\s*\[--[^\]]*\]", "", match.group(1)).split())  # optional [--opt x] left out
        if len(command.split()) > 2:
            found.append((text.count("\n", 0, match.start()) + 1, command))
    return found


def skip_reason(command: str, lang: str = "sh") -> str | None:
    """The reason of the first rule of SKIP_RULES that matches, else None (the command is run).

    Rules see the command without its shell comment; a pattern starting ``^inline: `` applies to
    commands quoted in prose only.
    """
    command = re.sub(r"(^|\s)#.*$", "", command).strip()
    for name, pattern, reason in SKIP_RULES:
        if re.search(pattern, command) or (lang == "inline" and re.search(pattern, "inline: " + command)):
            return f"{name}: {reason}"
    return None


def all_commands() -> list[dict]:
    """Every DeltaH command of every Markdown file, grouped per block (inline ones are one-command blocks)."""
    groups = []
    for path in markdown_files():
        for block in shell_blocks(path):
            commands = [(n, c) for n, c in block["commands"] if is_deltah_command(c)]
            if commands:
                groups.append({**block, "commands": commands})
        for number, command in inline_commands(path):
            groups.append({"file": path.relative_to(ROOTP).as_posix(), "line": number, "lang": "inline",
                           "commands": [(number, command)], "shown": []})
    return groups


# ---------------------------------------------------------------------------------------------
# Running commands in a scratch directory


class Scratch:
    """A temporary working directory with a copy of the bundled data and ``deltah`` on PATH."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="deltah-readme-")
        self.path = Path(self._dir.name)
        shutil.copytree(ROOTP / "data" / "sample", self.path / "data" / "sample")
        shutil.copytree(ROOTP / "data" / "trl-tiny", self.path / "data" / "trl-tiny")
        (self.path / "bin").mkdir()
        (self.path / "bin" / "deltah").symlink_to(os.path.abspath(DELTAH))
        (self.path / "tmp").mkdir()
        self.env = {**os.environ, "PATH": f"{self.path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                    "OPENBLAS_NUM_THREADS": "1"}

    def run(self, command: str) -> subprocess.CompletedProcess:
        """Runs a shell line here, ``/tmp/`` rewritten into the scratch directory."""
        command = re.sub(r"(?<![\w.])/tmp/", f"{self.path}/tmp/", command)
        return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.path, env=self.env,
                              capture_output=True, text=True, timeout=300)

    def deltah(self, *args: str) -> str:
        """stdout of ``deltah ARGS`` run here, which must exit 0."""
        proc = subprocess.run([DELTAH, *args], cwd=self.path, env=self.env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, f"deltah {' '.join(args)}: exit {proc.returncode}: {proc.stderr}"
        return proc.stdout

    def json(self, *args: str) -> dict:
        """The JSON object ``deltah ARGS`` prints."""
        return json.loads(self.deltah(*args))

    def close(self) -> None:
        self._dir.cleanup()


def repository_snapshot() -> dict[str, float]:
    """Path → modification time of every file of the repository outside build products and venvs."""
    snapshot = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if not d.startswith(".build") and not d.startswith(".venv")
                       and d not in {".git", "__pycache__", ".pytest_cache"}]
        for name in filenames:
            full = os.path.join(dirpath, name)
            try:
                snapshot[full] = os.lstat(full).st_mtime
            except FileNotFoundError:
                pass
    return snapshot


@pytest.fixture(scope="module")
def scratch():
    before = repository_snapshot()
    work = Scratch()
    yield work
    work.close()
    assert not work.path.exists(), "the scratch directory was left behind"
    assert repository_snapshot() == before, "running the README commands changed files in the repository"


NAN = re.compile(r"(?<![A-Za-z])nan(?![A-Za-z])", re.I)


# ---------------------------------------------------------------------------------------------
# Shown values at their printed precision


def matches_shown(shown: str, actual) -> bool:
    """Whether ``actual`` prints as ``shown``: |actual − shown| ≤ ½ unit of the last shown digit.

    ``shown`` is a README number (``−4.82e-3``, ``0.9833``, ``53 %``, ``+5.108``, ``null``); a
    percent compares 100·actual. The half unit is inclusive, with a relative slack of 1e-12 for the
    binary representation of the shown decimal.
    """
    text = shown.strip().strip("`").replace("−", "-").replace("+", "").replace(" ", "")
    if text == "null":
        return actual is None
    if actual is None:
        return False
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 100.0
    match = re.fullmatch(r"-?(\d+)(?:\.(\d*))?(?:e(-?\d+))?", text)
    assert match, f"cannot read the shown number {shown!r}"
    decimals = len(match.group(2) or "")
    exponent = int(match.group(3) or 0)
    half_unit = 0.5 * 10.0 ** (exponent - decimals)
    value = float(text)
    return abs(actual * scale - value) <= half_unit * (1 + 1e-9) + 1e-12 * abs(value)


def test_matches_shown_reads_precision():
    assert matches_shown("0.9833", 0.98332502)
    assert not matches_shown("0.9833", 0.98345)
    assert matches_shown("−4.82e-3", -0.004818)
    assert not matches_shown("−4.82e-3", -0.00483)
    assert matches_shown("53 %", 0.53125) and not matches_shown("54 %", 0.53125)
    assert matches_shown("`null`", None) and not matches_shown("0", None)


def readme_table(header_start: str) -> list[list[str]]:
    """The body rows (cells stripped) of the README table whose header row starts with ``header_start``."""
    lines = README.split("\n")
    for index, line in enumerate(lines):
        if line.strip().startswith(header_start):
            rows = []
            for row in lines[index + 2:]:
                if not row.strip().startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            return rows
    pytest.fail(f"README has no table whose header starts with {header_start!r}")


def readme_sentence(pattern: str) -> re.Match:
    """The README match of ``pattern`` (whitespace in the README collapsed to one space)."""
    match = re.search(pattern, " ".join(README.split()))
    assert match, f"README no longer has the sentence matching {pattern!r}; update this test with it"
    return match


NUMBER = r"([+−-]?\d+(?:\.\d+)?(?:e[+−-]?\d+)?)"


# ---------------------------------------------------------------------------------------------
# 1. The commands run


def test_skip_rules_are_used():
    used = {name for name, _, _ in SKIP_RULES
            if any((skip_reason(c, group["lang"]) or "").startswith(name + ":")
                   for group in all_commands() for _, c in group["commands"])}
    assert used == {name for name, _, _ in SKIP_RULES}, f"stale skip rules: {set(r[0] for r in SKIP_RULES) - used}"


def test_readme_commands_run(scratch):
    """Every runnable command of every block exits 0 and prints no NaN; skipped ones are listed."""
    groups = all_commands()
    assert any(g["file"] == "README.md" and g["lang"] == "sh" for g in groups), "no README shell block found"
    ran, skipped, failures = [], [], []
    for index, group in enumerate(groups):
        block_dir = scratch.path / f"block{index}"
        block_dir.mkdir()
        (block_dir / "data").symlink_to(scratch.path / "data")
        (block_dir / "tmp").mkdir()
        outputs = []
        for number, command in group["commands"]:
            where = f"{group['file']}:{number}"
            reason = skip_reason(command, group["lang"])
            if reason:
                skipped.append(f"{where}: {command}  [{reason}]")
                continue
            command_here = re.sub(r"(?<![\w.])/tmp/", f"{block_dir}/tmp/", command)
            proc = subprocess.run(["bash", "-o", "pipefail", "-c", command_here], cwd=block_dir,
                                  env=scratch.env, capture_output=True, text=True, timeout=300)
            ran.append(f"{where}: {command}")
            outputs.append(proc.stdout)
            if proc.returncode != 0:
                failures.append(f"{where}: {command}\n  exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
            elif NAN.search(proc.stdout):
                failures.append(f"{where}: {command}\n  prints nan")
        for shown in group["shown"]:
            if not any(" ".join(shown.split()) in " ".join(out.split()) for out in outputs):
                failures.append(f"{group['file']}:{group['line']}: shown output not in the real output: {shown}")
        for written in block_dir.rglob("*.json"):
            if NAN.search(written.read_text(encoding="utf-8", errors="replace")):
                failures.append(f"{group['file']}:{group['line']}: {written.name} written with nan")
    print("\nREADME commands run:\n  " + "\n  ".join(ran))
    print("README commands skipped, by rule:\n  " + "\n  ".join(skipped))
    assert ran, "no README command was run"
    assert not failures, "\n".join(failures)
    assert (scratch.path / "tmp").exists()


def test_readme_merge_equals_unsharded(scratch):
    """`deltah merge /tmp/p0 /tmp/p1 --json  # identical to the unsharded run`."""
    readme_sentence(r"deltah merge /tmp/p0\.safetensors /tmp/p1\.safetensors --json # identical to the unsharded run")
    dump = "data/sample/step_0002.safetensors"
    for i in (0, 1):
        scratch.deltah("analyze", dump, "--shard", f"{i}/2", "--partial", f"tmp/merge{i}.safetensors")
    merged = scratch.json("merge", "tmp/merge0.safetensors", "tmp/merge1.safetensors", "--json")
    assert merged == scratch.json("analyze", dump, "--json")


def test_demo_writes_its_report(scratch):
    """`deltah demo` … writes the HTML report `out/demo/report.html`."""
    readme_sentence(r"writes the HTML report `out/demo/report\.html`")
    scratch.deltah("demo")
    assert (scratch.path / "out" / "demo" / "report.html").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# 2. The numbers the README shows are the binary's


def trl_compare(scratch, step: int) -> dict:
    return scratch.json("compare", f"data/trl-tiny/step_00000{step}.before.safetensors",
                        f"data/trl-tiny/step_00000{step}.after.safetensors", "--json")


def test_trl_tiny_tables_match_compare(scratch):
    """The end-to-end table and the trust-radius table are `compare` on the bundled `data/trl-tiny`."""
    readme_sentence(r"`data/trl-tiny` holds these six dumps")
    results = {step: trl_compare(scratch, step) for step in (1, 2, 3)}
    e2e = readme_table("| step | tokens | Pearson first order | Pearson second order | sign agreement")
    keys = ["tokens", "pearson_first_order", "pearson_second_order", "sign_agreement", "mean_delta_actual",
            "mean_delta_first_order", "mean_delta_second_order"]
    trust = readme_table("| step | valid tokens | outside_trust_radius_share | median s*")
    assert [row[0] for row in e2e] == ["1", "2", "3"] and [row[0] for row in trust] == ["1", "2", "3"]
    wrong = []
    for row in e2e:
        result = results[int(row[0])]
        wrong += [(row[0], key, shown, result[key]) for key, shown in zip(keys, row[1:])
                  if not matches_shown(shown, result[key])]
    for row in trust:
        result = results[int(row[0])]
        pearson_all, pearson_inside = row[4].split(" / ")
        rmse_inside, rmse_outside = row[5].split(" / ")
        cells = [("tokens", row[1]), ("outside_trust_radius_share", row[2]), ("median_trust_scale", row[3]),
                 ("pearson_first_order", pearson_all), ("pearson_first_order_inside_trust_radius",
                                                        pearson_inside.split(" (")[0]),
                 ("rmse_first_order_inside_trust_radius", rmse_inside),
                 ("rmse_first_order_outside_trust_radius", rmse_outside)]
        wrong += [(row[0], key, shown, result[key]) for key, shown in cells if not matches_shown(shown, result[key])]
        inside = re.search(r"\((\d+) tokens? inside\)", row[4])
        if inside:
            assert int(inside.group(1)) == result["tokens"] - result["outside_trust_radius_tokens"]
    sentence = readme_sentence(rf"\(`rmse_second_order`, {NUMBER} at step 2 against {NUMBER} for the first order\)")
    wrong += [("2", k, s, results[2][k]) for k, s in (("rmse_second_order", sentence.group(1)),
                                                     ("rmse_first_order", sentence.group(2)))
              if not matches_shown(s, results[2][k])]
    sentence = readme_sentence(rf"\(step 2: predicted {NUMBER}, actual {NUMBER}\)")
    wrong += [("2", k, s, results[2][k]) for k, s in (("mean_delta_first_order", sentence.group(1)),
                                                     ("mean_delta_actual", sentence.group(2)))
              if not matches_shown(s, results[2][k])]
    assert not wrong, "README shows (step, key, shown, actual): " + repr(wrong)


def test_sample_trust_radius_sentence(scratch):
    """"On the bundled sample (`compare … step_0001 … step_0002`), 53 % of the 160 tokens are outside …"."""
    m = readme_sentence(rf"On the bundled sample \(`compare data/sample/step_0001\.safetensors data/sample/step_0002"
                        rf"\.safetensors`\), {NUMBER} % of the (\d+) tokens are outside, the Pearson correlation of "
                        rf"the first order is {NUMBER} overall and {NUMBER} inside the radius, and the RMSE is "
                        rf"{NUMBER} inside against {NUMBER} outside\. (\d+) of its tokens have s\* = ∞")
    r = scratch.json("compare", "data/sample/step_0001.safetensors", "data/sample/step_0002.safetensors", "--json")
    assert matches_shown(m.group(1) + " %", r["outside_trust_radius_share"])
    assert int(m.group(2)) == r["tokens"]
    assert matches_shown(m.group(3), r["pearson_first_order"])
    assert matches_shown(m.group(4), r["pearson_first_order_inside_trust_radius"])
    assert matches_shown(m.group(5), r["rmse_first_order_inside_trust_radius"])
    assert matches_shown(m.group(6), r["rmse_first_order_outside_trust_radius"])
    assert int(m.group(7)) == r["infinite_trust_scale_tokens"]


def test_step_trust_radius_example(scratch):
    """"PG on z = [2, 1, 0, −1], r = e₁, η = 1 gives s* = 0.9728 … (first −0.1017, actual −0.1101)"."""
    m = readme_sentence(rf"PG on z = \[2, 1, 0, −1\], r = e₁, η = 1 gives s\* = {NUMBER}, so η = 1 is just outside "
                        rf"the radius \(first {NUMBER}, actual {NUMBER}\)")
    r = scratch.json("step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "pg", "--lr", "1", "--json")
    assert matches_shown(m.group(1), r["trust_scale"]) and r["trust_scale"] < 1
    assert matches_shown(m.group(2), r["delta_first_order"])
    assert matches_shown(m.group(3), r["delta_actual"])


def test_whatif_sentence(scratch):
    """"On the bundled step 1 (160 tokens, η = 0.5): none −1.349, …; the actual summed ΔH to step 2 is …"."""
    m = readme_sentence(r"On the bundled step 1 \((\d+) tokens, η = ([\d.]+)\): (.*?); the actual summed ΔH to step 2 "
                        rf"is {NUMBER} \(first-order prediction of the real step {NUMBER}\)")
    r = scratch.json("whatif", "data/sample/step_0001.safetensors", "data/sample/step_0002.safetensors", "--json")
    assert int(m.group(1)) == r["tokens"] and float(m.group(2)) == r["learning_rate"]
    rows = {row["name"]: row["delta_first_order"] for row in r["interventions"]}
    names = {"none": "none", "forking (top 20 %)": "forking", "forking-bottom": "forking-bottom",
             "expanding-only": "expanding-only", "contracting-only": "contracting-only", "Clip-Cov": "clip-cov",
             "STEER": "steer", "OPEFO": "opefo"}
    shown = re.findall(r"(none|forking \(top 20 %\)|forking-bottom|expanding-only|contracting-only|Clip-Cov|STEER|"
                       r"OPEFO) (≈ 0|[+−-]?\d+\.\d+)", m.group(3))
    assert len(shown) == len(names), f"README whatif sentence changed: {m.group(3)}"
    for label, value in shown:
        actual = rows[names[label]]
        assert (abs(actual) < 1e-9) if value == "≈ 0" else matches_shown(value, actual), (label, value, actual)
    assert matches_shown(m.group(4), r["actual"]["sum"])
    assert matches_shown(m.group(5), r["actual"]["first_order_sum"])


def test_clipping_example(scratch):
    """"`deltah analyze data/sample/step_0002.safetensors --clip-low 0.01 …` clips 34 of 160 tokens …"."""
    m = readme_sentence(r"`deltah analyze data/sample/step_0002\.safetensors --clip-low 0\.01 --clip-high 0\.01 "
                        r"--dual-clip 1\.02` clips (\d+) of (\d+) tokens \((\d+) upper, (\d+) lower, (\d+) dual\), "
                        rf"removing {NUMBER} and {NUMBER} nats")
    r = scratch.json("analyze", "data/sample/step_0002.safetensors", "--clip-low", "0.01", "--clip-high", "0.01",
                     "--dual-clip", "1.02", "--json")
    c = r["clipping"]
    assert [int(m.group(i)) for i in range(1, 6)] == [c["count"], r["tokens"], c["count_upper"], c["count_lower"],
                                                      c["count_dual"]]
    assert matches_shown(m.group(6), c["polarity_removed"]["positive"])
    assert matches_shown(m.group(7), c["polarity_removed"]["negative"])


def test_entrocraft_final_entropies(scratch):
    """"(final H 0.016 at lr 0.14, 0.013 at 0.2, 0.0035 at 0.5; re-measured with this version)"."""
    m = readme_sentence(rf"final H {NUMBER} at lr ([\d.]+), {NUMBER} at ([\d.]+), {NUMBER} at ([\d.]+);")
    for shown, lr in ((m.group(1), m.group(2)), (m.group(3), m.group(4)), (m.group(5), m.group(6))):
        r = scratch.json("bandit", "--rewards", "1,0.5,0.2,0", "--rule", "grpo", "--intervention", "entrocraft",
                         "--steps", "300", "--lr", lr, "--json")
        assert matches_shown(shown, r["summary"]["final_entropy"]), (lr, shown, r["summary"]["final_entropy"])


def test_law_table_pg_seed0(scratch):
    """The law table's PG row, seed 0 (`bandit --arms 10 --states 50 --seed 0 --rule pg --lr 2 --steps 400`)."""
    row = next(r for r in readme_table("| rule (η) | holdout RMSE, seeds 0 / 1 / 2") if r[0] == "PG (2)")
    (scratch.path / "law-run.json").write_text(scratch.deltah(
        "bandit", "--arms", "10", "--states", "50", "--seed", "0", "--rule", "pg", "--lr", "2", "--steps", "400", "--json"))
    r = scratch.json("law", "law-run.json", "--fit-fraction", "0.15", "--json")
    assert matches_shown(row[1].split(" / ")[0], r["holdout_rmse"])
    assert matches_shown(row[2].split(" / ")[0], r["holdout_max_error"])
    assert matches_shown(row[3].split(" / ")[0], r["ceiling"])
    m = readme_sentence(r"\(fit on the first (\d+) of (\d+) points")
    assert (int(m.group(1)), int(m.group(2))) == (r["fit_count"], r["count"])


def test_sample_warnings_and_series(scratch):
    """Step 2 of the sample shows the impossible-values warning; its series correlation is null (2 pairs)."""
    readme_sentence(r"The bundled sample has two \(its `old_logprobs` carry simulated noise\), so its step 2 shows the warning")
    readme_sentence(r"The bundled sample has only 2 pairs, so there the `correlation` is `null`")
    step2 = scratch.json("analyze", "data/sample/step_0002.safetensors", "--json")
    assert any(re.search(r"impossible logged values.*\b2 log-probabilities above 0", w) for w in step2["warnings"])
    series = scratch.json("analyze", *sorted(glob.glob(str(scratch.path / "data/sample/step_*.safetensors"))), "--json")
    link = series["covariance_entropy_change_correlation"]
    assert series["kind"] == "analyze-series" and link["correlation"] is None and link["n"] == 2
    assert {"steps", "covariance", "entropy_change"} <= set(link)


def test_curvature_and_cliff_documented_relations(scratch):
    """`curvature --logits 2,1,0,-1`: Fisher eigenvalues ≤ ½, `fisher_trace` = 1 − Σπ²; `cliff --rewards 1,1,0`:
    stability radius 0 at a tie, lipschitz_tv = 1/(2α(1−γ)), price of smoothing ≤ α log K."""
    readme_sentence(r"`fisher_eigenvalues`, all ≤ ½")
    c = scratch.json("curvature", "--logits", "2,1,0,-1", "--top", "3", "--json")
    z = [2.0, 1.0, 0.0, -1.0]
    weights = [math.exp(v - 2.0) for v in z]
    pi = [w / sum(weights) for w in weights]
    assert len(c["fisher_eigenvalues"]) == 3 and max(c["fisher_eigenvalues"]) <= 0.5
    assert abs(c["fisher_trace"] - (1 - sum(p * p for p in pi))) <= 1e-12  # closed form, Double rounding
    readme_sentence(r"`lipschitz_tv` = 1/\(2α\(1−γ\)\)")
    k = scratch.json("cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json")
    assert k["stability_radius"] == 0 and k["ties"] >= 2
    assert abs(k["lipschitz_tv"] - 1 / (2 * 0.1)) <= 1e-12
    assert 0 <= k["price_of_smoothing"] <= 0.1 * math.log(3)
