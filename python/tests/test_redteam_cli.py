"""Red-team regressions: deltah.cli keeps the binary's paths, warnings and failures (the report
tests need the binary)."""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli, export  # noqa: E402

from deltah_binary import DELTAH, ROOT, requires_binary  # noqa: E402

SAMPLE = [os.path.join(ROOT, "data", "sample", f"step_000{i}.safetensors") for i in (1, 2, 3)]


# -- cli ------------------------------------------------------------------------------------------


@requires_binary
def test_report_lists_written_paths_that_contain_a_colon(tmp_path):
    html = tmp_path / "run-12:30.html"
    r = cli.report(SAMPLE[0], html=html, binary=DELTAH)
    # Before: "wrote /…/run-12:30.html" was cut at the colon into "/…/run-12".
    assert r["written"] == [str(html)]


@requires_binary
def test_report_json_with_only_html_does_not_crash(tmp_path):
    # `deltah report --html F --format json` (no --out) writes no table in that format; before,
    # cli.report raised json.JSONDecodeError on the empty standard output. The binary now refuses
    # the flag without effect (exit 64), which the wrapper raises as DeltaHError naming it.
    with pytest.raises(cli.DeltaHError, match="--format") as error:
        cli.report(SAMPLE[0], html=tmp_path / "r.html", format="json", binary=DELTAH)
    assert error.value.returncode == 64 and not (tmp_path / "r.html").exists()
    r = cli.report(SAMPLE[0], html=tmp_path / "r.html", binary=DELTAH)
    assert r["written"] == [str(tmp_path / "r.html")] and "tables" not in r


@requires_binary
def test_report_and_partial_results_carry_the_binary_warnings(tmp_path):
    r = cli.report(SAMPLE[0], html=tmp_path / "r.html", temperature=2, binary=DELTAH)
    assert any("temperature" in w for w in r["warnings"])
    p = cli.analyze(SAMPLE[0], shard="0/2", partial=tmp_path / "p.safetensors", binary=DELTAH)
    assert p["partial"] == str(tmp_path / "p.safetensors") and isinstance(p["warnings"], list)


def test_a_timeout_raises_deltah_error_naming_it(tmp_path):
    slow = tmp_path / "deltah"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    # Before: subprocess.TimeoutExpired escaped, although every failing run raises DeltaHError.
    with pytest.raises(cli.DeltaHError, match="timeout") as error:
        cli.analyze("x.safetensors", binary=slow, timeout=0.2)
    assert error.value.command[0] == str(slow)


@requires_binary
def test_the_binary_output_is_decoded_as_utf8_whatever_the_locale(tmp_path):
    # Before: text=True decoded with the locale's encoding: under an ASCII locale (LC_ALL=C without
    # UTF-8 mode) cli.analyze raised UnicodeDecodeError on the 'η' of a warning; under Latin-1 the
    # messages were mangled.
    import subprocess

    dump = tmp_path / "d.safetensors"
    export.save_dump(dump, logits=np.zeros((2, 3, 5), np.float32), token_ids=np.zeros((2, 3), int),
                     advantages=np.ones((2, 3)))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from deltah import cli; "
            "r = cli.analyze(sys.argv[2], binary=sys.argv[3]); "
            "sys.stdout.buffer.write(r['warnings'][0].encode('utf-8'))")
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    proc = subprocess.run([sys.executable, "-c", code, os.path.join(os.path.dirname(__file__), ".."), str(dump), DELTAH],
                          capture_output=True, env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert "η" in proc.stdout.decode("utf-8")


@requires_binary
def test_compare_shards_write_partials_that_merge_to_the_whole(tmp_path):
    # Before: cli.compare always added --json, which the binary refuses with --shard ("give --json
    # ... to 'deltah merge'"), naming a flag the caller never passed.
    parts = [tmp_path / f"c{i}.safetensors" for i in range(2)]
    for i, p in enumerate(parts):
        r = cli.compare(SAMPLE[0], SAMPLE[1], shard=f"{i}/2", partial=p, binary=DELTAH)
        assert r["partial"] == str(p) and "wrote compare partial" in r["stderr"]
    merged, whole = cli.merge(parts, binary=DELTAH), cli.compare(SAMPLE[0], SAMPLE[1], binary=DELTAH)
    assert merged["pearson_first_order"] == whole["pearson_first_order"] and merged["tokens"] == whole["tokens"]
