"""The numpy-style docstrings of the public functions of ``deltah.cli``, ``deltah.export``,
``deltah.per_token`` and ``deltah.linearize`` match their signatures: every parameter is listed
under ``Parameters`` (grouped names such as ``before, after : str`` count for each), no listed name
is absent from the signature, and a function that returns a value has a ``Returns`` section."""

import importlib
import inspect
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

MODULES = ("deltah.cli", "deltah.export", "deltah.per_token", "deltah.linearize")


def _sections(doc):
    """Section title → its lines (a title is a line underlined with dashes)."""
    lines, sections, current = doc.splitlines(), {}, None
    for i, line in enumerate(lines):
        if re.fullmatch(r"-{3,}", line.strip()):
            continue
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            current = line.strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections


def _documented(lines):
    names = []
    for line in lines:
        if line and not line.startswith(" "):
            names += [n.strip() for n in line.split(" : ")[0].split(",") if n.strip()]
    return names


def _public_functions():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj) and issubclass(obj, Exception):
                yield pytest.param(obj, id=f"{module_name}.{name}")


@pytest.mark.parametrize("function", list(_public_functions()))
def test_docstring_lists_the_signature(function):
    doc = inspect.getdoc(function) or ""
    sections = _sections(doc)
    target = function.__init__ if inspect.isclass(function) else function
    signature = inspect.signature(target)
    params = [("**" if p.kind is inspect.Parameter.VAR_KEYWORD else "") + name
              for name, p in signature.parameters.items() if name != "self"]
    documented = _documented(sections.get("Parameters", []))
    assert [p for p in params if p not in documented] == [], "parameters missing from the docstring"
    assert [d for d in documented if d not in params] == [], "documented names that are not parameters"
    returns_value = signature.return_annotation not in ("None", inspect.Signature.empty)
    if returns_value and not inspect.isclass(function):
        assert "Returns" in sections or "Yields" in sections, "no Returns section"


def test_the_check_sees_a_missing_parameter():
    def sample(a: int, b: int) -> int:
        """Sum.

        Parameters
        ----------
        a : int
        """
        return a + b

    with pytest.raises(AssertionError, match="missing"):
        test_docstring_lists_the_signature(sample)
