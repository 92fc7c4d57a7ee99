# DeltaH — entropy change of softmax policies.
"""The repository stands alone: its links resolve and it points nowhere outside itself.

Checked over every text file of the repository (Markdown, Swift, Python, shell, C, TOML, JSON, …;
build products, virtual environments and generated output excluded):

* every relative Markdown link ``[text](path#anchor)`` in a ``.md`` file names an existing file and,
  for a Markdown target, an anchor that exists there;
* every ``docs/theory.md#<anchor>`` citation (doc comments, notebooks, reports, README) names an
  anchor of ``docs/theory.md``;
* no file refers to the project's former out-of-repository references (a ``shared`` folder beside
  the repository, absolute ``/work/`` paths) or to the old section numbers of that reference;
* the code paths named in ``docs/theory.md`` exist, and its anchors are unique.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THEORY = ROOT / "docs" / "theory.md"

#: Directory names never scanned (build products, environments, generated output).
EXCLUDED_DIRS = {".git", ".build", "out", "__pycache__", ".pytest_cache", "build", "node_modules"}
#: Extensions read as text. Files without an extension are read when they decode as UTF-8.
TEXT_SUFFIXES = {".md", ".swift", ".py", ".sh", ".c", ".h", ".toml", ".json", ".yml", ".yaml", ".txt", ".modulemap", ".cfg"}

# Built by concatenation so that this file does not match its own patterns.
FORBIDDEN = [
    ("a path into a sibling 'shared' folder", re.compile(re.escape(".." + "/shared"))),
    ("the project's shared folder", re.compile("shared" + r"/(spec|notes)/")),
    ("the project's shared folder", re.compile("project's " + "shared folder")),
    ("an absolute /work/ path", re.compile(r"(?<![\w.])" + "/wo" + r"rk/")),
    ("a section number of the old out-of-repository theory file", re.compile(r"\btheory(\.md)? " + "§")),
    ("the out-of-repository ecosystem notes", re.compile(r"\becosystem" + r"\.md\b")),
]

MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE_LINK = re.compile(r"!\[[^\]\n]*\]\(([^)\s]+)\)")
THEORY_CITATION = re.compile(r"docs/theory\.md#([A-Za-z0-9_-]+)")
EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")


def _excluded(path: Path) -> bool:
    """Whether a path lies in a build, environment or output directory.

    Parameters
    ----------
    path : Path
        A path relative to the repository root.

    Returns
    -------
    bool
        True for paths inside an excluded directory, a ``.venv*``/``.build*`` directory or an
        ``*.egg-info`` directory.
    """
    for part in path.parts[:-1]:
        if part in EXCLUDED_DIRS or part.startswith((".venv", ".build")) or part.endswith(".egg-info"):
            return True
    return path.name == ".git"


def repository_text_files() -> list[Path]:
    """All text files of the repository, sorted.

    Returns
    -------
    list of Path
        Absolute paths of files with a text suffix (or no suffix and valid UTF-8 content) that are
        not in an excluded directory.
    """
    files: list[Path] = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if not path.is_file() or _excluded(rel):
            continue
        if path.suffix in TEXT_SUFFIXES:
            files.append(path)
        elif path.suffix == "" and path.stat().st_size < 1_000_000:
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return sorted(files)


def github_slug(heading: str) -> str:
    """The anchor GitHub generates for a Markdown heading.

    Parameters
    ----------
    heading : str
        The heading text without the leading ``#`` marks.

    Returns
    -------
    str
        Lower-cased text with inline markup removed, everything but letters, digits, spaces, ``-``
        and ``_`` dropped, and spaces replaced by ``-``.
    """
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("`", "").lower()
    kept = [c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN"]
    return "".join(kept).replace(" ", "-")


def markdown_anchors(path: Path) -> set[str]:
    """Anchors a Markdown file defines: explicit ``<a id>`` tags and GitHub heading slugs.

    Parameters
    ----------
    path : Path
        A Markdown file.

    Returns
    -------
    set of str
        Every anchor a ``#fragment`` may name (duplicate headings get ``-1``, ``-2``, … as on GitHub).
    """
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if CODE_FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        anchors.update(EXPLICIT_ANCHOR.findall(line))
        m = HEADING.match(line)
        if m:
            slug = github_slug(m.group(2))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def markdown_links(path: Path) -> list[tuple[int, str]]:
    """Relative link targets of a Markdown file, outside code fences and inline code.

    Parameters
    ----------
    path : Path
        A Markdown file.

    Returns
    -------
    list of (int, str)
        (line number, target) for every link that is not a URL with a scheme.
    """
    links: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if CODE_FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        prose = re.sub(r"`[^`]*`", "", line)
        for target in MARKDOWN_LINK.findall(prose) + IMAGE_LINK.findall(prose):
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
                continue  # http:, https:, mailto:
            links.append((number, target))
    return links


FILES = repository_text_files()
MARKDOWN_FILES = [p for p in FILES if p.suffix == ".md"]


def test_theory_exists_with_the_anchors_the_issues_name() -> None:
    anchors = markdown_anchors(THEORY)
    for anchor in ["lemma-1", "second-order", "trust-radius", "pg-npg", "multi-state", "polarity", "quadrants",
                   "token-covariance", "clip-cov", "kl-cov", "steer", "opefo", "entrocraft", "forking-tokens",
                   "curvature", "lanczos", "policy-cliff", "top-k-bounds", "entropy-performance-law",
                   "network-linearised", "planned-methods", "numerics", "sources"]:
        assert anchor in anchors, f"docs/theory.md has no anchor #{anchor}"


def test_theory_explicit_anchors_are_unique() -> None:
    ids = EXPLICIT_ANCHOR.findall(THEORY.read_text(encoding="utf-8"))
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"docs/theory.md defines these anchors twice: {duplicates}"


def test_the_scan_sees_the_files_that_cite_the_theory() -> None:
    # Guard against a scan that silently reads nothing (wrong root, over-broad exclusions).
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    for required in ["README.md", "docs/theory.md", "Sources/EntropyDynamics/EntropyPolarity.swift",
                     "notebooks-as-scripts/policy-cliff/main.swift", "Sources/Reports/RunReport+Sources.swift"]:
        assert required in names, f"{required} was not scanned"


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_markdown_links_resolve(path: Path) -> None:
    problems: list[str] = []
    for number, target in markdown_links(path):
        file_part, _, fragment = target.partition("#")
        destination = path if file_part == "" else (path.parent / file_part).resolve()
        where = f"{path.relative_to(ROOT)}:{number}: link {target!r}"
        if file_part and not destination.is_relative_to(ROOT):
            problems.append(f"{where} leaves the repository")
            continue
        if not destination.exists():
            problems.append(f"{where}: {file_part} does not exist")
            continue
        if fragment and destination.suffix == ".md" and fragment not in markdown_anchors(destination):
            problems.append(f"{where}: no anchor #{fragment} in {destination.relative_to(ROOT)}")
    assert not problems, "\n".join(problems)


def test_theory_citations_name_existing_anchors() -> None:
    anchors = markdown_anchors(THEORY)
    problems: list[str] = []
    cited = 0
    for path in FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for anchor in THEORY_CITATION.findall(line):
                cited += 1
                if anchor not in anchors:
                    problems.append(f"{path.relative_to(ROOT)}:{number}: docs/theory.md#{anchor} does not exist")
    assert not problems, "\n".join(problems)
    assert cited >= 30, f"only {cited} citations of docs/theory.md#… found; the scan is probably broken"


def test_nothing_refers_outside_the_repository() -> None:
    problems: list[str] = []
    for path in FILES:
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for what, pattern in FORBIDDEN:
                if pattern.search(line):
                    problems.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()[:100]}")
    assert not problems, "\n".join(problems)


def test_code_paths_named_in_theory_exist() -> None:
    text = THEORY.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:Sources|Tests|python|scripts|notebooks-as-scripts|benchmarks|docs)/[^`\s]*)`", text))
    missing = sorted(p for p in paths if not (ROOT / p.partition("#")[0]).exists())
    assert len(paths) >= 20
    assert not missing, f"docs/theory.md names paths that do not exist: {missing}"


def test_forbidden_patterns_catch_what_they_should() -> None:
    # The checks above pass trivially if the patterns match nothing; make sure they can fail.
    samples = ["see " + ".." + "/shared/spec/theory.md", "/wo" + "rk/shared/notes/x.md", "(theory.md " + "§5.2)",
               "(theory " + "§11)", "the project's " + "shared folder", "ecosystem" + ".md §4.5"]
    for sample in samples:
        assert any(p.search(sample) for _, p in FORBIDDEN), sample
    for fine in ["docs/theory.md#lemma-1", "shared by analyze and merge", "Sources/Reports/x.swift"]:
        assert not any(p.search(fine) for _, p in FORBIDDEN), fine
    assert github_slug("4. Lemma 1: the first-order entropy change") == "4-lemma-1-the-first-order-entropy-change"
    assert markdown_links_of("[a](docs/theory.md#lemma-1) `[b](x)` [c](https://x.org)") == ["docs/theory.md#lemma-1"]


def markdown_links_of(line: str) -> list[str]:
    """Relative link targets of one line of Markdown (helper for the self-test).

    Parameters
    ----------
    line : str
        One line of Markdown.

    Returns
    -------
    list of str
        The targets ``markdown_links`` would report for that line.
    """
    prose = re.sub(r"`[^`]*`", "", line)
    return [t for t in MARKDOWN_LINK.findall(prose) if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", t)]
