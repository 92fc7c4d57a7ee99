"""Analyse a whole training run on a Ray cluster: sharded ``deltah analyze``/``compare`` plus exact merges.

DeltaH's ``analyze DUMP --shard i/n --partial OUT`` writes one share of a dump's per-position
table, and ``merge`` combines the shares into exactly the numbers a whole-dump run gives. This
module schedules that work as Ray tasks, so a run of hundreds of 600 MB dumps is analysed by the
cluster that trained it (verl and OpenRLHF already run on Ray).

Functions
---------
analyze_run
    Every dump of a run: shard tasks, one ``merge`` per dump, the per-step series.
compare_run
    Before/after pairs: ``compare`` per pair (sharded when the binary supports
    ``compare --shard``), one result per pair.
main
    The command line, ``python -m deltah.ray RUN_DIR/step_*.safetensors --address auto --out results/``.

Where the ``deltah`` binary comes from (resolved on the node that runs the task)
----------------------------------------------------------------------------------
1. ``binary=`` (an absolute path valid on every node), else
2. the environment variable ``DELTAH_BIN`` of the task (set it cluster-wide, or per run with
   ``runtime_env={"env_vars": {"DELTAH_BIN": ...}}``; a relative path is taken from the task's
   working directory, which is the unpacked ``working_dir`` when one is shipped), else
3. ``deltah`` on the node's ``PATH``, else
4. ``deltah/bin/deltah`` inside this installed package.

To ship the binary with the job instead of installing it on the nodes, build it with
``swift build -c release --static-swift-stdlib`` (the nodes then need only OpenBLAS, LAPACKE,
GSL and zlib), put it in a folder and pass
``runtime_env={"working_dir": "that_folder", "env_vars": {"DELTAH_BIN": "./deltah"}}``.

Files
-----
Dumps and ``output_dir`` must be visible under the same paths on every node (a shared
filesystem). ``output_dir`` receives ``partials/`` (one file per shard, named by the dump's
identity, the shard and the settings that shape a partial), one ``<stem>.json`` per dump (or per
pair) and ``series.json`` (or ``pairs.json``).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import math
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from . import cli as _cli
from ._output import file_kind as _file_kind, open_input as _open_input, resolve_destination as _resolve_destination
from ._temporary import temporary_folder as _temporary_folder, write_atomically as _write_atomically

__all__ = ["analyze_run", "compare_run", "main", "DeltaHError", "PARTIAL_TARGET_BYTES"]

#: Target dump bytes per shard when ``shards_per_dump`` is not given (see ``_auto_shards``).
PARTIAL_TARGET_BYTES = 256 * 1024 * 1024
#: Bumped whenever the naming or the meaning of a cached partial changes.
_CACHE_VERSION = "deltah-ray-1"
#: The options of ``deltah analyze``/``merge`` this module passes on, with their CLI flag.
_ANALYZE_OPTIONS = {
    "temperature": "--temperature",  # shapes the partial; given to the shard tasks
    "lr": "--lr",
    "kl_cov_ratio": "--kl-cov-ratio",
    "clip_cov_bounds": "--clip-cov-bounds",
    "clip_cov_ratio": "--clip-cov-ratio",
    "micro_batch": "--micro-batch",
    "seed": "--seed",
}
_COMPARE_OPTIONS = {
    "temperature": "--temperature",  # shapes the partial; given to the shard tasks
    "trust_tolerance": "--trust-tolerance",  # not recorded in compare partials: given to merge when sharded
}


class DeltaHError(_cli.DeltaHError):
    """The ``deltah`` binary refused or failed; the message is the CLI's own.

    A ``deltah.cli.DeltaHError``, so ``except deltah.cli.DeltaHError`` catches the failures of
    ``deltah.cli`` and ``deltah.ray`` alike; unlike it, ``str(error)`` is the message alone.

    Attributes
    ----------
    message : str
        The CLI's one-line message (``Error: `` prefix removed), or the problem found here.
    returncode : int
        The binary's exit code (64 for a refused argument, as ``deltah`` exits), or 1 for an error
        found here (a missing dump, no binary). ``python -m deltah.ray`` exits with it.
    command : list of str
        Empty: the failing command ran in a Ray task.
    stderr : str
        Empty (see ``message``).
    """

    def __init__(self, message: str, returncode: int = 1):
        RuntimeError.__init__(self, message)
        self.message = message
        self.returncode = returncode
        self.command = []
        self.stderr = ""

    def __reduce__(self) -> Tuple[type, Tuple[str, int]]:  # keep the exit code across Ray's pickling of task errors
        return (type(self), (self.message, self.returncode))


class _TransientError(RuntimeError):
    """The binary died from a signal (killed, OOM): worth retrying on another attempt."""


# --------------------------------------------------------------------------------------------
# The binary


def _find_binary(explicit: Optional[str] = None) -> str:
    """The ``deltah`` executable on this node: ``deltah.cli.find_binary``'s search order
    (``binary=``, ``DELTAH_BIN``, PATH, ``deltah/bin/``), as an absolute path, with an error that
    names the node and how to get the binary to a cluster's tasks."""
    try:
        return os.path.abspath(_cli.find_binary(explicit))
    except _cli.DeltaHError as error:
        if explicit or os.environ.get("DELTAH_BIN"):
            raise DeltaHError(f"{error.message} (on {socket.gethostname()})") from None
        raise DeltaHError(
            f"deltah binary not found on {socket.gethostname()}: set DELTAH_BIN or PATH on the nodes, pass binary= "
            "(--binary) or runtime_env={'env_vars': {'DELTAH_BIN': ...}} (the driver's environment does not reach "
            "the tasks of a running cluster), or install it as deltah/bin/deltah") from None


def _run_binary(binary: str, args: Sequence[str], threads: int) -> Tuple[str, str]:
    """Run ``binary ARGS`` with ``threads`` BLAS and row-worker threads; stdout and stderr.

    Raises ``_TransientError`` when the process died from a signal, or was stopped by SIGINT,
    SIGTERM or SIGHUP (the binary's handler removes its temporaries and exits 128 + signal without
    a message; retried by Ray), else ``DeltaHError`` with the CLI's message on a non-zero exit (not
    retried: the input is bad).
    """
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    env["DELTAH_THREADS"] = str(threads)
    proc = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", errors="replace", env=env)
    try:
        while True:  # in steps, so that Ray's cancellation (an exception between bytecodes) lands
            try:
                stdout, stderr = proc.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
    except BaseException:  # the task was cancelled (KeyboardInterrupt) or the worker is exiting
        _stop(proc)
        raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    if done.returncode < 0:
        raise _TransientError(f"deltah {args[0]} was killed by signal {_signal_name(-done.returncode)}")
    stopped = done.returncode - 128
    if stopped in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) and not done.stderr.strip():
        raise _TransientError(f"deltah {args[0]} was stopped by signal {_signal_name(stopped)}")
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        text = message[-1] if message else f"deltah {' '.join(args)} exited with {done.returncode}"
        for prefix in ("Error: ", "error: "):  # main prints "error: MESSAGE" (was "error: Error: …")
            if text.startswith(prefix):
                text = text[len(prefix):]
        raise DeltaHError(text, done.returncode)
    return done.stdout, done.stderr


