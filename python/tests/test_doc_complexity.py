# DeltaH — entropy change of softmax policies.
"""Every public member of a library that computes something states its complexity.

The project's standard: every public Swift function that computes a quantity has a doc comment
with its formula, edge cases and complexity. This test checks the last, mechanically: each public
``func``, ``subscript`` and computed ``var`` of a library module (``Sources/*`` except the
programs) has a ``- Complexity:`` line in the doc comment above it.

Exempt, by rule (no list of names to grow):

* witnesses of the standard library's protocol requirements whose meaning the protocol fixes:
  ``description`` and ``debugDescription`` (CustomStringConvertible), ``encode(to:)``
  (Encodable), ``hash(into:)`` (Hashable), and operators (``==``, ``<``);
* constants: a computed property whose whole body is one literal (``{ "bapo" }``, ``{ true }``,
  ``{ 0 }``) computes nothing.

Initialisers are not checked here: most public ones store their arguments; those that compute
(a report, an analysis) carry their complexity already.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "Sources"
#: Modules that are programs, not libraries.
PROGRAMS = {"deltah", "logit-kernel-benchmark"}

_MODIFIERS = r"(?:(?:static|class|mutating|nonisolated|override|final|lazy)\s+)*"
#: `public [modifiers] func name(`, `public subscript(`, `public var name: Type {` (computed).
DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public|open)\s+" + _MODIFIERS
    + r"(?:(?P<func>func\s+(?P<name>[A-Za-z_]\w*)\s*[(<])|(?P<subscript>subscript\s*[(<])"
    + r"|(?P<var>var\s+(?P<var_name>\w+)\s*:[^={]*\{(?P<body>.*)$))"
)
EXEMPT_NAMES = {"description", "debugDescription", "encode", "hash"}
LITERAL_BODY = re.compile(r'^\s*(?:"[^"\\]*"|true|false|nil|-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*\}\s*$')
ATTRIBUTE_LINE = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s*)+$")


def library_files() -> list[Path]:
    return sorted(
        p for p in SOURCES.rglob("*.swift")
        if ".build" not in p.parts and p.relative_to(SOURCES).parts[0] not in PROGRAMS
    )


def doc_comment_above(lines: list[str], index: int) -> list[str]:
    """The `///` lines directly above line `index`, skipping attribute lines (`@inlinable`)."""
    doc = []
    j = index - 1
    while j >= 0 and (lines[j].lstrip().startswith("///") or ATTRIBUTE_LINE.match(lines[j])):
        doc.append(lines[j])
        j -= 1
    return doc


def missing_complexity() -> list[str]:
    """`path:line: declaration` of each checked member without a `- Complexity:` line."""
    offenders = []
    for path in library_files():
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            m = DECLARATION.match(line)
            if not m:
                continue
            name = m.group("name") or m.group("var_name")
            if name in EXEMPT_NAMES:
                continue
            if m.group("var"):
                body = m.group("body")
                if re.match(r"\s*(get|set)\b", body) or LITERAL_BODY.match(body):
                    continue
            if not any("- Complexity:" in d for d in doc_comment_above(lines, i)):
                offenders.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    return offenders


def test_every_public_computing_member_states_its_complexity() -> None:
    offenders = missing_complexity()
    assert not offenders, (
        "public members without a '- Complexity:' line in their doc comment:\n" + "\n".join(offenders)
    )


def test_the_check_sees_a_member_without_complexity(tmp_path: Path) -> None:
    """The pattern matches the forms the code base uses (so a pass is not vacuous)."""
    samples = [
        "  public var polarity: Double { sampledTerm + correctionTerm }",
        "  @inlinable public static func firstOrder(",
        "  public func logitStep(for policy: SoftmaxPolicy) -> [Double] {",
        "  public subscript(row: Int, column: Int) -> Double {",
        "  public mutating func append(_ cells: String...) { rows.append(cells) }",
    ]
    for s in samples:
        assert DECLARATION.match(s), s
    constant = DECLARATION.match('  public var name: String { "bapo" }')
    assert constant and LITERAL_BODY.match(constant.group("body"))
    assert not DECLARATION.match("  public let rule: String")
    assert not DECLARATION.match("  public var low: Double")
