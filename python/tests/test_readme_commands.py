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
  command appears in that command's real output (``compare --linearized`` on a jvp dump written with
  numpy, since none is bundled);
* checks the refusals the README documents (exit code and quoted one-line message), the Python
  signatures and Swift function labels it shows;
* runs the commands that read a user's files on stand-ins: the Slurm block verbatim with a stand-in
  ``sbatch``, the Kubernetes Job's container command per index, the law block's log commands.

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
    "--strict": None,  # mypy
    "--nproc": None,  # python -m torch.distributed.run --nproc_per_node (FLAG stops at the underscore)
    "--cpu": None, "--num": None,  # accelerate launch --cpu --num_processes
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
                name = path.relative_to(ROOTP).as_posix() if path.is_relative_to(ROOTP) else str(path)
                block = {"file": name, "line": number, "lang": fence.group(1),
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


def deltah_module(name: str):
    """``deltah.<name>`` of the installed package (the light venv's); else from python/ in the clone,
    without writing ``__pycache__`` into the repository."""
    import importlib
    try:
        return importlib.import_module(f"deltah.{name}")
    except ImportError:
        sys.dont_write_bytecode = True
        sys.path.insert(0, str(ROOTP / "python"))
        return importlib.import_module(f"deltah.{name}")


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


def test_shell_block_parsing(tmp_path):
    """Continuations are joined; in a console block `$ ` lines are commands and the rest is shown output."""
    doc = tmp_path / "doc.md"
    doc.write_text("```sh\ndeltah analyze a \\\n  --json   # c\n```\n```console\n$ deltah --version\n0.1.0\n```\n"
                   "```python\ndeltah = 1\n```\n")
    blocks = shell_blocks(doc)
    assert [b["commands"] for b in blocks] == [[(3, "deltah analyze a --json # c")], [(6, "deltah --version")]]
    assert blocks[1]["shown"] == ["0.1.0"] and blocks[0]["shown"] == []


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


# ---------------------------------------------------------------------------------------------
# 3. Flags named in the Markdown exist on their command


FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(-?\*)?")


@pytest.fixture(scope="module")
def command_flags() -> dict[str, set[str]]:
    """Command → the flags its ``deltah CMD --help`` lists."""
    flags = {}
    for command in COMMANDS:
        proc = subprocess.run([DELTAH, command, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        flags[command] = set(re.findall(r"^\s+(?:-\w, )?(--[a-z0-9][a-z0-9-]*)", proc.stdout, re.M))
        assert "--help" in flags[command], f"cannot read `deltah {command} --help`"
    return flags


def attributed_contexts() -> list[tuple[str, list[str], str]]:
    """(where, commands, text) for each code span or command line that starts with ``[deltah] CMD``.

    ``CMD`` may list alternatives (``bandit|mdp``); every one of them must have the flags of ``text``.
    """
    alternatives = "|".join(COMMANDS)
    start = re.compile(rf"^(?:deltah\s+)?((?:(?:{alternatives})\|)*(?:{alternatives}))(?![\w-])(.*)$", re.S)
    contexts = []
    for path in markdown_files():
        name = path.relative_to(ROOTP).as_posix()
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"`([^`]+)`", prose(text)):
            found = start.match(match.group(1).strip())
            if found:
                where = f"{name}:{text.count(chr(10), 0, match.start()) + 1}"
                contexts.append((where, found.group(1).split("|"), found.group(2)))
        for block in shell_blocks(path):
            for number, command in block["commands"]:
                for segment in re.split(r"&&|\|\||[|;]|\$\(|\"", re.sub(r"(^|\s)#.*$", "", command)):
                    found = re.search(rf"(?:^|\s|/)deltah\s+({alternatives})(?![\w-])(.*)$", segment)
                    if found:
                        contexts.append((f"{name}:{number}", [found.group(1)], found.group(2)))
    return contexts


def test_attributed_flags_exist(command_flags):
    """`analyze DUMP --shard i/n`, `cliff --alpha/--gamma`, `deltah bandit … --init-logits …`: each flag is the command's."""
    contexts = attributed_contexts()
    assert len(contexts) > 50, "too few command contexts found: the extraction is broken"
    missing, removed_seen = [], set()
    for where, commands, text in contexts:
        for flag, star in FLAG.findall(text):
            for command in commands:
                if (command, flag) in REMOVED_FLAGS:
                    removed_seen.add((command, flag))
                    continue
                known = command_flags[command]
                if not (flag in known or (star and any(f.startswith(flag) for f in known))):
                    missing.append(f"{where}: `{command} {flag}` ({command} has no {flag})")
    assert not missing, "\n".join(missing)
    for command, flag in REMOVED_FLAGS:
        assert flag not in command_flags[command], f"`{command} {flag}` exists again: drop it from REMOVED_FLAGS"


def test_every_named_flag_exists_somewhere(command_flags):
    """Every `--flag` of every Markdown file is a deltah command's, or the named other tool's."""
    every = set().union(*command_flags.values())
    missing, used_other = [], set()
    for path in markdown_files():
        name = path.relative_to(ROOTP).as_posix()
        text = path.read_text(encoding="utf-8")
        for match in FLAG.finditer(text):
            flag, star = match.group(1), match.group(2)
            if flag in every or (star and any(f.startswith(flag) for f in every)):
                continue
            if flag in OTHER_TOOLS_FLAGS:
                used_other.add(flag)
                continue
            missing.append(f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {flag}")
    assert not missing, "flags of no deltah command and no listed tool:\n" + "\n".join(missing)
    for flag in used_other:
        source = OTHER_TOOLS_FLAGS[flag]
        if source is not None:
            assert f'"{flag}"' in (ROOTP / source).read_text(encoding="utf-8"), f"{source} has no {flag}"
    assert used_other == set(OTHER_TOOLS_FLAGS), f"unused OTHER_TOOLS_FLAGS entries: {set(OTHER_TOOLS_FLAGS) - used_other}"


def test_ray_flags_exist():
    """`python -m deltah.ray …` flags (code spans and command lines) are options of python/deltah/ray.py."""
    source = (ROOTP / "python" / "deltah" / "ray.py").read_text(encoding="utf-8")
    missing = []
    for path in markdown_files():
        for line in path.read_text(encoding="utf-8").split("\n"):
            for span in re.findall(r"python -m deltah\.ray[^`#]*", line):
                missing += [f"{path.name}: {flag}" for flag, _ in FLAG.findall(span) if f'"{flag}"' not in source]
    assert not missing, "\n".join(missing)


# ---------------------------------------------------------------------------------------------
# 4. Documented JSON keys, per-token tensors and partial metadata keys exist


def passage(start: str, end: str) -> str:
    """The README text from the first match of ``start`` to the next match of ``end`` (whitespace collapsed)."""
    flat = " ".join(README.split())
    first = re.search(start, flat)
    assert first, f"README no longer has {start!r}; update this test"
    last = re.search(end, flat[first.end():])
    assert last, f"README has no {end!r} after {start!r}"
    return flat[first.start():first.end() + last.start()]


VALUES_NOT_KEYS = {"flag", "metadata", "default", "null", "inf", "true", "false"}


def names(text: str) -> set[str]:
    """The single identifiers quoted in backticks in ``text`` (key names), values excluded."""
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", text)) - VALUES_NOT_KEYS


def all_keys(value) -> set[str]:
    """Every dict key at any depth of a JSON value."""
    if isinstance(value, dict):
        return set(value) | set().union(*(all_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(all_keys(v) for v in value))
    return set()


def safetensors_header(path: Path) -> tuple[set[str], dict]:
    """(tensor names, ``__metadata__``) of a safetensors file, read with the standard library."""
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    return set(header) - {"__metadata__"}, header.get("__metadata__", {})


@pytest.fixture(scope="module")
def outputs(scratch) -> dict:
    """The JSON outputs (and written files) the documented keys are checked against."""
    s, sample = scratch, "data/sample/step_000{}.safetensors"
    out = {
        "analyze": s.json("analyze", sample.format(1), "--micro-batch", "2", "--clip-low", "0.2", "--clip-high", "0.2",
                          "--dual-clip", "3", "--json", "--per-token", "tmp/keys-analyze.safetensors"),
        "analyze-series": s.json("analyze", sample.format(1), sample.format(2), sample.format(3), "--json"),
        "compare": s.json("compare", sample.format(1), sample.format(2), "--json",
                          "--per-token", "tmp/keys-compare.safetensors"),
        "step": s.json("step", "--logits", "2,1,0,-1", "--rewards", "1,0,0,0", "--rule", "pg", "--lr", "0.1", "--json"),
        "step-token": s.json("step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "0.1", "--json"),
        "whatif": s.json("whatif", sample.format(1), sample.format(2), "--json"),
        "curvature": s.json("curvature", "--logits", "2,1,0,-1", "--top", "3", "--json"),
        "curvature-dump": s.json("curvature", sample.format(1), "--positions", "0,7", "--top", "3", "--json"),
        "cliff": s.json("cliff", "--rewards", "1,1,0", "--alpha", "0.1", "--json"),
        "bandit": s.json("bandit", "--arms", "3", "--seed", "0", "--rule", "grpo", "--intervention", "clip-cov",
                         "--steps", "5", "--json"),
        "mdp": s.json("mdp", "--states", "3", "--actions", "2", "--steps", "5", "--json"),
        "sweep": json.loads(s.deltah("sweep", "--arms", "3", "--seed", "0", "--runs", "1", "--steps", "3",
                                     "--rules", "grpo", "--interventions", "none", "--format", "json")),
    }
    (s.path / "tmp" / "keys-run.json").write_text(s.deltah("bandit", "--arms", "10", "--seed", "0", "--steps", "40", "--json"))
    out["law"] = s.json("law", "tmp/keys-run.json", "--fit-fraction", "0.5", "--json")
    for i in (0, 1):
        s.deltah("analyze", sample.format(2), "--shard", f"{i}/2", "--partial", f"tmp/keys-a{i}.safetensors")
        s.deltah("compare", sample.format(1), sample.format(2), "--shard", f"{i}/2", "--partial", f"tmp/keys-c{i}.safetensors")
    # a top-k dump (none is bundled): the top 5 true log-probabilities of 2 × 3 positions over 50 tokens
    import numpy as np
    export = deltah_module("export")
    logp = np.log(np.random.default_rng(0).dirichlet(np.ones(50), size=(2, 3)))
    ids = np.argsort(-logp, -1)[..., :5]
    export.save_dump(s.path / "tmp" / "keys-topk.safetensors", topk_logprobs=np.take_along_axis(logp, ids, -1),
                     topk_ids=ids, token_ids=ids[..., 0], advantages=np.ones((2, 3)), vocab_size=50, lr=1.0)
    out["analyze-topk"] = s.json("analyze", "tmp/keys-topk.safetensors", "--json")
    return out


def assert_documented(documented: set[str], present: set[str], what: str) -> None:
    assert documented, f"no key names found for {what}: the README passage moved"
    assert documented <= present, f"{what}: documented but absent: {sorted(documented - present)}"


def test_analyze_keys(outputs, scratch):
    text = passage(r"JSON keys \(`--json`\): `learning_rate`", r"`--per-token OUT\.safetensors` writes")
    present = all_keys(outputs["analyze"]) | all_keys(outputs["analyze-topk"])
    # `group_ids` (a tensor) and `merge` (a command) are named in the passage as conditions, not keys
    assert_documented(names(text) - {"group_ids", "merge"}, present, "analyze --json")
    assert "top_k" in outputs["analyze-topk"] and outputs["analyze-topk"]["top_k"] is not None
    tensors = names(passage(r"writes F64 per-position tensors", r"\(NaN at invalid positions\)"))
    assert_documented(tensors, safetensors_header(scratch.path / "tmp" / "keys-analyze.safetensors")[0],
                      "analyze --per-token")
    clipping = passage(r"JSON `clipping`:", r"Without `old_logprobs`")
    assert_documented(names(clipping) - {"clipping"}, all_keys(outputs["analyze"]["clipping"]), "analyze clipping")
    assert "`dual_clip` (with `--dual-clip`)" in clipping  # the key is left out without a dual clip
    plain = scratch.json("analyze", "data/sample/step_0002.safetensors", "--clip-low", "0.2", "--clip-high", "0.2", "--json")
    assert "dual_clip" not in plain["clipping"] and plain["clipping"]["count_dual"] == 0
    assert_documented(names(passage(r"With `group_ids`, JSON `groups` gives", r"`python/tests/test_clipping_oracle")),
                      all_keys(outputs["analyze"]["groups"]) | {"groups", "group_ids"}, "analyze groups")
    assert "near_ties" in outputs["analyze"]


def test_compare_keys(outputs, scratch):
    text = passage(r"summary keys `warnings`", r"\(per-token tensors")
    assert_documented(names(text) - {"analyze", "whatif"}, set(outputs["compare"]), "compare --json")
    trust = passage(r"\* `deltah compare`: `outside_trust_radius_share`", r"The table has the same rows")
    assert_documented(names(trust), set(outputs["compare"]), "compare trust radius")
    tensors = names(passage(r"\(per-token tensors `delta_actual`", r"\.")) | {"trust_scale"}
    assert_documented(tensors, safetensors_header(scratch.path / "tmp" / "keys-compare.safetensors")[0],
                      "compare --per-token")


def test_step_whatif_curvature_cliff_law_keys(outputs):
    step = names(passage(r"With `--json` it prints one object with", r"; see \"The trust radius"))
    assert_documented(step, set(outputs["step"]) | set(outputs["step-token"]), "step --json")
    assert {"sampled_term", "correction_term", "polarity", "quadrant"} <= set(outputs["step-token"])
    assert "trust_radius_lr" in outputs["step"] and "trust_radius_lr" in outputs["step-token"]
    whatif = set(re.findall(r"\"(\w+)\"", passage(r"JSON: `\{\"interventions\"", r"`report` reads it")))
    assert_documented(whatif, all_keys(outputs["whatif"]), "whatif --json")
    curvature = names(passage(r"`deltah curvature --logits 2,1,0,-1 --top 3 --json`:", r"dense `dsyevd`"))
    assert_documented(curvature, set(outputs["curvature"]), "curvature --json")
    cliff = names(passage(r"`deltah cliff --rewards 1,1,0 --alpha 0\.1 \[--gamma γ\] --json`:", r"\* `deltah analyze`"))
    assert_documented(cliff, set(outputs["cliff"]), "cliff --json")
    law = passage(r"Output \(table or `--json`\): `a`", r"`deltah report` reads `law --json`")
    documented = names(law) | {f"{k}_standard_error" for k in ("a", "b", "ceiling") if "`*_standard_error`" in law}
    assert_documented(documented, set(outputs["law"]), "law --json")


def test_bandit_keys(outputs):
    settings = passage(r"`summary\.settings` of `--json` holds", r"the table prints them")
    assert_documented(names(settings) - {"summary"}, set(outputs["bandit"]["summary"]["settings"]),
                      "bandit summary.settings")
    record = outputs["bandit"]["steps"][0]
    exploration = passage(r"Every step record has `exploration`:", r"Tested against enumeration")
    assert_documented(names(exploration), all_keys(record), "bandit step exploration")
    assert set(re.findall(r"\"(\d+)\"", exploration)) == set(record["exploration"]["pass_at_k"])
    trust = passage(r"\* `deltah bandit\|mdp --json`: every step record has", r"`--csv` ends")
    assert_documented(names(trust), set(record) & set(outputs["mdp"]["steps"][0]), "bandit/mdp step trust radius")


def test_partial_metadata_keys(scratch, outputs):
    text = passage(r"An analyze partial's metadata \(format `deltah-partial-2`\):", r"A compare partial")
    tensors, metadata = safetensors_header(scratch.path / "tmp" / "keys-a0.safetensors")
    assert metadata.get("format") == "deltah-partial-2"
    assert "`topk_k` (top-k dumps)" in text
    assert_documented(names(text) - {"topk_k"}, set(metadata), "analyze partial metadata")
    scratch.deltah("analyze", "tmp/keys-topk.safetensors", "--shard", "0/2", "--partial", "tmp/keys-topk-p0.safetensors")
    assert "topk_k" in safetensors_header(scratch.path / "tmp" / "keys-topk-p0.safetensors")[1]
    compare_text = passage(r"A compare partial \(format `deltah-compare-partial-1`\):", r"`merge` refuses partials")
    meta_part, tensor_part = compare_text.split("with tensors")
    tensors, metadata = safetensors_header(scratch.path / "tmp" / "keys-c0.safetensors")
    assert metadata.get("format") == "deltah-compare-partial-1"
    assert_documented(names(meta_part), set(metadata), "compare partial metadata")
    assert_documented(names(tensor_part), tensors, "compare partial tensors")


def test_envelope_kinds(outputs):
    """The JSON envelope table: each kind is what its command writes, holding the listed keys."""
    rows = readme_table("| `kind` | written by | holds |")
    produced = {"step": ["step"], "analyze": ["analyze"], "analyze-series": ["analyze-series"], "compare": ["compare"],
                "bandit": ["bandit"], "mdp": ["mdp"], "curvature": ["curvature"], "curvature-dump": ["curvature-dump"],
                "cliff": ["cliff"], "law": ["law"], "whatif": ["whatif"], "sweep": ["sweep"]}
    seen = set()
    for row in rows:
        kinds = re.findall(r"`([a-z-]+)`", row[0])
        for kind in kinds:
            seen.add(kind)
            for output in produced[kind]:
                result = outputs[output]
                assert result["kind"] == kind and "deltah_version" in result, (kind, result.get("kind"))
                if names(row[2]) - {"kind"}:  # rows that describe their keys in words have nothing to check
                    assert_documented(names(row[2]) - {"kind"}, all_keys(result), f"kind {kind}")
    assert seen == set(produced), f"envelope table kinds changed: {seen ^ set(produced)}"


# ---------------------------------------------------------------------------------------------
# 5. Refusals the README documents: the exit code and the message it quotes

#: (README text, argv, documented exit code, text the error must contain). The README text must be
#: in the README (collapsed whitespace); the message is the README's own quotation where it has one.
DOCUMENTED_REFUSALS = [
    ("`The value '-1' is invalid for '--lr <lr>': must be a finite number > 0`",
     ["analyze", "data/sample/step_0001.safetensors", "--lr", "-1"], 64,
     "The value '-1' is invalid for '--lr <lr>': must be a finite number > 0"),
    ("`The value '1,nan' is invalid for '--rewards <rewards>': element 1 is nan; values must be finite` "
     "(it was the library's `rewards[0]: element 1 is nan`, naming no flag; exit 1, now 64)",
     ["bandit", "--rewards", "1,nan"], 64,
     "The value '1,nan' is invalid for '--rewards <rewards>': element 1 is nan; values must be finite"),
    ("`The value 'foo' is invalid for '--rule <rule>'. Please provide one of the following: pg, npg, …`",
     ["bandit", "--rewards", "1,0", "--rule", "foo"], 64,
     "The value 'foo' is invalid for '--rule <rule>'. Please provide one of the following: pg, npg,"),
    ("it is refused while parsing (exit 64, `--steer-min -1.0 must be ≥ 0 …`)",
     ["bandit", "--rewards", "1,0", "--rule", "grpo", "--intervention", "steer-linear", "--steer-min", "-1"], 64,
     "--steer-min -1.0 must be ≥ 0"),
    ("`the step is too large for Double arithmetic: learning rate η = 1e+308 with advantage A = 10.0 overflows "
     "±1.8e308 (in the step or its second-order term); a smaller η or |A| keeps it finite`",
     ["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "10", "--lr", "1e308"], 1,
     "the step is too large for Double arithmetic: learning rate η = 1e+308 with advantage A = 10.0 overflows "
     "±1.8e308 (in the step or its second-order term); a smaller η or |A| keeps it finite"),
    ("`bandit --rule ppo --samples 1048576 --epochs 10000 --steps 10000000` passed every check and ran for days; "
     "it is now refused before the first step (exit 1, naming `samples_per_state × epochs × steps`)",
     ["bandit", "--rewards", "1,0", "--rule", "ppo", "--samples", "1048576", "--epochs", "10000", "--steps", "10000000"],
     1, "samples_per_state × epochs × steps"),
    ("`bandit|mdp --rule grpo|ppo --samples 1` is refused while parsing (exit 64, naming `--samples`",
     ["bandit", "--rewards", "1,0", "--rule", "grpo", "--samples", "1"], 64, "--samples"),
    ("they are now ArgumentParser's `Unknown option` (exit 64 as before)",
     ["report", "data/sample/step_0001.safetensors", "--seed", "1"], 64, "Unknown option '--seed'"),
    ("`cliff` refuses values whose spread overflows Double (exit 1; `--rewards 1e308,-1e308`",
     ["cliff", "--rewards", "1e308,-1e308", "--alpha", "0.1"], 1, "Double's range"),
    ("`--intervention clip-cov` with `--dual-clip` is refused (exit 1, one line naming `--dual-clip`",
     ["bandit", "--rewards", "1,0", "--rule", "grpo", "--intervention", "clip-cov", "--dual-clip", "3"], 1, "--dual-clip"),
    ("Flags that cannot affect the command as given are refused (exit 64, naming the flag)",
     ["step", "--logits", "2,1,0,-1", "--token", "1", "--advantage", "1", "--lr", "1", "--rule", "pg"], 64, "--rule"),
    ("`curvature --logits … --positions`", ["curvature", "--logits", "1,2", "--positions", "0"], 64, "--positions"),
    ("`sweep --gamma` without `--mdp`", ["sweep", "--arms", "3", "--seed", "0", "--gamma", "0.9"], 64, "--gamma"),
    ("`report --title` without `--html`", ["report", "data/sample/step_0001.safetensors", "--title", "x"], 64, "--title"),
    ("`whatif --micro-batch` (no what-if row is per micro-batch)",
     ["whatif", "data/sample/step_0001.safetensors", "--micro-batch", "2"], 64, "--micro-batch"),
    ("`sweep --rewards … --states S` is refused", ["sweep", "--rewards", "1,0", "--states", "3"], 64, "--states"),
    ("Argument errors found while running (`--shard i/n` with more shards than sequences",
     ["analyze", "data/sample/step_0001.safetensors", "--shard", "0/9", "--partial", "tmp/refused.safetensors"], 64,
     "has only 8 sequences"),
    ("a value outside its domain or an unknown name is refused while parsing, in ArgumentParser's words on one "
     "line, e.g. `The value '-1' is invalid for '--lr <lr>': must be a finite number > 0`",
     ["analyze", "data/sample/step_0001.safetensors", "--shard", "2/2", "--partial", "tmp/refused.safetensors"], 64,
     "The value '2/2' is invalid for '--shard <shard>': must be i/n"),  # said no more than "is invalid" (round 8)
    ("a huge or endless input is an error naming it, not an allocation abort or a hang (`law - < /dev/zero`)",
     ["law", "-"], 1, "standard input"),
]


@pytest.mark.parametrize("readme_text, argv, code, message", DOCUMENTED_REFUSALS,
                         ids=[" ".join(r[1][:2]) + f" → {r[2]}" for r in DOCUMENTED_REFUSALS])
def test_documented_refusal(scratch, readme_text, argv, code, message):
    assert readme_text in " ".join(README.split()), f"README no longer says: {readme_text}"
    stdin = open(os.devnull if argv != ["law", "-"] else "/dev/zero", "rb")
    with stdin:
        proc = subprocess.run([DELTAH, *argv], cwd=scratch.path, env=scratch.env, stdin=stdin, capture_output=True,
                              timeout=60)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, f"deltah {' '.join(argv)}: exit {proc.returncode}, README says {code}: {stderr}"
    assert message in stderr and len(stderr.strip().split("\n")) == 1, stderr
    assert not (scratch.path / "tmp" / "refused.safetensors").exists()


def test_small_step_example(scratch):
    """"`step --delta 0,1e-14,0,0` gave 1.110e-15 against the true 1.1670e-15; now within 1e-13 relative"."""
    m = readme_sentence(rf"`step --delta 0,1e-14,0,0` gave {NUMBER} against the true {NUMBER}; now within 1e-13 relative")
    actual = scratch.json("step", "--logits", "2,1,0,-1", "--delta", "0,1e-14,0,0", "--json")["delta_actual"]
    assert matches_shown(m.group(2), actual) and not matches_shown(m.group(1), actual)


def test_linearized_keys_and_decomposition(scratch):
    """`compare BEFORE AFTER --linearized JVP`: the documented summary keys and per-token tensors exist.

    No jvp dump is bundled (they come from torch), so one is written with numpy: J·Δθ := Δz of the bundled
    TRL step 1 (F32, exact for BF16 logits). Then L = −Cov_π(log π, J·Δθ/T) is Lemma 1's F, so the logit
    nonlinearity N = F − L must vanish per position up to the float-lane kernel error (README: ≤ 6.1e-7
    measured for the first-order prediction; 1e-5 asserted, as the kernel's own test does), and
    ΔH = L + N + R must hold per position.
    """
    import numpy as np
    export, linearize = deltah_module("export"), deltah_module("linearize")
    before, after = (f"data/trl-tiny/step_000001.{phase}.safetensors" for phase in ("before", "after"))
    logits = [export.bf16_bits_to_float32(linearize.read_safetensors(scratch.path / p)[0]["logits"][1])
              for p in (before, after)]
    linearize.write_jvp_dump(str(scratch.path / "tmp" / "lin.jvp.safetensors"), logits[1] - logits[0],
                             str(scratch.path / before), parameter_space_first_order=0.0, predicted_before_step=0.0)
    result = scratch.json("compare", before, after, "--linearized", "tmp/lin.jvp.safetensors", "--json",
                          "--per-token", "tmp/lin.pt.safetensors")
    summary = names(passage(r"Summary keys: `pearson_linearized_first_order`", r"The report adds a table"))
    assert_documented(summary, set(result), "compare --linearized --json")
    table = readme_table("| quantity | formula | key / tensor |")
    documented = {name for row in table for name in re.findall(r"`([a-z][a-z0-9_]*)`", row[2])}
    tensors, _ = safetensors_header(scratch.path / "tmp" / "lin.pt.safetensors")
    assert_documented(documented, tensors | set(result), "linearised key / tensor table")
    assert any(row[2] == "`mean_*`" for row in table)
    assert {k for k in result if k.startswith("mean_")} >= {"mean_delta_linearized_first_order", "mean_logit_nonlinearity",
                                                            "mean_second_order_remainder"}
    per_token = deltah_module("per_token")
    t = per_token.load(str(scratch.path / "tmp" / "lin.pt.safetensors"))
    valid = t["linearized_valid"].astype(bool) & t["valid"].astype(bool)
    assert valid.sum() == result["linearized_tokens"] > 0
    assert np.max(np.abs(t["logit_nonlinearity"][valid])) <= 1e-5
    decomposition = t["delta_linearized_first_order"] + t["logit_nonlinearity"] + t["second_order_remainder"]
    assert np.allclose(decomposition[valid], t["delta_actual"][valid], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# 6. Python and Swift API names the README shows exist with the parameters it shows


def python_functions(module: str) -> dict:
    """Name → ast.FunctionDef of the module-level functions of python/deltah/<module>.py (no import: no torch)."""
    import ast
    tree = ast.parse((ROOTP / "python" / "deltah" / f"{module}.py").read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def split_top_level(text: str) -> list[str]:
    """``a, b=(1, 2), c={…}`` → ``["a", "b=(1, 2)", "c={…}"]``."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()] if current.strip() else parts


def test_python_signatures():
    """`capture(trainer, output_dir, every=1, …)`, `deltah.verl.dump_batch(batch, path, logits=None, …)`, …:
    each function exists in its module with the parameters (and literal defaults) the README shows."""
    import ast
    spans = []
    for line in README.split("\n"):
        row = re.match(r"\| `deltah\.(\w+)` \|", line)
        if row:
            spans += [(row.group(1), m.group(1), m.group(2)) for m in re.finditer(r"`(\w+)\(([^`]*)\)", line)]
    flat = " ".join(README.split())
    spans += [(m.group(1), m.group(2), m.group(3)) for m in re.finditer(r"`deltah\.(\w+)\.(\w+)\(([^`]*)\)`", flat)]
    spans += [("ray", "compare_run", m.group(1)) for m in re.finditer(r"`compare_run\(([^`]*)\)`", flat)]
    assert len(spans) >= 12, spans
    wrong = []
    for module, name, params in spans:
        functions = python_functions(module)
        if name not in functions:
            wrong.append(f"deltah.{module}.{name} does not exist")
            continue
        args = functions[name].args
        positional = args.posonlyargs + args.args
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        known = {a.arg for a in positional + args.kwonlyargs}
        for param in split_top_level(params):
            found = re.match(r"(\*\*)?(\w+)\s*(?:=\s*(.*))?$", param)
            if not found or param.startswith("…"):
                continue
            stars, pname, default = found.groups()
            if stars:
                if args.kwarg is None:
                    wrong.append(f"deltah.{module}.{name} takes no **{pname}")
            elif pname not in known and args.kwarg is None:  # **options carry the binary's flags (cli, ray)
                wrong.append(f"deltah.{module}.{name} has no parameter {pname}")
            elif default and re.fullmatch(r"None|True|False|-?\d+(\.\d+)?|\"\w+\"", default):
                actual = ast.unparse(defaults[pname]) if pname in defaults else "(required)"
                if actual.replace("'", '"') != default:
                    wrong.append(f"deltah.{module}.{name}({pname}=…): README {default}, code {actual}")
    assert not wrong, "\n".join(wrong)


def swift_functions() -> dict[str, list[list[str]]]:
    """Function name → the argument label lists of every ``func name(…)`` in Sources (``_`` for unlabelled)."""
    found: dict[str, list[list[str]]] = {}
    for path in (ROOTP / "Sources").rglob("*.swift"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\bfunc\s+(\w+)\s*(?:<[^>(]*>)?\s*\(", text):
            depth, end = 1, match.end()
            while depth and end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            params = [p for p in split_top_level(text[match.end():end - 1]) if p]
            found.setdefault(match.group(1), []).append([p.split(":")[0].split()[0] for p in params])
    return found


def test_swift_api_names():
    """`firstOrderEntropyChange(of:logitStep:)`, `entropyHessian()`, …: a func with exactly these labels exists."""
    functions = swift_functions()
    shown = set(re.findall(r"`([a-z]\w*)\(((?:\w+:)*)\)`", README))
    shown = {(name, labels) for name, labels in shown if labels or name in functions}  # `f()` of Python is not Swift
    assert len(shown) >= 10, shown
    missing = [f"{name}({labels})" for name, labels in sorted(shown)
               if [l for l in labels.split(":") if l] not in functions.get(name, [])]
    assert not missing, "README names Swift functions that do not exist with these labels: " + ", ".join(missing)


# ---------------------------------------------------------------------------------------------
# 7. Commands that read a user's files, run on stand-ins (the README lines verbatim)

#: A stand-in `sbatch`: runs `--wrap` under sh once per `--array` index (SLURM_ARRAY_TASK_ID set), in order,
#: and prints a job id with `--parsable`. `--dependency` is satisfied by running jobs at submission.
FAKE_SBATCH = r'''#!/usr/bin/env python3
import os, subprocess, sys
args, wrap, indices, parsable = sys.argv[1:], None, [None], False
for i, a in enumerate(args):
    if a == "--wrap": wrap = args[i + 1]
    elif a.startswith("--array="):
        lo, hi = a.split("=", 1)[1].split("-")
        indices = list(range(int(lo), int(hi) + 1))
    elif a == "--parsable": parsable = True
for index in indices:
    env = dict(os.environ, **({"SLURM_ARRAY_TASK_ID": str(index)} if index is not None else {}))
    if subprocess.run(["sh", "-c", wrap], env=env).returncode: sys.exit(1)
print("4242" if parsable else "Submitted batch job 4242")
'''


def readme_block_containing(text: str) -> list[str]:
    """The command lines (continuations joined) of the README shell block that contains ``text``."""
    for block in shell_blocks(ROOTP / "README.md"):
        if any(text in command for _, command in block["commands"]):
            return [command for _, command in block["commands"]]
    pytest.fail(f"README has no shell block with {text!r}")


def run_here(scratch, directory: Path, command: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=directory, env=scratch.env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{command}\nexit {proc.returncode}: {proc.stderr}"
    assert not NAN.search(proc.stdout), f"{command} prints nan"
    return proc


def test_slurm_block_with_stand_in_sbatch(scratch):
    """The Slurm block, verbatim, with a stand-in `sbatch` and the bundled step 2 as the user's dump:
    the merged JSON equals `analyze` of the dump, and so does `deltah series results/step_*.json --json`."""
    block = readme_block_containing("sbatch --dependency")
    directory = scratch.path / "slurm"
    (directory / "run").mkdir(parents=True)
    (directory / "bin").mkdir()
    sbatch = directory / "bin" / "sbatch"
    sbatch.write_text(FAKE_SBATCH)
    sbatch.chmod(0o755)
    shutil.copy(scratch.path / "data" / "sample" / "step_0002.safetensors", directory / "run" / "step_000120.safetensors")
    script = "\n".join(["set -e", f"export PATH={directory / 'bin'}:$PATH"] + block)
    run_here(scratch, directory, script)
    merged = json.loads((directory / "results" / "step_000120.json").read_text())
    assert merged == scratch.json("analyze", str(directory / "run" / "step_000120.safetensors"), "--json") | {
        "file": "run/step_000120.safetensors"}
    assert len(list((directory / "partials").glob("step_000120.*.safetensors"))) == 8
    # "exactly what `deltah analyze` prints for the whole run": for one dump, the one summary
    series = json.loads(run_here(scratch, directory, "deltah series results/step_*.json --json").stdout)
    assert series == merged


def test_law_block_on_stand_in_logs(scratch):
    """The law block's log and dump commands, verbatim, on stand-in files of the documented shapes."""
    block = readme_block_containing("deltah law train_log.csv")
    directory = scratch.path / "law"
    (directory / "dumps").mkdir(parents=True)
    for step in (1, 2, 3):
        shutil.copy(scratch.path / "data" / "sample" / f"step_000{step}.safetensors", directory / "dumps")
    steps = range(1, 41)
    entropy = [2.0 - 0.04 * s for s in steps]
    reward = [0.8 - 0.1 * math.exp(h) + 0.002 * ((7 * s) % 5 - 2) for s, h in zip(steps, entropy)]  # deterministic wiggle
    (directory / "train_log.csv").write_text("step,actor/entropy,val/acc\n" + "".join(
        f"{s},{h},{r}\n" for s, h, r in zip(steps, entropy, reward)))
    (directory / "train_log.jsonl").write_text("".join(
        json.dumps({"step": s, "entropy": h, "reward": r}) + "\n" for s, h, r in zip(steps, entropy, reward)))
    (directory / "rewards.csv").write_text("step,acc\n1,0.2\n2,0.35\n3,0.4\n")
    ran = 0
    for command in block:
        if re.search(r"train_log\.|rewards\.csv", command):
            proc = run_here(scratch, directory, command)
            ran += 1
            if "--json" in command:
                fit = json.loads(proc.stdout)
                assert fit["kind"] == "law" and fit["holdout_count"] > 0
    assert ran == 3
    shown = readme_sentence(r"`entropy_column` names the temperature the entropies are of \(`([^`]+)`\)").group(1)
    fit = json.loads(run_here(scratch, directory, "deltah law dumps/step_*.safetensors --rewards rewards.csv "
                                                  "--performance acc --json").stdout)
    assert fit["entropy_column"] == shown  # the sample dumps are at T = 1 (metadata)


def test_partial_coverage_warning(scratch):
    """"… end with `the partials cover K of N positions: the result is not the whole comparison's`"."""
    shown = readme_sentence(r"end with `(the partials cover K of N positions: [^`]+)`").group(1)
    scratch.deltah("compare", "data/sample/step_0001.safetensors", "data/sample/step_0002.safetensors",
                   "--shard", "0/2", "--partial", "tmp/cover0.safetensors")
    warnings = scratch.json("merge", "tmp/cover0.safetensors", "--json")["warnings"]
    assert shown.replace("K of N", "96 of 192") in warnings


def test_problem_descriptions(scratch):
    """"… has one wording: `3-armed bandit, r = 1,0,0.5` …, `random MDP, 5 states × 3 actions, γ = 0.9, seed 0`"."""
    m = readme_sentence(r"has one wording: `([^`]+)` \(rewards listed up to K = 16\), `([^`]+)`, `([^`]+)`, `([^`]+)`\.")
    runs = [("bandit", "--rewards", "1,0,0.5"), ("bandit", "--arms", "4", "--seed", "7"),
            ("bandit", "--arms", "4", "--states", "3", "--seed", "7"),
            ("mdp", "--states", "5", "--actions", "3", "--gamma", "0.9", "--seed", "0")]
    for shown, argv in zip(m.groups(), runs):
        assert scratch.json(*argv, "--steps", "2", "--json")["summary"]["environment"] == shown


def test_eta_default_warning(scratch):
    """"the η-default warning says "no η given" instead of naming `--lr`" (the TRL dumps carry no `lr`)."""
    readme_sentence(r"the η-default warning says \"no η given\" instead of naming `--lr`")
    warnings = scratch.json("analyze", "data/trl-tiny/step_000001.before.safetensors", "--json")["warnings"]
    assert any("no η given" in w and "--lr" not in w for w in warnings), warnings


def test_kubernetes_shard_command(scratch):
    """The Indexed Job's container command, for every index of `completions` (/data rewritten into scratch):
    the partials merge into `analyze` of the dump. The manifest itself needs a cluster and is not applied."""
    yaml = README[README.index("```yaml"):]
    yaml = yaml[:yaml.index("\n```")]
    completions = int(re.search(r"completions: (\d+)", yaml).group(1))
    command = json.loads("[" + re.search(r"command: \[(.*)\]", yaml).group(1) + "]")
    assert command[:2] == ["sh", "-c"] and f"$JOB_COMPLETION_INDEX/{completions} " in command[2]
    directory = scratch.path / "k8s"
    (directory / "run").mkdir(parents=True)
    shutil.copy(scratch.path / "data" / "sample" / "step_0002.safetensors", directory / "run" / "step_000120.safetensors")
    shell = command[2].replace("/data/", f"{directory}/")
    for index in range(completions):
        proc = subprocess.run(["sh", "-c", shell], env={**scratch.env, "JOB_COMPLETION_INDEX": str(index)},
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    partials = sorted(str(p) for p in (directory / "partials").glob("step_000120.*.safetensors"))
    assert len(partials) == completions
    dump = str(directory / "run" / "step_000120.safetensors")
    assert scratch.json("merge", *partials, "--json") == scratch.json("analyze", dump, "--json")


def test_command_table_lists_every_command():
    """The "Command line" table names exactly the subcommands `deltah --help` lists (and COMMANDS above)."""
    proc = subprocess.run([DELTAH, "--help"], capture_output=True, text=True, timeout=60)
    listed = re.findall(r"^  ([a-z]+)\s{2,}", proc.stdout.split("SUBCOMMANDS:")[1], re.M)
    rows = readme_table("| command | what it does | section |")
    documented = [name for row in rows for name in re.findall(r"`([a-z]+)`", row[0])]
    assert sorted(documented) == sorted(listed) == sorted(COMMANDS)