def _stop(proc: "subprocess.Popen[str]") -> None:
    """Stop the binary with SIGTERM, whose handler removes its temporary files (a partial being
    written) before it exits; SIGKILL only if it has not exited within 10 s. (``subprocess.run``
    sent SIGKILL at once when the task was interrupted, which leaves the temporary behind.)"""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except BaseException:
        proc.kill()
        proc.wait()


def _signal_name(number: int) -> str:
    """``9 (SIGKILL)``; the number alone for a signal Python does not name."""
    try:
        return f"{number} ({signal.Signals(number).name})"
    except ValueError:
        return str(number)


def _check_options(binary: Optional[str], commands: List[Tuple[List[str], int]]) -> None:
    """Refuse, before any shard runs, an option that a task of the run would be refused.

    Each ``(arguments, inputs)`` is a command line the run's tasks will give the binary (``merge``
    with its batch settings, ``analyze``/``compare`` with the temperature), run here with
    ``inputs`` paths that do not exist in place of the dumps or partials. The binary parses and
    checks every option by its own rules, then fails on the missing input: that failure, naming
    the probe path, means the options passed. Any other failure is raised as a DeltaHError with
    the binary's message and exit code (64 for a refused option). No rule is restated here, so
    none can drift from the CLI's. O(commands) binary start-ups (≈ 20–30 ms each); no file is
    written (the probe paths are never created).
    """
    exe = _find_binary(binary)
    for arguments, inputs in commands:
        probe = os.path.join(tempfile.gettempdir(), f"deltah-ray-option-check-{uuid.uuid4().hex}")
        probes = [f"{probe}-{i}.safetensors" for i in range(inputs)]
        try:
            _run_binary(exe, [*arguments, "--", *probes], 1)
        except DeltaHError as error:
            if probes[0] in error.message:
                continue
            raise DeltaHError(error.message, error.returncode) from None
        except _TransientError as error:
            raise DeltaHError(f"checking the options: {error}") from None
        raise DeltaHError(f"checking the options: deltah {' '.join(arguments)} accepted a missing input")


def _check_on_node(binary: Optional[str], commands: List[Tuple[List[str], int]]) -> str:
    """A task for a run whose driver has no binary (``runtime_env`` ships it): the option check of
    ``_check_options`` on a node, and the identity of the binary found there for the cache key
    (the driver's stand-in, "unknown", served a rebuilt binary the old binary's partials)."""
    _check_options(binary, commands)
    return _binary_identity(_find_binary(binary))


def _task_threads() -> int:
    """The CPUs Ray granted the running task (at least 1)."""
    try:
        import ray

        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
    except Exception:  # outside a Ray task
        cpus = 1.0
    return max(1, int(math.floor(cpus)))


# --------------------------------------------------------------------------------------------
# Dumps: metadata, identity, size


def _sidecar(path: str) -> str:
    folder, base = os.path.split(path)
    stem = base[: base.rfind(".")] if "." in base[1:] else base
    return os.path.join(folder, stem + ".metadata.json")


def _check_dump(path: str) -> None:
    """Refuse, before Ray starts, a dump that is missing or whose files are not regular files (a
    FIFO would block the driver's reads forever): the dump file and its sidecar, or a folder's
    ``.npy`` members and ``metadata.json``. Each error names the file and what it is."""
    if not os.path.exists(path):
        raise DeltaHError(f"{path}: no such dump")
    if os.path.isdir(path):
        members = glob.glob(os.path.join(glob.escape(path), "*.npy")) + [os.path.join(path, "metadata.json")]
    else:
        members = [path]
    for member in members:
        try:
            mode = os.stat(member).st_mode
        except FileNotFoundError:
            continue  # a folder without metadata.json has no metadata
        if not stat.S_ISREG(mode):
            raise DeltaHError(f"{member}: is {_file_kind(mode)}, not a regular file")
    if not os.path.isdir(path) and _dump_kind(path) in ("npy", "npz"):  # safetensors has no sidecar
        try:
            mode = os.stat(_sidecar(path)).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISREG(mode):
            raise DeltaHError(f"{_sidecar(path)}: is {_file_kind(mode)}, not a regular file")


def _refuse_outputs_that_are_inputs(outputs: Sequence[str], dumps: Sequence[str]) -> None:
    """Refuse, before Ray starts, an output JSON file that is one of the dumps' files (the dump, its
    sidecar, a folder's members), also through a link: it would be replaced. Named, as the binary
    names an output that is an input."""
    inputs: Dict[Tuple[int, int], str] = {}
    for dump in dumps:
        if os.path.isdir(dump):
            members = glob.glob(os.path.join(glob.escape(dump), "*.npy")) + [os.path.join(dump, "metadata.json")]
        else:
            members = [dump, _sidecar(dump)]
        for member in members:
            try:
                info = os.stat(member)
            except OSError:
                continue
            inputs.setdefault((info.st_dev, info.st_ino), member)
    for output in outputs:
        try:
            info = os.stat(output)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in inputs:
            raise DeltaHError(f"{output}: is an input ({inputs[(info.st_dev, info.st_ino)]}); choose another output_dir")


