"""Hostile files and faults against the `deltah` binary (issue 10: data loss, signals, I/O,
allocation).

Classes covered: an output that is an input (several commands; the same path, a symbolic link, a
hard link, a folder member, a metadata sidecar); FIFOs, devices and symbolic links as inputs and
outputs; SIGINT, SIGTERM and SIGHUP while an output is being written; write errors on standard
output (/dev/full) and a closed pipe; a dump truncated while it is read; compression bombs under an
address-space limit; start-up under `ulimit -v 200000`.

Every case ends in a correct result or a non-zero exit with a one-line message naming the file or
argument, and never in a signal (returncode < 0), a hang (every run has a timeout), a changed
input (hashed before and after), a replaced special file, or a leftover `.NAME.tmp-XXXXXX` file.

Needs the binary: $DELTAH_BIN, else .build/debug/deltah.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import struct
import subprocess
import time
import zlib
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import pytest

from deltah_binary import DELTAH, ROOT
from deltah_binary import requires_binary as pytestmark  # noqa: F401

SAMPLE = Path(ROOT) / "data" / "sample"
TIMEOUT = 30


# MARK: - helpers


def run(
    args: Sequence[str],
    *,
    timeout: float = TIMEOUT,
    stdout=subprocess.PIPE,
    address_space: Optional[int] = None,
) -> subprocess.CompletedProcess:
    """Runs deltah ARGS with a timeout (a hang fails the test), optionally under RLIMIT_AS."""

    def limit() -> None:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return subprocess.run(
        [DELTAH, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        preexec_fn=limit if address_space is not None else None,
        # OPENBLAS_NUM_THREADS is deliberately not set: start-up must not hang without it.
        env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"},
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kind(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


def leftovers(*folders: Path) -> list[str]:
    found: list[str] = []
    for folder in folders:
        found += glob.glob(str(folder / "**" / ".*.tmp-*"), recursive=True)
    return found


def assert_refused(proc: subprocess.CompletedProcess, *names: str) -> str:
    """A clean refusal: exit status > 0 (no signal) and a one-line message naming `names`."""
    assert proc.returncode > 0, f"status {proc.returncode}; stderr: {proc.stderr}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line message, got: {proc.stderr!r}"
    for name in names:
        assert name in lines[0], f"{name!r} not named in {lines[0]!r}"
    return lines[0]


def npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    """A version-1 .npy header for a C-order array."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr,
        "".join(f"{d}, " for d in shape) if len(shape) != 1 else f"{shape[0]},",
    )
    total = 10 + len(text) + 1
    text += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def zip_archive(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP of DEFLATE members (name, raw deflate bytes, claimed uncompressed size, crc)."""
    out, central = b"", b""
    for name, payload, size, crc in members:
        offset = len(out)
        encoded = name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(payload), size, len(encoded), 0)
        out += encoded + payload
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(payload), size, len(encoded), 0, 0, 0, 0, 0, offset
        )
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    return out + central + end


def bomb_member(name: str, descr: str, shape: tuple[int, ...], item: int, rng: np.random.Generator) -> tuple:
    """A DEFLATE .npy member whose header claims `shape` while the stream holds ~1 MB: as much as
    the ZIP directory's size claim allows (1100:1), and far less than the claim."""
    header = npy_header(descr, shape)
    claimed = len(header) + int(np.prod(shape)) * item
    filler = rng.bytes(max(1, claimed // 1000))
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    payload = compressor.compress(header + filler) + compressor.flush()
    return (name, payload, claimed, zlib.crc32(header + filler))


def device(folder: Path, name: str) -> Path:
    """A character device to aim outputs at: as root, a private node with the same numbers as
    /dev/null or /dev/full inside `folder` (a regression must not replace the system's device:
    run as root, an old deltah did exactly that); otherwise the system's device, which an
    unprivileged process cannot replace."""
    system = Path("/dev") / name
    if os.geteuid() != 0:
        return system
    private = folder / f"dev-{name}"
    os.mknod(private, 0o666 | stat.S_IFCHR, os.lstat(system).st_rdev)
    return private


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    """A folder with copies of the sample dumps."""
    for name in ("step_0001.safetensors", "step_0002.safetensors"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    return tmp_path


def checked(work: Path, body: Callable[[Path], None], *, specials: Sequence[Path] = ()) -> None:
    """Runs `body` and checks the invariants: inputs unchanged, specials still special, no
    leftover temporary files."""
    inputs = {p: digest(p) for p in work.rglob("*") if p.is_file() and not p.is_symlink() and kind(p) == stat.S_IFREG}
    modes = {p: kind(p) for p in specials}
    body(work)
    for p, h in inputs.items():
        assert digest(p) == h, f"input {p} changed"
    for p, m in modes.items():
        assert kind(p) == m, f"{p} is no longer what it was"
    assert leftovers(work) == []


# MARK: - 1. an output that is an input


@pytest.mark.parametrize(
    "make_output",
    [
        pytest.param(lambda w: "step_0001.safetensors", id="same-path"),
        pytest.param(lambda w: "./sub/../step_0001.safetensors", id="other-spelling"),
        pytest.param(lambda w: os.symlink("step_0001.safetensors", w / "link.st") or "link.st", id="symlink"),
        pytest.param(lambda w: os.link(w / "step_0001.safetensors", w / "hard.st") or "hard.st", id="hard-link"),
    ],
)
def test_analyze_per_token_onto_its_input_is_refused(work: Path, make_output) -> None:
    (work / "sub").mkdir()

    def body(w: Path) -> None:
        out = make_output(w)
        proc = run(["analyze", str(w / "step_0001.safetensors"), "--per-token", str(w / out)])
        assert_refused(proc, out.split("/")[-1], "is an input")

    checked(work, body)


def test_partial_onto_its_input_is_refused(work: Path) -> None:
    def body(w: Path) -> None:
        dump = str(w / "step_0001.safetensors")
        assert_refused(run(["analyze", dump, "--shard", "0/2", "--partial", dump]), "step_0001.safetensors", "is an input")

    checked(work, body)


def test_compare_per_token_onto_either_input_is_refused(work: Path) -> None:
    def body(w: Path) -> None:
        a, b = str(w / "step_0001.safetensors"), str(w / "step_0002.safetensors")
        assert_refused(run(["compare", a, b, "--per-token", a]), "step_0001.safetensors", "is an input")
        os.symlink(b, w / "to-after")
        assert_refused(run(["compare", a, b, "--per-token", str(w / "to-after")]), "to-after", "is an input")

    checked(work, body)


def test_merge_per_token_onto_a_partial_is_refused(work: Path) -> None:
    dump = str(work / "step_0002.safetensors")
    for i in range(2):
        assert run(["analyze", dump, "--shard", f"{i}/2", "--partial", str(work / f"p{i}.safetensors")]).returncode == 0

    def body(w: Path) -> None:
        p0, p1 = str(w / "p0.safetensors"), str(w / "p1.safetensors")
        assert_refused(run(["merge", p0, p1, "--per-token", p1]), "p1.safetensors", "is an input")

    checked(work, body)


def test_report_html_onto_an_input_is_refused(work: Path) -> None:
    report_json = work / "run.json"
    proc = run(["bandit", "--rewards", "1,0,0", "--steps", "5", "--json"])
    assert proc.returncode == 0, proc.stderr
    report_json.write_text(proc.stdout)

    def body(w: Path) -> None:
        dump = str(w / "step_0001.safetensors")
        assert_refused(run(["report", dump, "--html", dump]), "step_0001.safetensors", "is an input")
        assert_refused(run(["report", str(report_json), "--html", str(report_json)]), "run.json", "is an input")
        # --out onto a dump file: the folder cannot be made, and the dump is untouched.
        assert_refused(run(["report", str(report_json), "--out", dump]), "step_0001.safetensors", "not a folder")

    checked(work, body)


def test_outputs_onto_folder_members_and_sidecars_are_refused(work: Path) -> None:
    rng = np.random.default_rng(0)
    folder = work / "npydump"
    folder.mkdir()
    np.save(folder / "logits.npy", rng.standard_normal((4, 8)).astype(np.float32))
    np.save(folder / "token_ids.npy", rng.integers(0, 8, 4))
    (folder / "metadata.json").write_text('{"temperature": 1}')
    np.savez(work / "d.npz", logits=rng.standard_normal((4, 8)).astype(np.float32))
    (work / "d.metadata.json").write_text('{"temperature": 1}')

    def body(w: Path) -> None:
        for out in ("logits.npy", "metadata.json"):
            assert_refused(run(["analyze", str(folder), "--per-token", str(folder / out)]), out, "is an input")
        assert_refused(run(["analyze", str(w / "d.npz"), "--per-token", str(w / "d.metadata.json")]), "d.metadata.json", "is an input")

    checked(work, body)


# MARK: - 2. only regular files are replaced; symbolic links are written through


@pytest.mark.parametrize("name", ["null", "full"])
def test_a_device_is_never_replaced(work: Path, name: str) -> None:
    dev = device(work, name)

    def body(w: Path) -> None:
        proc = run(["analyze", str(w / "step_0001.safetensors"), "--per-token", str(dev)])
        assert_refused(proc, str(dev), "character device")

    checked(work, body, specials=[dev])


def test_fifo_folder_and_link_to_device_outputs_are_refused(work: Path) -> None:
    fifo, folder, link = work / "fifo", work / "folder", work / "to-null"
    null = device(work, "null")
    os.mkfifo(fifo)
    folder.mkdir()
    os.symlink(null, link)

    def body(w: Path) -> None:
        dump = str(w / "step_0001.safetensors")
        assert_refused(run(["analyze", dump, "--per-token", str(fifo)]), "fifo", "FIFO")
        assert_refused(run(["analyze", dump, "--per-token", str(folder)]), "folder", "a folder")
        assert_refused(run(["analyze", dump, "--per-token", str(link)]), "to-null", "character device")
        assert_refused(run(["report", dump, "--html", str(fifo)]), "fifo", "FIFO")
        assert_refused(run(["compare", dump, dump, "--per-token", str(null)]), str(null), "character device")

    checked(work, body, specials=[fifo, folder, link, null])


def test_a_symlink_output_is_written_through_and_a_dangling_one_refused(work: Path) -> None:
    target = work / "target.safetensors"
    target.write_bytes(b"old")
    os.symlink("target.safetensors", work / "link.safetensors")
    os.symlink("nowhere.safetensors", work / "dangling")

    dump = str(work / "step_0001.safetensors")
    before = digest(work / "step_0001.safetensors")
    proc = run(["analyze", dump, "--per-token", str(work / "link.safetensors"), "--json"])
    assert proc.returncode == 0, proc.stderr
    assert kind(work / "link.safetensors") == stat.S_IFLNK
    from safetensors.numpy import load_file

    assert "entropy" in load_file(str(target))
    assert_refused(run(["analyze", dump, "--per-token", str(work / "dangling")]), "dangling", "missing file")
    assert not (work / "nowhere.safetensors").exists()
    assert digest(work / "step_0001.safetensors") == before
    assert leftovers(work) == []


def test_missing_output_folders_are_created_and_a_file_in_the_way_is_named(work: Path) -> None:
    def body(w: Path) -> None:
        dump = str(w / "step_0001.safetensors")
        out = w / "new" / "deeper" / "pt.safetensors"
        proc = run(["analyze", dump, "--per-token", str(out)])
        assert proc.returncode == 0, proc.stderr
        assert out.is_file()
        html = w / "elsewhere" / "r.html"
        assert run(["report", dump, "--html", str(html)]).returncode == 0 and html.is_file()
        (w / "plain").write_text("x")
        assert_refused(run(["analyze", dump, "--per-token", str(w / "plain" / "pt.safetensors")]), "plain", "not a folder")

    checked(work, body)


# MARK: - 11. FIFOs and devices as inputs


def test_fifo_as_dump_folder_member_and_metadata_does_not_hang(work: Path) -> None:
    fifo = work / "dump.safetensors"
    os.mkfifo(fifo)
    members = work / "members"
    members.mkdir()
    np.save(members / "logits.npy", np.zeros((2, 4), np.float32))
    os.mkfifo(members / "token_ids.npy")
    meta = work / "meta"
    meta.mkdir()
    np.save(meta / "logits.npy", np.zeros((2, 4), np.float32))
    os.mkfifo(meta / "metadata.json")
    np.savez(work / "side.npz", logits=np.zeros((2, 4), np.float32))
    os.mkfifo(work / "side.metadata.json")
    os.mkfifo(work / "in.json")

    def body(w: Path) -> None:
        assert_refused(run(["analyze", str(fifo)], timeout=10), "dump.safetensors", "FIFO")
        assert_refused(run(["analyze", str(members)], timeout=10), "token_ids.npy", "FIFO")
        assert_refused(run(["analyze", str(meta)], timeout=10), "metadata.json", "FIFO")
        assert_refused(run(["analyze", str(w / "side.npz")], timeout=10), "side.metadata.json", "FIFO")
        assert_refused(run(["report", str(w / "in.json")], timeout=10), "in.json", "FIFO")
        assert_refused(run(["compare", str(fifo), str(w / "step_0001.safetensors")], timeout=10), "dump.safetensors", "FIFO")
        # The JSON and CSV readers of `series` and `law` open without blocking too.
        assert_refused(run(["series", str(w / "in.json")], timeout=10), "in.json", "FIFO")
        assert_refused(run(["law", str(w / "in.json")], timeout=10), "in.json", "FIFO")

    checked(work, body, specials=[fifo, members / "token_ids.npy", meta / "metadata.json", work / "in.json"])


def test_character_devices_as_dumps_are_refused(work: Path) -> None:
    for path in ("/dev/zero", "/dev/null"):  # read-only use: safe with the system's devices
        assert_refused(run(["analyze", path], timeout=10), path, "character device")


def test_sockets_and_symlink_loops_as_inputs_and_outputs(work: Path) -> None:
    import socket

    sock_path, loop = work / "sock", work / "loop"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    os.symlink("loop", loop)
    try:

        def body(w: Path) -> None:
            dump = str(w / "step_0001.safetensors")
            assert_refused(run(["analyze", str(sock_path)], timeout=10), "sock", "socket")
            assert_refused(run(["analyze", dump, "--per-token", str(sock_path)], timeout=10), "sock", "socket")
            assert_refused(run(["analyze", str(loop)], timeout=10), "loop", "symbolic links")
            assert_refused(run(["analyze", dump, "--per-token", str(loop)], timeout=10), "loop", "symbolic links")

        checked(work, body, specials=[sock_path, loop])
    finally:
        server.close()


def test_dev_stdout_as_an_output_is_a_link_to_a_pipe_and_refused(work: Path) -> None:
    def body(w: Path) -> None:
        proc = run(["analyze", str(w / "step_0001.safetensors"), "--per-token", "/dev/stdout"])
        assert_refused(proc, "/dev/stdout", "FIFO")

    checked(work, body)


def test_a_symlink_to_a_dump_is_read(work: Path) -> None:
    os.symlink("step_0001.safetensors", work / "link.safetensors")
    direct = run(["analyze", str(work / "step_0001.safetensors"), "--json"])
    linked = run(["analyze", str(work / "link.safetensors"), "--json"])
    assert direct.returncode == 0 and linked.returncode == 0
    a, b = json.loads(direct.stdout), json.loads(linked.stdout)
    assert a["entropy_token_mean"] == b["entropy_token_mean"]


# MARK: - 4. standard output errors


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["analyze", "{dump}", "--json"], id="analyze-json"),
        pytest.param(["analyze", "{dump}"], id="analyze-table"),
        pytest.param(["bandit", "--rewards", "1,0,0", "--steps", "3", "--json"], id="bandit-json"),
        pytest.param(["report", "{dump}"], id="report-markdown"),
        pytest.param(["--version"], id="version"),
        pytest.param(["analyze", "--help"], id="help"),
    ],
)
def test_a_full_standard_output_fails(work: Path, args: list[str]) -> None:
    def body(w: Path) -> None:
        argv = [a.format(dump=w / "step_0001.safetensors") for a in args]
        with open("/dev/full", "w") as full:
            proc = run(argv, stdout=full)
        assert_refused(proc, "standard output", "No space left")

    checked(work, body, specials=[Path("/dev/full")])


@pytest.mark.parametrize("extra", [["--json"], []], ids=["json", "table"])
def test_a_closed_pipe_ends_quietly(work: Path, extra: list[str]) -> None:
    proc = subprocess.Popen(
        [DELTAH, "analyze", str(work / "step_0001.safetensors"), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # the reader goes away before deltah writes
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode in (0, 141), (proc.returncode, err)
    assert b"Error" not in err


def test_per_token_on_a_full_disk_device_is_refused_not_written(work: Path) -> None:
    full = device(work, "full")

    def body(w: Path) -> None:
        os.symlink(full, w / "full-link")
        proc = run(["analyze", str(w / "step_0001.safetensors"), "--per-token", str(w / "full-link")])
        assert_refused(proc, "full-link", "character device")

    checked(work, body, specials=[full])


# MARK: - 3. signals during a write


def scalar_dump(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    np.savez(
        path,
        advantages=rng.standard_normal(n).astype(np.float32),
        token_ids=rng.integers(0, 50, n),
        entropy=rng.random(n).astype(np.float32),
        logprobs=-rng.random(n).astype(np.float32),
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"])
def test_a_signal_during_a_write_removes_the_temporary_file(tmp_path: Path, sig: signal.Signals) -> None:
    dump = tmp_path / "scalars.npz"
    existing = tmp_path / "p.safetensors"
    existing.write_bytes(b"previous contents")
    caught = False
    for n in (1_000_000, 4_000_000):
        scalar_dump(dump, n)
        before = digest(dump)
        proc = subprocess.Popen(
            [DELTAH, "analyze", str(dump), "--shard", "0/1", "--partial", str(existing)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if glob.glob(str(tmp_path / ".p.safetensors.tmp-*")):
                proc.send_signal(sig)
                caught = True
                break
            time.sleep(0.001)
        proc.communicate(timeout=TIMEOUT)
        assert digest(dump) == before
        assert leftovers(tmp_path) == []
        if caught:
            assert proc.returncode == 128 + sig, proc.returncode
            assert existing.read_bytes() == b"previous contents", "the old output stays until the rename"
            return
        assert proc.returncode == 0  # finished before the temporary file was seen: try larger
    pytest.fail("the write never lasted long enough to be interrupted")


# MARK: - 12. truncation while reading


def logits_dump(path: Path, rows: int, vocabulary: int) -> None:
    header = json.dumps(
        {
            "logits": {"dtype": "F32", "shape": [rows, vocabulary], "data_offsets": [0, rows * vocabulary * 4]},
            "token_ids": {"dtype": "I64", "shape": [rows], "data_offsets": [rows * vocabulary * 4, rows * vocabulary * 4 + rows * 8]},
        }
    ).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    row = np.linspace(-3, 3, vocabulary, dtype=np.float32).tobytes()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        for _ in range(rows):
            f.write(row)
        f.write(np.zeros(rows, np.int64).tobytes())


def test_a_dump_truncated_while_read_gives_a_clear_error(tmp_path: Path) -> None:
    dump = tmp_path / "big.safetensors"
    for rows in (4096, 8192):
        logits_dump(dump, rows, 8192)
        proc = subprocess.Popen([DELTAH, "analyze", str(dump)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        maps = f"/proc/{proc.pid}/maps"
        truncated = False
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                mapped = str(dump) in Path(maps).read_text()
            except OSError:
                break
            if mapped:
                proc.send_signal(signal.SIGSTOP)
                os.truncate(dump, 4096)
                truncated = True
                proc.send_signal(signal.SIGCONT)
                break
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
        assert leftovers(tmp_path) == []
        if truncated and proc.returncode != 0:
            assert_refused(subprocess.CompletedProcess([], proc.returncode, out, err), "big.safetensors", "changed while being read")
            return
        assert proc.returncode == 0, err  # read completely before the truncation: a correct result
    pytest.skip("deltah finished reading before the dump could be truncated")


# MARK: - 13. compression bombs and 14. start-up under an address-space limit

LIMIT = 1 << 30  # 1 GiB of address space


def test_an_npz_claiming_a_hundred_million_positions_fails_cleanly(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    bomb = tmp_path / "positions.npz"
    bomb.write_bytes(zip_archive([bomb_member("advantages.npy", "<f4", (100_000_000,), 4, rng)]))
    assert bomb.stat().st_size < 1_000_000
    before = digest(bomb)
    assert_refused(run(["analyze", str(bomb)], address_space=LIMIT), "positions.npz", "memory")
    assert_refused(run(["analyze", str(bomb)]), "positions.npz")
    assert digest(bomb) == before


def test_an_npz_claiming_one_row_of_2_to_the_28_logits_fails_cleanly(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    bomb = tmp_path / "row.npz"
    tokens = np.zeros(1, np.int64)
    tokens_npy = npy_header("<i8", (1,)) + tokens.tobytes()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    tokens_payload = c.compress(tokens_npy) + c.flush()
    bomb.write_bytes(
        zip_archive(
            [
                bomb_member("logits.npy", "<f4", (1, 1 << 28), 4, rng),
                ("token_ids.npy", tokens_payload, len(tokens_npy), zlib.crc32(tokens_npy)),
            ]
        )
    )
    # analyze streams the row in 16 MiB pieces: the stream runs out long before 2^28 logits.
    assert_refused(run(["analyze", str(bomb)], address_space=LIMIT), "row.npz", "ends early")
    # curvature needs the row as F64 at once: refused by the memory budget.
    assert_refused(run(["curvature", str(bomb), "--positions", "0"], address_space=LIMIT), "row.npz", "memory")


def test_one_huge_compressed_row_is_streamed_in_pieces(tmp_path: Path) -> None:
    """A 64 MiB row (2^24 F32 logits, 65 kB compressed) is reduced in 16 MiB pieces: uniform
    logits give H = log V."""
    dump = tmp_path / "wide.npz"
    np.savez_compressed(dump, logits=np.zeros((1, 1 << 24), np.float32), token_ids=np.array([5]))
    proc = run(["analyze", str(dump), "--json"], address_space=LIMIT)
    assert proc.returncode == 0, proc.stderr
    assert abs(json.loads(proc.stdout)["entropy_token_mean"] - np.log(1 << 24)) < 1e-9


def test_a_real_compressed_dump_under_an_address_space_limit(tmp_path: Path) -> None:
    dump = tmp_path / "zeros.npz"
    np.savez_compressed(dump, logits=np.zeros((64, 1 << 16), np.float32), token_ids=np.zeros(64, np.int64))
    proc = run(["analyze", str(dump), "--json"], address_space=LIMIT)
    assert proc.returncode == 0, proc.stderr
    assert abs(json.loads(proc.stdout)["entropy_token_mean"] - np.log(1 << 16)) < 1e-9


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--version"], id="version"),
        pytest.param(["--help"], id="help"),
        pytest.param(["analyze", str(SAMPLE / "step_0001.safetensors"), "--json"], id="analyze"),
        pytest.param(["bandit", "--rewards", "1,0,0", "--steps", "3"], id="bandit"),
        pytest.param(["mdp", "--states", "3", "--actions", "2", "--gamma", "0.9"], id="mdp-dgesv"),
        pytest.param(["curvature", "--logits", "2,1,0,-1", "--top", "2"], id="curvature-dsyevd"),
        pytest.param(["demo", "--data", str(SAMPLE), "--report", "{tmp}/demo/report.html"], id="demo"),
        pytest.param(["report", str(SAMPLE / "step_0001.safetensors"), "--html", "{tmp}/r.html"], id="report"),
    ],
)
def test_no_command_hangs_under_ulimit_v_200000(tmp_path: Path, args: list[str]) -> None:
    """OpenBLAS retries a failed work-buffer allocation for ever: start-up and every LAPACK call
    must end (a result, or an error naming the limit) instead."""
    args = [a.format(tmp=tmp_path) for a in args]
    proc = run(args, timeout=20, address_space=200_000 * 1024)
    assert proc.returncode >= 0
    if proc.returncode != 0:
        assert_refused(proc)
    if args == ["--version"]:
        assert proc.returncode == 0 and proc.stdout.strip()
