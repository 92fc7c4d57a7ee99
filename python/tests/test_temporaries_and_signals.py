"""No temporary file survives a Python writer, not even a killed one, and an .npz is never paired
with an old or missing sidecar. Light: numpy, safetensors, pytest; the pair tests also run the
deltah binary.

The killed writers are real child processes: each blocks inside its write on a read from a pipe
(never on a sleep), says "ready" on stdout, and is then sent the signal.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "..")
sys.path.insert(0, PACKAGE)
from deltah import export  # noqa: E402
from deltah import ray as dray  # noqa: E402  (imports without ray)

from deltah_binary import DELTAH, requires_binary  # noqa: E402

#: Child preamble: `block()` says "ready" and waits on stdin (a pipe the test holds open).
PREAMBLE = """
import json, os, signal, sys
import numpy as np
from deltah import export
from deltah import ray as dray

def block():
    print("ready", flush=True)
    os.read(0, 1)

def dump(seed):
    z = np.random.default_rng(seed).normal(size=(2, 3, 5)).astype(np.float32)
    return dict(logits=z, token_ids=np.zeros((2, 3), np.int64), advantages=np.ones((2, 3)), logits_dtype="f32")

def save_dump_blocking_after_write():
    # save_dump("d.safetensors") that blocks once its temporary is written, before the rename.
    real = export._write_safetensors
    def slow(path, fields, meta):
        real(path, fields, meta)
        block()
    export._write_safetensors = slow
    export.save_dump("d.safetensors", **dump(1))