def _read_json_metadata(path: str) -> Dict[str, str]:
    """A metadata sidecar, numbers kept as their text (as the Swift reader keeps them)."""
    if not os.path.exists(path):
        return {}
    with _open_input(path) as f:
        data = json.loads(f.read().decode("utf-8"), parse_float=str, parse_int=str)
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _safetensors_header(path: str) -> Tuple[Dict[str, Any], int]:
    """The JSON header of a safetensors file and the byte offset where its data begins."""
    with _open_input(path) as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("shorter than a safetensors header")
        (n,) = struct.unpack("<Q", raw)
        size = os.fstat(f.fileno()).st_size
        if n > size - 8 or n > 100_000_000:
            raise ValueError(f"header length {n} exceeds the file")
        header = json.loads(f.read(n).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header, 8 + n


def _dump_kind(path: str) -> str:
    if os.path.isdir(path):
        return "folder"
    with _open_input(path) as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        return "npy"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "npz"
    return "safetensors"


def _dump_metadata(path: str) -> Dict[str, str]:
    """The dump's string metadata, read where ``deltah`` reads it (header or sidecar)."""
    kind = _dump_kind(path)
    if kind == "folder":
        return _read_json_metadata(os.path.join(path, "metadata.json"))
    if kind in ("npy", "npz"):
        return _read_json_metadata(_sidecar(path))
    header, _ = _safetensors_header(path)
    meta = header.get("__metadata__") or {}
    return {k: v for k, v in meta.items() if isinstance(v, str)}


def _metadata_or_error(path: str) -> Any:
    """The dump's metadata, or the DeltaHError to raise once the shards (whose binary reports a
    malformed dump in its own words) have run."""
    try:
        return _dump_metadata(path)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return DeltaHError(f"{path}: cannot read the dump's metadata: {error}")


def _dump_rows(path: str) -> Optional[int]:
    """The leading position axis (B of [B, T], N of [N]) when cheap to read, else None."""
    names = ("logits", "token_ids", "mask", "advantages", "logprobs", "entropy", "topk_logprobs")
    try:
        kind = _dump_kind(path)
        if kind == "safetensors":
            header, _ = _safetensors_header(path)
            for name in names:
                if isinstance(header.get(name), dict) and header[name].get("shape"):
                    return int(header[name]["shape"][0])
        elif kind == "folder":
            import numpy as np

            for name in names:
                p = os.path.join(path, name + ".npy")
                if os.path.exists(p):
                    return int(np.load(p, mmap_mode="r").shape[0])
    except Exception:
        return None
    return None


def _dump_bytes(path: str) -> int:
    if os.path.isdir(path):
        return sum(os.path.getsize(p) for p in glob.glob(os.path.join(path, "*.npy")))
    return os.path.getsize(path)


def _file_identity(path: str) -> List[Any]:
    st = os.stat(path)
    h = hashlib.sha256()
    with _open_input(path) as f:
        h.update(f.read(1 << 16))  # the header and the first rows
        if st.st_size > (1 << 16):
            f.seek(max(1 << 16, st.st_size - (1 << 16)))
            h.update(f.read(1 << 16))  # the last rows
    return [os.path.basename(path), st.st_size, st.st_mtime_ns, h.hexdigest()]


def _dump_identity(path: str) -> List[Any]:
    """Size, modification time and a hash of the head and tail of every file of the dump."""
    if os.path.isdir(path):
        members = sorted(glob.glob(os.path.join(path, "*.npy")) + glob.glob(os.path.join(path, "metadata.json")))
        return [_file_identity(p) for p in members]
    ident = [_file_identity(path)]
    if _dump_kind(path) in ("npy", "npz") and os.path.exists(_sidecar(path)):
        ident.append(_file_identity(_sidecar(path)))
    return ident


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _stem(path: str) -> str:
    base = os.path.basename(os.path.normpath(path))
    for ext in (".safetensors", ".npz", ".npy"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def _unique_stems(paths: Sequence[str], reserved: Sequence[str] = ()) -> List[str]:
    """One output name per input: the file stem, with a hash of the path where stems collide with
    each other or with a ``reserved`` name of the run's own outputs (``series`` of ``series.json``:
    a dump ``series.safetensors`` would otherwise have its summary replaced by the series)."""
    stems = [_stem(p) for p in paths]
    return [s if stems.count(s) == 1 and s not in reserved else f"{s}-{_key(os.path.abspath(p))[:8]}"
            for s, p in zip(stems, paths)]


# --------------------------------------------------------------------------------------------
# Partials


def _valid_partial(path: str) -> bool:
    """A cheap structural check of a partial: safetensors header, DeltaH format, data all present.

    ``merge`` reads the contents fully and is the final check; this one catches the truncated,
    empty or foreign files an interrupted run can leave.
    """
    try:
        header, data_start = _safetensors_header(path)
        meta = header.get("__metadata__") or {}
        fmt = str(meta.get("format", ""))
        if not (fmt.startswith("deltah") and "partial" in fmt):  # analyze and compare partials
            return False
        ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
        if not ends:
            return False
        return data_start + max(ends) == os.path.getsize(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False


def _remove_stale_temporaries(path: str) -> None:
    """Temporary files ``.NAME.tmp-*`` that a killed writer of ``path`` left behind."""
    folder, name = os.path.split(path)
    for stale in glob.glob(os.path.join(glob.escape(folder), "." + glob.escape(name) + ".tmp-*")):
        try:
            os.unlink(stale)
        except OSError:
            pass


def _write_json_atomic(path: str, value: Any) -> None:
    """Write ``value`` as JSON through a temporary file renamed over ``path`` (a symbolic link to a
    regular file is written through; any other non-regular file is refused, as the binary does)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        path = _resolve_destination(path)
    except ValueError as error:
        raise DeltaHError(str(error)) from None

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
            f.write("\n")

    _write_atomically(path, write)  # the temporary never survives, also on SIGTERM (deltah._temporary)


# --------------------------------------------------------------------------------------------
# Ray tasks (plain functions; wrapped by ray.remote at run time so importing needs no ray)


def _shard_task(binary: Optional[str], dump: str, index: int, count: int, partial: str,
                temperature_args: List[str]) -> str:
    """Write the partial of shard ``index/count`` of ``dump`` (skipped when a valid one exists)."""
    if _valid_partial(partial):
        return partial
    _remove_stale_temporaries(partial)
    _run_binary(_find_binary(binary), ["analyze", dump, "--shard", f"{index}/{count}", "--partial", partial,
                                       *temperature_args], _task_threads())
    if not _valid_partial(partial):
        raise _TransientError(f"{partial}: the partial written by deltah failed validation")
    return partial


def _json_object(stdout: str, args: List[str]) -> Dict[str, Any]:
    """The JSON object a task's ``deltah ARGS --json`` printed: ``deltah.cli``'s check (JSON, and
    an object), its error raised as this module's ``DeltaHError``, as ``_find_binary`` does."""
    try:
        return _cli._json_object(stdout, args)
    except _cli.DeltaHError as error:
        raise DeltaHError(f"deltah {args[0]}: {error.message}") from None


def _merge_task(binary: Optional[str], partials: List[str], merge_args: List[str]) -> Dict[str, Any]:
    args = ["merge", *partials, *merge_args, "--json"]
    stdout, _ = _run_binary(_find_binary(binary), args, _task_threads())
    return _json_object(stdout, args)


def _series_task(binary: Optional[str], summaries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """``deltah series`` over per-dump summaries (written to a private temporary folder, so it
    runs on any node): the step order, series warnings and covariance pairing of ``analyze``."""
    with _temporary_folder("deltah-series-") as folder:  # removed also when the task is killed
        files = []
        for i, summary in enumerate(summaries):
            files.append(os.path.join(folder, f"{i:06d}.json"))
            with open(files[-1], "w", encoding="utf-8") as handle:
                json.dump(summary, handle)
        args = ["series", *files, "--json"]
        stdout, _ = _run_binary(_find_binary(binary), args, 1)
        return _json_object(stdout, args)


def _compare_task(binary: Optional[str], before: str, after: str, args: List[str]) -> Dict[str, Any]:
    command = ["compare", before, after, *args, "--json"]
    stdout, _ = _run_binary(_find_binary(binary), command, _task_threads())
    return _json_object(stdout, command)


def _compare_shard_task(binary: Optional[str], before: str, after: str, index: int, count: int, partial: str,
                        args: List[str]) -> str:
    if _valid_partial(partial):
        return partial
    _remove_stale_temporaries(partial)
    _run_binary(_find_binary(binary), ["compare", before, after, "--shard", f"{index}/{count}", "--partial", partial,
                                       *args], _task_threads())
    if not _valid_partial(partial):
        raise _TransientError(f"{partial}: the partial written by deltah failed validation")
    return partial


# --------------------------------------------------------------------------------------------
# Progress


class _Progress:
    """One bar over all tasks: tqdm when installed, else a plain line on stderr."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.total, self.done, self.enabled, self.description = total, 0, enabled, description
        self._tqdm = None
        self._last = 0.0
        if enabled:
            try:
                from tqdm import tqdm

                self._tqdm = tqdm(total=total, desc=description, unit="task")
            except ImportError:
                self._draw(force=True)

    def add_total(self, extra: int) -> None:
        self.total += extra
        if self._tqdm is not None:
            self._tqdm.total = self.total
            self._tqdm.refresh()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._tqdm is not None:
            self._tqdm.update(n)
        elif self.enabled:
            self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.2 and self.done < self.total:
            return
        self._last = now
        width = 30
        filled = int(width * self.done / max(1, self.total))
        sys.stderr.write(f"\r{self.description} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
        elif self.enabled:
            self._draw(force=True)
            sys.stderr.write("\n")


# --------------------------------------------------------------------------------------------
# Scheduling


@dataclass
class _Cluster:
    ray: Any
    cpus: int
    started: bool


def _require_ray() -> Any:
    """The ``ray`` module, or an ImportError naming the extra (before anything is written)."""
    try:
        import ray
    except ImportError as error:  # pragma: no cover - exercised in the light venv only
        raise ImportError("deltah.ray needs Ray: pip install 'deltah[ray]'") from error
    return ray


def _connect(address: Optional[str], num_cpus: Optional[int]) -> _Cluster:
    ray = _require_ray()
    started = False
    if not ray.is_initialized():
        kwargs: Dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address is not None:
            kwargs["address"] = address
        elif num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
        started = True
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return _Cluster(ray=ray, cpus=max(1, cpus), started=started)


def _auto_shards(size: int, rows: Optional[int], dumps: int, cpus: int, cpus_per_task: int) -> int:
    """Shards of one dump: enough that no shard exceeds ``PARTIAL_TARGET_BYTES`` and that the
    tasks of all dumps together fill the cluster's task slots; never more than the dump's
    sequences (B of [B, T]) or positions (N of [N]), since a shard is whole sequences."""
    slots = max(1, cpus // max(1, cpus_per_task))
    n = max(1, math.ceil(size / PARTIAL_TARGET_BYTES), math.ceil(slots / max(1, dumps)))
    if rows is not None:
        n = min(n, max(1, rows))
    return n


def _option_args(options: Dict[str, Any], table: Dict[str, str], what: str) -> Dict[str, List[str]]:
    """CLI arguments for each recognised option; unknown options are named."""
    unknown = sorted(set(options) - set(table))
    if unknown:
        raise TypeError(f"{what}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(table))}")
    out: Dict[str, List[str]] = {}
    for name, value in options.items():
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            text = ",".join(repr(float(v)) for v in value)
        elif isinstance(value, bool):
            raise TypeError(f"{what}: option {name} takes a number, got {value!r}")
        elif isinstance(value, float):
            text = repr(value)
        else:
            text = str(value)
        out[name] = [f"{table[name]}={text}"]  # '=' keeps a negative value from reading as a flag
    return out


def _check_count(name: str, value: Any) -> None:
    """``value`` is None or a positive integer (checked before Ray starts)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer or None, not {value!r}")


def _wait_all(ray: Any, refs: List[Any], progress: _Progress) -> None:
    """Wait for every task, advancing the bar. On an interrupt (Ctrl-C), cancel the unfinished
    tasks and give them up to 10 s to stop their binaries by SIGTERM, so that no partial is left
    half-written as a temporary file; finished partials stay for a rerun."""
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            progress.advance(len(ready))
    except KeyboardInterrupt:
        _cancel(ray, pending)
        raise


def _cancel(ray: Any, refs: List[Any]) -> None:
    """On an interrupt: cancel ``refs`` and give them up to 10 s to stop their binaries by SIGTERM."""
    for ref in refs:
        try:
            ray.cancel(ref)  # not force: KeyboardInterrupt in the task, which stops its binary
        except Exception:
            pass
    try:
        ray.wait(refs, num_returns=len(refs), timeout=10)
    except Exception:
        pass


def analyze_run(
    dumps: Sequence[str],
    shards_per_dump: Optional[int] = None,
    address: Optional[str] = None,
    output_dir: str = "deltah-ray",
    *,
    binary: Optional[str] = None,
    cpus_per_task: int = 1,
    max_retries: int = 3,
    runtime_env: Optional[Dict[str, Any]] = None,
    num_cpus: Optional[int] = None,
    progress: bool = True,
    **analyze_options: Any,
) -> Dict[str, Any]:
    """Analyse every dump of a run on a Ray cluster, sharded and merged exactly.

    For each dump, ``deltah analyze DUMP --shard i/n --partial P_i`` runs as one Ray task per
    shard, then ``deltah merge P_0 … P_{n-1} --json`` as one task per dump. Merging is exact, so
    each per-dump result equals ``deltah analyze DUMP --json`` key for key, bit for bit.

    Parameters
    ----------
    dumps : sequence of str
        Dump paths (safetensors, .npz, .npy folder), visible under the same path on every node.
        The series is ordered by metadata step, as ``deltah analyze`` orders it.
    shards_per_dump : int, optional
        Shards per dump. Default: ``max(ceil(size / PARTIAL_TARGET_BYTES), ceil(task slots /
        len(dumps)))``, capped at the dump's number of sequences; task slots are the cluster's
        CPUs divided by ``cpus_per_task``.
    address : str, optional
        Ray cluster address (``"auto"`` joins a running cluster). Default: a running
        ``ray.init`` in this process, else a new local cluster.
    output_dir : str
        Receives ``partials/``, ``<stem>.json`` per dump and ``series.json``.
    binary : str, optional
        Path of the ``deltah`` binary on every node; default: see the module docstring.
    cpus_per_task : int
        CPUs Ray reserves per task; the binary's row workers (``DELTAH_THREADS``) and
        ``OPENBLAS_NUM_THREADS`` are set to the CPUs Ray assigned.
    max_retries : int
        Ray retries of a task whose worker or node died, or whose binary was killed by a signal.
        A binary that exits with an error message is not retried: its input is bad.
    runtime_env : dict, optional
        Ray runtime environment for the tasks (e.g. to ship the binary).
    num_cpus : int, optional
        CPUs of a local cluster started here (ignored with ``address``).
    progress : bool
        Show one progress bar over all tasks on stderr.
    **analyze_options
        ``temperature``, ``lr``, ``kl_cov_ratio``, ``clip_cov_bounds`` (lb, ub),
        ``clip_cov_ratio``, ``micro_batch``, ``seed``: as ``deltah analyze``'s options.

    Returns
    -------
    dict
        ``{"steps": [summary, …], "warnings": [...]}``: exactly what ``deltah analyze DUMP_1 …
        DUMP_k --json`` prints for k ≥ 2 dumps (with its envelope keys ``"kind":
        "analyze-series"`` and ``"deltah_version"``). One ``deltah analyze DUMP --json`` summary per
        dump, ordered by metadata step as ``analyze`` orders them (input order when a dump has no
        step), and the series warnings (repeated or missing steps, shape or vocabulary changes).
        For one dump that command prints the summary itself; here it is the one step of a series
        of kind ``analyze-series`` (no warnings, an empty covariance / entropy-change pairing), so
        that ``series.json`` reads in ``deltah report`` for any number of dumps. Written to
        ``output_dir/series.json``; each summary also to ``output_dir/<stem>.json`` (for one dump,
        exactly what ``deltah analyze DUMP --json`` prints).

    Raises
    ------
    DeltaHError
        When the binary refuses a dump or option (its message), or is missing; an option is
        checked by the binary before any task runs (see ``_check_options``). Also when a task
        fails on every attempt (a dead worker or node, the binary killed by a signal): one line
        naming the task (``shard i/n of DUMP``, ``merge of DUMP``), the cause and the attempts.
    TypeError
        For an unknown option.

    Notes
    -----
    Partials are named ``<stem>.<key>.shard<i>-of-<n>.partial.safetensors``, where ``key``
    hashes the dump's identity (size, mtime, head and tail bytes), the temperature and the
    binary's version and SHA-256 (a rebuilt binary recomputes every partial; with a binary that
    only the nodes have, through ``runtime_env``, that of the binary a node finds). A rerun skips every shard whose partial exists and passes a structural
    check; a partial that ``merge`` still rejects is recomputed once.
    """
    if isinstance(dumps, str):
        dumps = [dumps]
    dumps = list(dumps)
    if not dumps:
        raise ValueError("analyze_run: give at least one dump")
    option_args = _option_args(analyze_options, _ANALYZE_OPTIONS, "analyze_run")
    _check_count("shards_per_dump", shards_per_dump)
    for d in dumps:
        _check_dump(d)
    _refuse_outputs_that_are_inputs(
        [os.path.join(output_dir, stem + ".json") for stem in _unique_stems(dumps, ("series",))] + [os.path.join(output_dir, "series.json")],
        dumps)
    driver_binary = _find_binary(binary) if binary or not runtime_env else None
    version = _binary_identity(driver_binary) if driver_binary else "unknown"
    temperature_args = option_args.get("temperature", [])
    merge_args = [a for k, v in option_args.items() if k != "temperature" for a in v]
    # The options as the shard and merge tasks will give them, checked by the binary before any
    # task runs (a bad merge setting used to be refused only once every shard had run).
    option_check = [(["analyze", *temperature_args, "--json"], 1), (["merge", *merge_args, "--json"], 1)]
    if driver_binary:
        _check_options(driver_binary, option_check)
    out = os.path.abspath(output_dir)
    _require_ray()
    partial_dir = _make_output_folders(output_dir)
    cluster = _connect(address, num_cpus)
    ray = cluster.ray
    if not driver_binary:  # the binary exists only on the nodes (runtime_env): check and identify it there
        version = _get(ray, ray.remote(_check_on_node).options(
            num_cpus=0, max_retries=max_retries, retry_exceptions=[_TransientError], runtime_env=runtime_env,
        ).remote(binary, option_check), "option check", max_retries)

    shard_remote = ray.remote(_shard_task).options(
        num_cpus=cpus_per_task, max_retries=max_retries, retry_exceptions=[_TransientError],
        **({"runtime_env": runtime_env} if runtime_env else {}))
    merge_remote = ray.remote(_merge_task).options(
        num_cpus=cpus_per_task, max_retries=max_retries, retry_exceptions=[_TransientError],
        **({"runtime_env": runtime_env} if runtime_env else {}))

    plans: List[_AnalyzePlan] = []
    for path, stem in zip(dumps, _unique_stems(dumps, ("series",))):
        full = os.path.abspath(path)
        n = shards_per_dump or _auto_shards(_dump_bytes(full), _dump_rows(full), len(dumps), cluster.cpus, cpus_per_task)
        key = _key(_CACHE_VERSION, version, _dump_identity(full), temperature_args)
        parts = [os.path.join(partial_dir, f"{stem}.{key}.shard{i:04d}-of-{n:04d}.partial.safetensors") for i in range(n)]
        meta = _metadata_or_error(full)
        plans.append((path, full, stem, n, parts, meta))

    bar = _Progress(sum(p[3] for p in plans) + len(plans), "deltah analyze", progress)
    try:
        shard_refs, shard_tasks = [], []
        for path, full, stem, n, parts, meta in plans:
            for i, part in enumerate(parts):
                if _valid_partial(part):
                    bar.advance()
                    continue
                shard_refs.append(shard_remote.remote(binary, full, i, n, part, temperature_args))
                shard_tasks.append(f"shard {i}/{n} of {path}")
        _wait_all(ray, shard_refs, bar)
        _get_all(ray, shard_refs, shard_tasks, max_retries)

        def merge_args_for(meta: Any, first_partial: str) -> List[str]:
            if isinstance(meta, Exception):  # the binary read the dump, so this is our reader's limit
                raise meta
            args = list(merge_args)
            # A binary whose partials do not record η (format deltah-partial-1) merges with η = 1:
            # pass the metadata's value exactly as written, as `analyze` would read it.
            if analyze_options.get("lr") is None and "lr" in meta and not _partial_records_lr(first_partial):
                args += [f"--lr={meta['lr'].strip()}"]
            return args

        merge_refs = [merge_remote.remote(binary, parts, merge_args_for(meta, parts[0]))
                      for _, _, _, _, parts, meta in plans]
        _wait_all(ray, merge_refs, bar)
        summaries = []
        for plan, ref in zip(plans, merge_refs):
            try:
                merged = ray.get(ref)
            except Exception as error:  # a partial merge rejects: recompute its shards once
                merged = _recover_merge(ray, plan, error, shard_remote, merge_remote, binary, temperature_args,
                                        merge_args_for(plan[5], plan[4][0]), max_retries)
            summaries.append(_as_analyze_summary(merged, plan[0], plan[5]))
    finally:
        bar.close()
    files = []
    for (path, full, stem, *_), summary in zip(plans, summaries):
        files.append(os.path.join(out, stem + ".json"))
        _write_json_atomic(files[-1], summary)
    if len(files) == 1:
        series = _one_step_series(summaries[0])
    else:
        # The binary orders the steps, warns and pairs covariance with the next entropy change
        # exactly as `deltah analyze DUMP_1 … DUMP_k` does.
        series = _get(ray, ray.remote(_series_task).options(
            num_cpus=1, max_retries=max_retries, retry_exceptions=[_TransientError],
            **({"runtime_env": runtime_env} if runtime_env else {})).remote(binary, summaries),
            f"series of {len(summaries)} dumps", max_retries)
    _write_json_atomic(os.path.join(out, "series.json"), series)
    return series


#: One dump's work in ``analyze_run``: (path as given, absolute path, output stem, shard count,
#: partial paths, metadata or the error reading it).
_AnalyzePlan = Tuple[str, str, str, int, List[str], Any]


def _make_output_folders(output_dir: str) -> str:
    """Create ``output_dir/partials`` before Ray starts; its path. A folder that cannot be created
    (a file in the way, no permission) is named in a DeltaHError, not a traceback after start-up."""
    partial_dir = os.path.join(os.path.abspath(output_dir), "partials")
    try:
        os.makedirs(partial_dir, exist_ok=True)
    except OSError as error:
        raise DeltaHError(f"{output_dir}: cannot create the output folder ({error.strerror or error})") from None
    return partial_dir


def _one_step_series(summary: Dict[str, Any]) -> Dict[str, Any]:
    """The step series of one dump, as ``deltah analyze``/``series`` write a series (kind
    ``analyze-series``), so that ``series.json`` is readable by ``deltah report`` whatever the
    number of dumps. The step keeps the keys of a series step (no envelope keys); with one step
    there is no consecutive pair, so the covariance / next-entropy-change pairing is empty
    (``CovarianceEntropyChange`` of one summary: n = 0, correlation null)."""
    step = {k: v for k, v in summary.items() if k not in ("kind", "deltah_version")}
    series: Dict[str, Any] = {"steps": [step],
                              "covariance_entropy_change_correlation": {
                                  "correlation": None, "n": 0, "covariance": [], "entropy_change": [], "steps": []},
                              "warnings": []}
    if "deltah_version" in summary:
        series = {"deltah_version": summary["deltah_version"], "kind": "analyze-series", **series}
    return series


def _partial_records_lr(path: str) -> bool:
    """Whether the binary that wrote this partial recorded η in it (so ``merge`` knows it)."""
    try:
        header, _ = _safetensors_header(path)
    except (OSError, ValueError):
        return False
    return "lr" in (header.get("__metadata__") or {})


def _recover_merge(ray: Any, plan: _AnalyzePlan, error: Exception, shard_remote: Any, merge_remote: Any,
                   binary: Optional[str], temperature_args: List[str], merge_args: List[str],
                   max_retries: int) -> Dict[str, Any]:
    """Recompute the shards whose partials the failed merge named, then merge again once."""
    path, full, stem, n, parts, meta = plan
    named = [p for p in parts if p in str(getattr(error, "cause", None) or error)]
    if not named or not isinstance(getattr(error, "cause", None), DeltaHError):
        raise _failure(error, f"merge of {path}", max_retries) from None
    for p in named:
        os.unlink(p)
    _get_all(ray, [shard_remote.remote(binary, full, parts.index(p), n, p, temperature_args) for p in named],
             [f"shard {parts.index(p)}/{n} of {path}" for p in named], max_retries)
    merged: Dict[str, Any] = _get(ray, merge_remote.remote(binary, parts, merge_args), f"merge of {path}", max_retries)
    return merged


def _get(ray: Any, ref: Any, task: str, max_retries: int) -> Any:
    """``ray.get(ref)``, with a failure turned into one DeltaHError (see ``_failure``)."""
    try:
        return ray.get(ref)
    except KeyboardInterrupt:  # the task is stopped too (as in _wait_all), not left running its binary
        _cancel(ray, [ref])
        raise
    except Exception as error:
        raise _failure(error, task, max_retries) from None


def _get_all(ray: Any, refs: List[Any], tasks: List[str], max_retries: int) -> List[Any]:
    """Every task's result; on failures, one DeltaHError naming the first (in submission order)
    and counting the rest (the finished tasks' partials stay for a rerun). ``tasks`` names each."""
    results, failures = [], []
    for i, (ref, task) in enumerate(zip(refs, tasks)):
        try:
            results.append(ray.get(ref))
        except KeyboardInterrupt:  # this and the later tasks are stopped too (as in _wait_all)
            _cancel(ray, refs[i:])
            raise
        except Exception as error:
            failures.append(_failure(error, task, max_retries))
    if failures:
        more = f" (and {len(failures) - 1} more failed task(s))" if len(failures) > 1 else ""
        first = failures[0]
        raise DeltaHError(f"{first}{more}", first.returncode) from None
    return results


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _failure(error: Exception, task: str, max_retries: int) -> DeltaHError:
    """The one-line DeltaHError for a failed Ray task.

    The binary's refusal of its input keeps the binary's own message and exit code (it names the
    file). Any other failure, which Ray retried up to ``max_retries`` times, is named by its task
    (``shard 1/4 of run/step_7.safetensors``) and cause: the binary killed by a signal on every
    attempt, the Ray worker or node dead (``WorkerCrashedError``, ``NodeDiedError``,
    ``OutOfMemoryError``, …) or a Python error inside the task; exit code 1.
    """
    cause = getattr(error, "cause", None)
    if isinstance(cause, DeltaHError):  # (Ray's task error is itself a DeltaHError, whose text is a traceback)
        return DeltaHError(str(cause), cause.returncode)
    if isinstance(error, DeltaHError):
        return error
    retried = cause is None or isinstance(cause, _TransientError)
    if isinstance(cause, _TransientError):
        text = str(cause)
    elif cause is not None:  # a Python error inside the task (not retried)
        text = f"{type(cause).__name__}: {_first_line(str(cause))}"
    else:  # the worker process, its node or its memory failed
        text = f"the Ray worker failed ({type(error).__name__}: {_first_line(str(error))})"
    if retried and max_retries >= 0:
        text += f"; failed on all {max_retries + 1} attempt(s) (max_retries={max_retries})"
    return DeltaHError(f"{task}: {text}")


def _as_analyze_summary(merged: Dict[str, Any], path: str, meta: Dict[str, str]) -> Dict[str, Any]:
    """The merged summary labelled as ``deltah analyze DUMP --json`` labels it.

    ``merge`` names the partials as the file and has no step; the dump path as given and the
    metadata's step replace them. (The warning for a ``temperature`` that differs from the
    metadata comes with the merged summary: the partials carry it.)
    """
    summary = dict(merged)
    summary["file"] = path
    step = meta.get("step")
    if step is not None:
        text = step.strip()
        try:
            summary["step"] = int(text)
        except ValueError:
            summary["step"] = int(float(text))
    return summary


def _binary_identity(binary: str) -> str:
    """What the cache key knows of the binary: its ``--version`` and a SHA-256 of the executable.

    The version alone does not change when a binary is rebuilt with other numerics (every
    development build reports the same version), and partials of the old binary would then be
    merged by the new one; the hash makes a changed binary recompute them. O(binary size).
    """
    h = hashlib.sha256()
    try:
        with open(binary, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return _binary_version(binary)
    return f"{_binary_version(binary)} sha256:{h.hexdigest()}"


def _binary_version(binary: str) -> str:
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _supports_compare_shards(binary: Optional[str]) -> bool:
    if not binary:
        return False
    try:
        help_text = subprocess.run([binary, "compare", "--help"], capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "--shard" in help_text and "--partial" in help_text


def compare_run(
    pairs: Optional[Iterable[Tuple[str, str]]] = None,
    *,
    before: Optional[Sequence[str]] = None,
    after: Optional[Sequence[str]] = None,
    shards_per_pair: Optional[int] = None,
    address: Optional[str] = None,
    output_dir: str = "deltah-ray",
    binary: Optional[str] = None,
    cpus_per_task: int = 1,
    max_retries: int = 3,
    runtime_env: Optional[Dict[str, Any]] = None,
    num_cpus: Optional[int] = None,
    progress: bool = True,
    **compare_options: Any,
) -> Dict[str, Any]:
    """``deltah compare BEFORE AFTER`` for every pair of a run, on a Ray cluster.

    When the binary offers ``compare --shard i/n --partial OUT`` (checked through its help),
    each pair is split into shards and merged with ``deltah merge … --json``; otherwise each
    pair is one task (``shards_per_pair`` must then be 1 or None).

    Parameters
    ----------
    pairs : iterable of (str, str), optional
        (before, after) dump paths. Alternatively ``before=`` and ``after=`` of equal length.
    shards_per_pair : int, optional
        Shards per pair; default chosen as in ``analyze_run`` from the after dump's size, 1 when
        the binary cannot shard ``compare``.
    address, output_dir, binary, cpus_per_task, max_retries, runtime_env, num_cpus, progress
        As in ``analyze_run``.
    **compare_options
        ``temperature``, ``trust_tolerance`` (ε of the trust radius; in sharded mode given to
        ``merge``, since compare partials do not record it): as ``deltah compare``'s options.

    Returns
    -------
    dict
        ``{"pairs": [summary, …]}``: per pair, what ``deltah compare BEFORE AFTER --json``
        prints, in the given order. Written to ``output_dir/<after stem>.compare.json`` per pair
        and ``output_dir/pairs.json``.

    Notes
    -----
    A rerun reuses each finished pair result (whole-pair mode) or partial (sharded mode)
    whose inputs' identity and options are unchanged.
    """
    if pairs is None:
        if before is None or after is None:
            raise ValueError("compare_run: give pairs, or before= and after=")
        if len(before) != len(after):
            raise ValueError(f"compare_run: {len(before)} before dumps but {len(after)} after dumps")
        pairs = list(zip(before, after))
    checked: List[Tuple[str, str]] = []
    for p in pairs:
        pair = tuple(p)
        if isinstance(p, (str, bytes)) or len(pair) != 2:
            raise ValueError(f"compare_run: each pair is (before, after), got {p!r}")
        checked.append((pair[0], pair[1]))
    pairs = checked
    if not pairs:
        raise ValueError("compare_run: give at least one pair")
    _check_count("shards_per_pair", shards_per_pair)
    option_args = _option_args(compare_options, _COMPARE_OPTIONS, "compare_run")
    args = [a for v in option_args.values() for a in v]  # whole-pair tasks: compare takes them all
    shard_args = option_args.get("temperature", [])  # sharded: partials record T; ε goes to merge
    merge_args = option_args.get("trust_tolerance", [])
    for b, a in pairs:
        for d in (b, a):
            _check_dump(d)
    _refuse_outputs_that_are_inputs(
        [os.path.join(output_dir, stem + ".compare.json") for stem in _unique_stems([a for _, a in pairs])]
        + [os.path.join(output_dir, "pairs.json")], [d for pair in pairs for d in pair])
    driver_binary = _find_binary(binary) if binary or not runtime_env else None
    version = _binary_identity(driver_binary) if driver_binary else "unknown"
    can_shard = _supports_compare_shards(driver_binary)
    if shards_per_pair is not None and shards_per_pair > 1 and not can_shard:
        raise DeltaHError("this deltah binary has no 'compare --shard'; use shards_per_pair=1")
    sharded = can_shard and (shards_per_pair is None or shards_per_pair > 1)
    option_check = ([(["compare", *shard_args, "--json"], 2), (["merge", *merge_args, "--json"], 1)] if sharded
                    else [(["compare", *args, "--json"], 2)])
    if driver_binary:
        _check_options(driver_binary, option_check)
    out = os.path.abspath(output_dir)
    _require_ray()
    _make_output_folders(output_dir)
    cluster = _connect(address, num_cpus)
    ray = cluster.ray
    extra = {"runtime_env": runtime_env} if runtime_env else {}
    common = dict(num_cpus=cpus_per_task, max_retries=max_retries, retry_exceptions=[_TransientError], **extra)
    if not driver_binary:  # the binary exists only on the nodes (runtime_env): check and identify it there
        version = _get(ray, ray.remote(_check_on_node).options(**dict(common, num_cpus=0)).remote(binary, option_check),
                       "option check", max_retries)
    stems = _unique_stems([a for _, a in pairs])

    plans = []
    for (b, a), stem in zip(pairs, stems):
        fb, fa = os.path.abspath(b), os.path.abspath(a)
        if shards_per_pair is not None:
            n = shards_per_pair
        elif can_shard:
            n = _auto_shards(_dump_bytes(fa) + _dump_bytes(fb), _dump_rows(fa), len(pairs), cluster.cpus, cpus_per_task)
        else:
            n = 1
        # A whole-pair result depends on every option; a partial only on the shard's (not on ε).
        key = _key(_CACHE_VERSION, "compare", version, _dump_identity(fb), _dump_identity(fa),
                   shard_args if sharded else args)
        plans.append((b, a, fb, fa, stem, n, key))

    bar = _Progress(sum(p[5] for p in plans) + (len(plans) if sharded else 0), "deltah compare", progress)
    results: List[Dict[str, Any]] = []
    try:
        if not sharded:
            whole = ray.remote(_compare_task).options(**common)
            refs: Dict[int, Any] = {}
            cached: Dict[int, Dict[str, Any]] = {}
            for i, (b, a, fb, fa, stem, n, key) in enumerate(plans):
                cache = os.path.join(out, "partials", f"{stem}.{key}.compare.json")
                value = _read_cached_json(cache)
                if value is not None:
                    cached[i] = value
                    bar.advance()
                else:
                    refs[i] = whole.remote(binary, fb, fa, args)
            _wait_all(ray, list(refs.values()), bar)
            for i, plan in enumerate(plans):
                if i in refs:
                    value = _get(ray, refs[i], f"compare of {plan[0]} and {plan[1]}", max_retries)
                    _write_json_atomic(os.path.join(out, "partials", f"{plan[4]}.{plan[6]}.compare.json"), value)
                else:
                    value = cached[i]
                results.append(_as_compare_summary(value, plan[0], plan[1]))
        else:
            shard_remote = ray.remote(_compare_shard_task).options(**common)
            merge_remote = ray.remote(_merge_task).options(**common)
            shard_refs, shard_tasks = [], []
            all_parts = []
            for b, a, fb, fa, stem, n, key in plans:
                parts = [os.path.join(out, "partials", f"{stem}.{key}.compare.shard{i:04d}-of-{n:04d}.partial.safetensors")
                         for i in range(n)]
                all_parts.append(parts)
                for i, part in enumerate(parts):
                    if _valid_partial(part):
                        bar.advance()
                    else:
                        shard_refs.append(shard_remote.remote(binary, fb, fa, i, n, part, shard_args))
                        shard_tasks.append(f"shard {i}/{n} of the pair {b} and {a}")
            _wait_all(ray, shard_refs, bar)
            _get_all(ray, shard_refs, shard_tasks, max_retries)
            merge_refs = [merge_remote.remote(binary, parts, merge_args) for parts in all_parts]
            _wait_all(ray, merge_refs, bar)
            for plan, ref in zip(plans, merge_refs):
                merged = _get(ray, ref, f"merge of the pair {plan[0]} and {plan[1]}", max_retries)
                results.append(_as_compare_summary(merged, plan[0], plan[1]))
    finally:
        bar.close()
    for plan, summary in zip(plans, results):
        _write_json_atomic(os.path.join(out, plan[4] + ".compare.json"), summary)
    series = {"pairs": results}
    _write_json_atomic(os.path.join(out, "pairs.json"), series)
    return series


def _read_cached_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path) as f:
            value = json.load(f)
        return value if isinstance(value, dict) else None
    except (OSError, ValueError):
        return None


def _as_compare_summary(value: Dict[str, Any], before: str, after: str) -> Dict[str, Any]:
    """The result labelled with the paths as given: ``before``, ``after`` and the warnings, which
    name the dumps by the absolute paths the tasks were given (``deltah compare`` names them as
    given, e.g. ``step_9.safetensors: tensor 'x' … was ignored``)."""
    summary = dict(value)
    given = {p: q for p, q in ((summary.get("before"), before), (summary.get("after"), after)) if isinstance(p, str)}
    if "before" in summary:
        summary["before"] = before
    if "after" in summary:
        summary["after"] = after
    if isinstance(summary.get("warnings"), list) and given:
        def relabel(warning: Any) -> Any:
            if not isinstance(warning, str):
                return warning
            for full in sorted(given, key=len, reverse=True):  # the longer first: one may extend the other
                warning = warning.replace(full, given[full])
            return warning
        summary["warnings"] = [relabel(w) for w in summary["warnings"]]
    return summary


# --------------------------------------------------------------------------------------------
# Command line


def _counting(least: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``least`` (argparse names the option on failure)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
        return value
    return parse


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m deltah.ray DUMPS… [--compare] --address auto --out results/``."""
    parser = argparse.ArgumentParser(
        prog="python -m deltah.ray",
        description="Analyse a run's dumps on a Ray cluster (sharded deltah analyze + exact merge), "
                    "or with --compare, before/after pairs (deltah compare).")
    parser.add_argument("dumps", nargs="+", help="dumps; with --compare, BEFORE AFTER pairs in order")
    parser.add_argument("--compare", action="store_true", help="take the dumps as BEFORE AFTER pairs")
    parser.add_argument("--address", help="Ray address ('auto' joins a running cluster; default: a local one)")
    parser.add_argument("--out", default="deltah-ray", help="output folder (default: deltah-ray)")
    parser.add_argument("--shards", type=_counting(1), help="shards per dump or pair (default: from size and CPUs)")
    parser.add_argument("--binary", help="deltah binary path on every node (default: DELTAH_BIN, PATH, package)")
    parser.add_argument("--cpus-per-task", type=_counting(0), default=1)
    parser.add_argument("--max-retries", type=int, default=3, help="Ray task retries (-1: without limit)")
    parser.add_argument("--num-cpus", type=_counting(1), help="CPUs of a local cluster started here")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the series (or pairs) JSON on stdout")
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--kl-cov-ratio", type=float)
    parser.add_argument("--clip-cov-bounds", help="lb,ub")
    parser.add_argument("--clip-cov-ratio", type=float)
    parser.add_argument("--micro-batch", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--trust-tolerance", type=float, help="with --compare: ε of the trust radius")
    a = parser.parse_args(argv)
    common = dict(address=a.address, output_dir=a.out, binary=a.binary, cpus_per_task=a.cpus_per_task,
                  max_retries=a.max_retries, num_cpus=a.num_cpus, progress=not a.no_progress)
    label: Callable[[Dict[str, Any]], Any]
    try:
        if a.compare:
            if len(a.dumps) % 2:
                parser.error("--compare takes BEFORE AFTER pairs: an even number of dumps")
            analyze_only = [n for n in ("lr", "kl_cov_ratio", "clip_cov_bounds", "clip_cov_ratio", "micro_batch", "seed")
                            if getattr(a, n) is not None]
            if analyze_only:
                parser.error(f"--compare does not take {', '.join('--' + n.replace('_', '-') for n in analyze_only)}")
            pairs = list(zip(a.dumps[0::2], a.dumps[1::2]))
            result = compare_run(pairs, shards_per_pair=a.shards, temperature=a.temperature,
                                 trust_tolerance=a.trust_tolerance, **common)
            items, label = result["pairs"], lambda s: f"{s.get('before')} → {s.get('after')}"
            name = "pairs.json"
        else:
            if a.trust_tolerance is not None:
                parser.error("--trust-tolerance applies to --compare (deltah analyze has no trust radius)")
            bounds = None
            if a.clip_cov_bounds is not None:
                try:
                    bounds = tuple(float(x) for x in a.clip_cov_bounds.split(","))
                except ValueError:
                    parser.error(f"--clip-cov-bounds '{a.clip_cov_bounds}' is not two numbers lb,ub")
            result = analyze_run(a.dumps, shards_per_dump=a.shards, temperature=a.temperature, lr=a.lr,
                                 kl_cov_ratio=a.kl_cov_ratio, clip_cov_bounds=bounds, clip_cov_ratio=a.clip_cov_ratio,
                                 micro_batch=a.micro_batch, seed=a.seed, **common)
            items, label = result["steps"], lambda s: s.get("file")
            name = "series.json"
    except DeltaHError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.returncode
    except OSError as error:  # e.g. Ray's ConnectionError for --address auto without a cluster
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"error: interrupted; the finished shards' partials in {os.path.join(a.out, 'partials')} are reused "
              "by a rerun", file=sys.stderr)
        return 128 + signal.SIGINT
    for w in result.get("warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    for s in items:
        for w in s.get("warnings", []):
            print(f"warning: {label(s)}: {w}", file=sys.stderr)
    if a.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"wrote {len(items)} result(s) and {os.path.join(a.out, name)}")
    return 0


if __name__ == "__main__":
    # Run the importable module's main, so Ray pickles the tasks by reference to deltah.ray.
    from deltah.ray import main as _main

    sys.exit(_main())
