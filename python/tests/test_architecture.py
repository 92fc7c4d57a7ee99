# DeltaH — entropy change of softmax policies.
"""The Swift package keeps the layering of its architecture (the README's "Layout" section).

Static checks over ``Sources/`` that fail when a change breaks a rule of the design:

* no two public top-level types share a name across modules (``import DeltaHKit`` stays unambiguous);
* only ``DenseLinearAlgebra`` and ``GSLSupport`` import the BLAS/LAPACK shims, and no library module
  imports ArgumentParser (parsing is the command-line tool's job);
* library strings do not name command-line flags (``--lr``): an error or warning from a library
  names the quantity, and the tool adds its flag;
* every ``--json`` type decodes with its own CodingKeys: no ``convertFromSnakeCase`` remains;
* no bare ``catch`` turns an error into a string inside a new error without keeping it (errors
  nest as typed cases or as the ``underlying`` error);
* the command-line tool does not grow back (``Sources/deltah`` under a ceiling that only goes down)
  and no function outside the real algorithms (Lanczos, format parsers, benchmarks) is over 100 lines.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "Sources"
CLI = SOURCES / "deltah"

#: Modules that are programs, not libraries (they may name flags and import ArgumentParser).
PROGRAMS = {"deltah", "logit-kernel-benchmark"}
#: Functions allowed over 100 lines, with the reason: real algorithms and format parsers.
LONG_FUNCTIONS_ALLOWED = {
    ("Curvature/LanczosEigensolver.swift", "func eigenpairs"): "Lanczos with full reorthogonalisation",
    ("LogitDumps/_Safetensors.swift", "func read"): "the safetensors header parser",
    ("LogitDumps/_Npz.swift", "func centralDirectory"): "the zip central-directory parser",
    ("LogitDumps/LogitDump.swift", "init"): "the dump format dispatch and tensor contract",
    ("logit-kernel-benchmark/main.swift", "func run"): "a benchmark program",
}


def swift_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.swift") if ".build" not in p.parts)


def module_of(path: Path) -> str:
    return path.relative_to(SOURCES).parts[0]


def library_files() -> list[Path]:
    return [p for p in swift_files(SOURCES) if module_of(p) not in PROGRAMS]


def code_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of the lines that are not comments."""
    out = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        out.append((i, line))
    return out


def test_public_top_level_type_names_are_unique_across_modules() -> None:
    decl = re.compile(r"^public (?:final )?(?:struct|enum|class|protocol|actor|typealias) ([A-Za-z_][A-Za-z0-9_]*)")
    where: dict[str, set[str]] = defaultdict(set)
    for path in library_files():
        for _, line in code_lines(path):
            m = decl.match(line)
            if m:
                where[m.group(1)].add(module_of(path))
    shared = {name: sorted(mods) for name, mods in where.items() if len(mods) > 1}
    assert not shared, f"public types declared in more than one module: {shared}"
    assert len(where) > 50, "the scan found too few public types: the pattern is broken"


def test_only_the_linear_algebra_modules_import_blas_and_no_library_imports_argument_parser() -> None:
    blas_importers = {"DenseLinearAlgebra", "GSLSupport"}
    offenders = []
    for path in library_files():
        for i, line in code_lines(path):
            if re.match(r"\s*import\s+(CCBLAS|CLAPACKE)\b", line) and module_of(path) not in blas_importers:
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
            if re.match(r"\s*import\s+ArgumentParser\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_library_strings_do_not_name_command_line_flags() -> None:
    literal = re.compile(r'"(?:\\.|[^"\\])*"')
    flag = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
    offenders = []
    for path in library_files():
        for i, line in code_lines(path):
            for s in literal.findall(line):
                # "deltah merge" names a command, which a library may cite as a format's producer
                # ("the output of deltah bandit --json"); a flag to set is the tool's to name.
                if flag.search(s) and "deltah " not in s:
                    offenders.append(f"{path.relative_to(ROOT)}:{i}: {s}")
    assert not offenders, "library text names command-line flags:\n" + "\n".join(offenders)


def test_json_types_decode_with_their_own_coding_keys() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in swift_files(SOURCES)
        for i, line in code_lines(p)
        if "convertFromSnakeCase" in line
    ]
    assert not offenders, "decoders that guess keys from snake_case: " + ", ".join(offenders)


#: Catches allowed to word a lower layer's error into a string, with the reason.
STRING_REWRAPS_ALLOWED = {
    "PolicyCliff/SoftPolicyStability.swift": "PolicyCliffError lives in PolicyMargins, which must not link "
    "Curvature (LAPACK); the spectral-norm failure is worded into .didNotConverge",
}


def test_no_bare_catch_rewraps_an_error_as_a_string() -> None:
    offenders = []
    for path in swift_files(SOURCES):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if not re.search(r"\bcatch\s*\{", line):
                continue
            depth, block = 0, []
            for j in range(i, min(len(lines), i + 30)):
                text = lines[j] if j > i else line[line.index("catch"):]
                block.append(text)
                depth += text.count("{") - text.count("}")
                if depth <= 0:
                    break
            body = "\n".join(block)
            nests = re.search(r"(underlying|nesting): (error|\.\w+\(error\))|\.\w+\(error\)\)?\s*$", body, re.M)
            allowed = str(path.relative_to(SOURCES)) in STRING_REWRAPS_ALLOWED
            if "throw" in body and not nests and not allowed and re.search(r"\\\(error\)|error\.description|describing: error", body):
                offenders.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    assert not offenders, "errors re-wrapped as strings (nest them as typed cases):\n" + "\n".join(offenders)


#: A ratchet, not the goal: the architecture issue asks for under 1,000 lines; the tool was at
#: 1,435 (its option declarations with their help texts are about 400 of them). Raised once, to
#: 1,470, for validate() rules that refuse flags without effect and name them (the CLI's own job;
#: no logic moved back); lowered to 1,425 when bandit/mdp training and the sweep moved behind one
#: library call each and report stopped declaring options it refused; lowered to 1,421 when the
#: clipping's AnalysisOptions moved into DumpAnalysis (paying for whatif --kl-coef), 1,420 when
#: --shard became a parsing transform that says why a value is refused. Lower it as the tool
#: shrinks; raise it only for such rules, saying so.
CLI_LINE_CEILING = 1_420


def test_the_command_line_tool_is_thin() -> None:
    total = sum(len(p.read_text().splitlines()) for p in swift_files(CLI))
    assert total <= CLI_LINE_CEILING, (
        f"Sources/deltah has {total} lines (ceiling {CLI_LINE_CEILING}); the commands parse, call one library function, format"
    )


def test_no_function_outside_the_algorithms_is_over_100_lines() -> None:
    spec = importlib.util.spec_from_file_location("function_lengths", ROOT / "scripts" / "function-lengths.py")
    assert spec and spec.loader
    lengths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lengths)
    offenders = []
    for path in swift_files(SOURCES):
        relative = str(path.relative_to(SOURCES))
        for name, line, n in lengths.lengths(path):
            if n > 100 and (relative, name) not in LONG_FUNCTIONS_ALLOWED:
                offenders.append(f"Sources/{relative}:{line} {name}: {n} lines")
    assert not offenders, "\n".join(offenders)