"""


def run_child(tmp_path, body, *, send=signal.SIGTERM, release=False, handled=False):
    """Run PREAMBLE + body in a child; once it is blocked, send it ``send``.

    ``release``: after the signal, write a byte to the child's stdin so that a child that survived
    the signal finishes its write; ``handled``: first wait until the child printed "handled".
    Returns (returncode, stdout lines after "ready", stderr).
    """
    script = tmp_path / "child.py"
    script.write_text(PREAMBLE + textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=PACKAGE, TMPDIR=str(tmp_path / "tmpdir"))
    os.makedirs(env["TMPDIR"], exist_ok=True)
    read_end, write_end = os.pipe()
    child = subprocess.Popen([sys.executable, str(script)], stdin=read_end, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=str(tmp_path))
    os.close(read_end)
    try:
        first = child.stdout.readline().strip()
        if first != "ready":
            child.kill()
            pytest.fail(f"the child did not block: {first!r} {child.communicate()}")
        child.send_signal(send)
        if handled:  # the child's own handler ran (before its read resumed)
            assert child.stdout.readline().strip() == "handled"
        if release:
            os.write(write_end, b"x")
        out, err = child.communicate(timeout=60)
    finally:
        os.close(write_end)
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, out.splitlines(), err


def names(folder):
    return sorted(n for n in os.listdir(folder) if n not in ("child.py", "tmpdir"))


# -- killed writers leave no temporary -------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_writer_killed_during_save_dump_leaves_no_temporary_and_dies_of_the_signal(tmp_path, sig):
    # Before: SIGTERM and SIGHUP left `.d.safetensors.XXXX.tmp` beside the dump (SIGINT was already
    # cleaned up through KeyboardInterrupt).
    (tmp_path / "d.safetensors").write_bytes(b"old")
    code, _, err = run_child(tmp_path, """
        save_dump_blocking_after_write()
    """, send=sig)
    assert code == -sig, err
    assert names(tmp_path) == ["d.safetensors"]
    assert (tmp_path / "d.safetensors").read_bytes() == b"old"


def test_a_killed_first_write_leaves_nothing_at_all(tmp_path):
    code, _, err = run_child(tmp_path, """
        def slow(path):
            with open(path, "wb") as f:
                f.write(b"half")
            block()
        export._atomic_write("new.safetensors", slow)
    """)
    assert code == -signal.SIGTERM, err
    assert names(tmp_path) == []


def test_a_killed_ray_json_writer_leaves_no_temporary(tmp_path):
    code, _, err = run_child(tmp_path, """
        real = dray.json.dump
        def slow(value, f, **kwargs):
            real(value, f, **kwargs)
            block()
        dray.json.dump = slow
        dray._write_json_atomic("out/series.json", {"steps": []})
    """)
    assert code == -signal.SIGTERM, err
    assert names(tmp_path / "out") == []


def test_a_killed_series_task_removes_its_private_folder(tmp_path):
    # Before: the task's `deltah-series-*` folder (a finally clause) stayed when it was killed.
    code, _, err = run_child(tmp_path, """
        def binary_running(*args, **kwargs):
            block()
        dray._run_binary = binary_running
        dray._find_binary = lambda binary: binary
        dray._series_task("unused", [{"step": 1}, {"step": 2}])
    """)
    assert code == -signal.SIGTERM, err
    assert os.listdir(tmp_path / "tmpdir") == []


# -- the process's own handlers are kept -----------------------------------------------------------


def test_a_graceful_handler_of_the_process_is_called_and_the_write_completes(tmp_path):
    # A trainer's SIGTERM handler that only sets a flag: the write goes on, the handler stays.
    (tmp_path / "d.safetensors").write_bytes(b"old")
    code, out, err = run_child(tmp_path, """
        def graceful(signum, frame):
            print("handled", flush=True)
        signal.signal(signal.SIGTERM, graceful)
        save_dump_blocking_after_write()
        print("restored", signal.getsignal(signal.SIGTERM) is graceful)
    """, release=True, handled=True)
    assert code == 0, err
    assert out == ["restored True"]
    assert names(tmp_path) == ["d.safetensors"]
    assert (tmp_path / "d.safetensors").read_bytes() != b"old"


def test_a_handler_that_exits_like_rays_unwinds_the_writer(tmp_path):
    (tmp_path / "d.safetensors").write_bytes(b"old")
    code, _, err = run_child(tmp_path, """
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(3))
        save_dump_blocking_after_write()
    """)
    assert code == 3, err
    assert names(tmp_path) == ["d.safetensors"]
    assert (tmp_path / "d.safetensors").read_bytes() == b"old"


def test_an_ignored_signal_stays_ignored(tmp_path):
    # SIGHUP under nohup: the write is not interrupted and the disposition is not changed.
    code, out, err = run_child(tmp_path, """
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        def slow(path):
            with open(path, "wb") as f:
                f.write(b"new")
            block()
            print("seen", signal.getsignal(signal.SIGHUP) == signal.SIG_IGN, flush=True)
        export._atomic_write("d.bin", slow)
    """, send=signal.SIGHUP, release=True)
    assert code == 0, err
    assert out == ["seen True"]
    assert names(tmp_path) == ["d.bin"]


def test_handlers_are_put_back_after_a_write_in_process(tmp_path):
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    export.save_dump(tmp_path / "d.safetensors", logits=np.zeros((2, 3), np.float32), token_ids=np.zeros(2, np.int64),
                     advantages=np.ones(2))
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_write_from_another_thread_works_and_leaves_nothing(tmp_path):
    # Handlers can only be installed from the main thread; a worker thread's write must not fail.
    errors = []

    def work():
        try:
            export.save_npz(tmp_path / "t.npz", logits=np.zeros((2, 3), np.float32), token_ids=np.zeros(2, np.int64),
                            advantages=np.ones(2), temperature=0.7)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []
    assert names(tmp_path) == ["t.metadata.json", "t.npz"]


# -- an .npz and its sidecar are replaced as a pair -----------------------------------------------


def npz_args(seed):
    z = np.random.default_rng(seed).normal(size=(4, 6)).astype(np.float32)
    return dict(logits=z, token_ids=np.arange(4), advantages=np.ones(4), logits_dtype="f32")


def analyze(path):
    return subprocess.run([DELTAH, "analyze", str(path), "--json"], capture_output=True, text=True)


@requires_binary
@pytest.mark.parametrize("renames_done", [0, 1, 2])
def test_an_npz_killed_between_its_renames_is_never_read_with_the_old_sidecar(tmp_path, renames_done):
    # Before: save_npz renamed the .npz, then wrote the sidecar; killed in between, `deltah analyze`
    # read the new logits with the old sidecar's temperature (2) and exited 0.
    export.save_npz(tmp_path / "step.npz", **npz_args(1), temperature=2.0)
    old_npz = (tmp_path / "step.npz").read_bytes()
    code, _, err = run_child(tmp_path, f"""
        real = os.replace
        done = []
        def counted(src, dst):
            if len(done) == {renames_done}:
                block()
            real(src, dst)
            done.append(dst)
        os.replace = counted
        z = np.random.default_rng(2).normal(size=(4, 6)).astype(np.float32)
        export.save_npz("step.npz", logits=z, token_ids=np.arange(4), advantages=np.ones(4), logits_dtype="f32",
                        temperature=0.5)
    """)
    assert code == -signal.SIGTERM, err
    assert names(tmp_path) == ["step.metadata.json", "step.npz"]
    result = analyze(tmp_path / "step.npz")
    assert ((tmp_path / "step.npz").read_bytes() == old_npz) == (renames_done < 2)
    if renames_done == 0:  # nothing renamed yet: the old pair, read as before
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["temperature"] == 2
    else:  # the stand-in sidecar: refused, naming it
        assert result.returncode != 0
        assert "step.metadata.json" in result.stderr and "interrupted" in result.stderr


@requires_binary
@pytest.mark.parametrize("failing_rename", [1, 2, 3])
def test_a_failed_rename_never_pairs_the_npz_with_the_old_sidecar(tmp_path, monkeypatch, failing_rename):
    export.save_npz(tmp_path / "step.npz", **npz_args(1), temperature=2.0)
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == failing_rename:
            raise OSError(5, "Input/output error (simulated)", dst)
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="simulated"):
        export.save_npz(tmp_path / "step.npz", **npz_args(2), temperature=0.5)
    monkeypatch.setattr(os, "replace", real)
    assert names(tmp_path) == ["step.metadata.json", "step.npz"]
    result = analyze(tmp_path / "step.npz")
    if failing_rename == 1:
        assert result.returncode == 0 and json.loads(result.stdout)["temperature"] == 2
    else:
        assert result.returncode != 0 and "step.metadata.json" in result.stderr


@requires_binary
def test_a_completed_npz_pair_is_read_with_its_own_sidecar(tmp_path):
    export.save_npz(tmp_path / "step.npz", **npz_args(1), temperature=2.0)
    export.save_npz(tmp_path / "step.npz", **npz_args(2), temperature=0.5)
    result = analyze(tmp_path / "step.npz")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["temperature"] == 0.5
    assert names(tmp_path) == ["step.metadata.json", "step.npz"]


def test_an_npz_that_is_a_link_to_its_own_sidecar_is_refused(tmp_path):
    (tmp_path / "s.metadata.json").write_text('{"temperature": 2.0}')
    os.symlink("s.metadata.json", tmp_path / "s.npz")
    with pytest.raises(ValueError, match="same file"):
        export.save_npz(tmp_path / "s.npz", **npz_args(1))
    assert (tmp_path / "s.metadata.json").read_text() == '{"temperature": 2.0}'
    assert names(tmp_path) == ["s.metadata.json", "s.npz"]
