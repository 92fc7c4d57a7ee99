#!/usr/bin/env python3
"""List Swift functions and initialisers longer than a limit (default 100 lines).

Usage: python3 scripts/function-lengths.py [--limit N] DIR_OR_FILE...

A declaration is a line starting with `func`, `init` or `subscript` (after modifiers); its length is
counted from that line to the line that closes its opening brace, by brace depth (braces inside
string literals and comments on the same line are ignored roughly, which is enough for this code
base). Exit status 1 when any function is over the limit.
"""
import argparse
import pathlib
import re
import sys

DECL = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|static|mutating|"
                  r"nonisolated|override|final|convenience|required|@inlinable|@usableFromInline)\s+)*"
                  r"(func\s+[^\s(<]+|init[?!]?\s*[(<]|subscript\s*[(<])")


def strip(line: str) -> str:
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    return line.split("//", 1)[0]


def lengths(path: pathlib.Path):
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = DECL.match(lines[i])
        if not m:
            i += 1
            continue
        depth, opened, j = 0, False, i
        while j < len(lines):
            code = strip(lines[j])
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                break
            j += 1
        if opened:
            yield m.group(1).strip("( <"), i + 1, j - i + 1
        i += 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    over = []
    for root in args.paths:
        root = pathlib.Path(root)
        files = [root] if root.is_file() else sorted(root.rglob("*.swift"))
        for f in files:
            for name, line, n in lengths(f):
                if n > args.limit:
                    over.append((n, f"{f}:{line}", name))
    for n, where, name in sorted(over, reverse=True):
        print(f"{n:5d}  {where}  {name}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
