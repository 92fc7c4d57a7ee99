"""A thin wrapper over the ``deltah`` command-line tool.

Each function builds one command line, runs the binary, and returns what it printed as JSON::

    from deltah import cli
    summary = cli.analyze("dumps/step_000001.before.safetensors", micro_batch=4)
    change = cli.compare("dumps/step_000001.before.safetensors", "dumps/step_000001.after.safetensors",
                         per_token="/tmp/change.safetensors")
    print(change["pearson_first_order"])

Options map to flags: ``name=value`` becomes ``--name value`` with underscores turned into
hyphens (``per_token=`` → ``--per-token``, ``kl_cov_ratio=`` → ``--kl-cov-ratio``); ``True`` adds
a bare flag, ``False`` and ``None`` add nothing; a tuple or list is joined with commas
(``clip_cov_bounds=(1, 5)`` → ``--clip-cov-bounds 1,5``); path-like values are converted with
``os.fspath``. Unknown options are passed through, so the binary rejects them with its own message.

Which binary (first match): the ``binary=`` argument, the environment variable ``DELTAH_BIN``, a
``deltah`` on ``PATH``, then ``deltah/bin/deltah`` inside this package (where a wheel that bundles
the binary puts it). A failing run raises :class:`DeltaHError` with the CLI's one-line message and
exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any, Iterable, Optional, Sequence, Union

__all__ = ["DeltaHError", "find_binary", "run", "analyze", "compare", "merge", "series", "whatif", "law", "report"]

PathLike = Union[str, "os.PathLike[str]"]


class DeltaHError(RuntimeError):
    """A ``deltah`` run that failed.

    Parameters
    ----------
    message, returncode, command, stderr
        Kept as the attributes below (``command`` as a list).

    Attributes
    ----------
    message : str
        The CLI's one-line error message (``Error: `` prefix removed).
    returncode : int
        The process's exit code.
    command : list of str
        The command line that was run.
    stderr : str
        Everything the process wrote to stderr.
    """

    def __init__(self, message: str, returncode: int, command: Sequence[str], stderr: str = ""):
        super().__init__(f"{message} (exit code {returncode})")
        self.message = message
        self.returncode = returncode
        self.command = list(command)
        self.stderr = stderr


def find_binary(binary: Optional[PathLike] = None) -> str:
    """The path of the ``deltah`` binary (see the module docstring for the search order).

    Parameters
    ----------
    binary : str or os.PathLike, optional
        An explicit binary; must be an executable file.

    Returns
    -------
    str
        The path found.

    Raises
    ------
    DeltaHError
        When no binary is found, or the one named by ``binary``/``DELTAH_BIN`` is not executable.
    """
    for source, candidate in (("binary=", binary), ("DELTAH_BIN", os.environ.get("DELTAH_BIN"))):
        if candidate:
            path = os.fspath(candidate)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise DeltaHError(f"{source} names {path}, which is not an executable file", 127, [path])
            return path
    found = shutil.which("deltah")
    if found:
        return found
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "deltah")
    if os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    raise DeltaHError(
        "deltah binary not found: set DELTAH_BIN, put deltah on PATH, or build it (swift build -c release "
        "--product deltah) and copy it to deltah/bin/", 127, ["deltah"])


def _flags(options: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            out += [flag, ",".join(str(os.fspath(v)) if hasattr(v, "__fspath__") else str(v) for v in value)]
        elif hasattr(value, "__fspath__"):
            out += [flag, os.fspath(value)]
        else:
            out += [flag, str(value)]
    return out


def _paths(paths: Union[PathLike, Iterable[PathLike]]) -> list[str]:
    if isinstance(paths, bytes):
        return [os.fsdecode(paths)]  # the command line encodes it back to the same bytes
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    result = [os.fspath(p) for p in paths]
    if not result:
        raise ValueError("no input paths given")
    return result


def run(args: Sequence[str], binary: Optional[PathLike] = None, timeout: Optional[float] = None) -> str:
    """Run ``deltah ARGS…`` and return its stdout.

    Parameters
    ----------
    args : sequence of str
        The arguments after ``deltah``.
    binary : str or os.PathLike, optional
        The binary (default: see the module docstring).
    timeout : float, optional
        Seconds after which the run is killed.

    Returns
    -------
    str
        What the binary printed on stdout.

    Raises
    ------
    DeltaHError
        On a non-zero exit (carrying the CLI's last stderr line), a signal, or the timeout
        (``returncode`` -9: the process was killed).
    """
    return _execute(args, binary, timeout).stdout


def _execute(args: Sequence[str], binary: Optional[PathLike], timeout: Optional[float]) -> subprocess.CompletedProcess[str]:
    command = [find_binary(binary), *args]
    try:
        # The binary writes UTF-8 (η, ΔH in messages) whatever the locale: decode it as such.
        proc = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout)
    except subprocess.TimeoutExpired as error:
        stderr = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else (error.stderr or "")
        raise DeltaHError(f"deltah did not finish within the timeout of {timeout} s and was killed", -9, command,
                          stderr) from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        message = lines[-1] if lines else f"deltah exited with code {proc.returncode} and no message"
        for prefix in ("Error: ", "error: "):
            if message.startswith(prefix):
                message = message[len(prefix):]
        raise DeltaHError(message, proc.returncode, command, proc.stderr)
    return proc


def _warnings(stderr: str) -> list[str]:
    """The ``warning: …`` lines of the binary's stderr, without the prefix."""
    return [line[len("warning: "):] for line in stderr.splitlines() if line.startswith("warning: ")]


def _partial(args: list[str], partial: PathLike, binary: Optional[PathLike],
             timeout: Optional[float]) -> dict[str, Any]:
    """A ``--shard … --partial PATH`` run (no ``--json``: the binary prints no summary then)."""
    proc = _execute(args, binary, timeout)
    return {"partial": os.fspath(partial), "stdout": proc.stdout, "stderr": proc.stderr,
            "warnings": _warnings(proc.stderr)}


def _json(args: list[str], binary: Optional[PathLike], timeout: Optional[float]) -> dict[str, Any]:
    return _json_object(run(args, binary=binary, timeout=timeout), args)


def _json_object(text: str, args: list[str]) -> dict[str, Any]:
    """The JSON object ``deltah ARGS --json`` printed as ``text``; ``DeltaHError`` (exit code 0)
    when it is not JSON or not an object (the typed ``dict`` callers are promised)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeltaHError(f"deltah printed output that is not JSON ({error})", 0, args) from error
    if not isinstance(value, dict):
        raise DeltaHError(f"deltah printed JSON that is not an object (a {type(value).__name__})", 0, args)
    return value


def analyze(paths: Union[PathLike, Iterable[PathLike]], *, binary: Optional[PathLike] = None,
            timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah analyze PATHS… --json`` (one dump: its summary; several: ``{"steps": [...]}``).

    Options as flags, e.g. ``temperature=``, ``lr=``, ``micro_batch=``, ``kl_cov_ratio=``,
    ``clip_cov_bounds=(lb, ub)``, ``seed=``, ``per_token=PATH``, ``shard="0/2"``, ``partial=PATH``.
    With ``partial=`` the binary writes the shard's partial instead of a summary; the result is then
    ``{"partial": PATH, "stdout": text, "stderr": text, "warnings": [...]}`` (stderr holds the
    shard's position range; combine the partials with :func:`merge`).

    Parameters
    ----------
    paths : path or iterable of paths
        One dump, or several (a series of steps).
    binary : str or os.PathLike, optional
        The binary (default: see the module docstring).
    timeout : float, optional
        Seconds after which the run is killed (``DeltaHError``).
    **options
        ``deltah analyze`` flags, spelled as above.

    Returns
    -------
    dict
        The binary's JSON (or the partial's record, with ``partial=``).

    Raises
    ------
    DeltaHError
        When the binary refuses the input or an option (its message and exit code), is killed or
        times out.
    """
    args = ["analyze", *_paths(paths), *_flags(options)]
    if options.get("partial") is not None:
        return _partial(args, options["partial"], binary, timeout)
    return _json(args + ["--json"], binary, timeout)


def compare(before: PathLike, after: PathLike, *, binary: Optional[PathLike] = None,
            timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah compare BEFORE AFTER --json``: actual vs first-/second-order ΔH per position.

    Keys include ``tokens``, ``pearson_first_order``, ``pearson_second_order``,
    ``rmse_first_order``, ``sign_agreement``; ``per_token=PATH`` also writes the per-position
    tensors (read them with :func:`deltah.per_token.load`). With ``shard="i/n", partial=PATH`` the
    binary writes that shard's partial instead; the result is then as for :func:`analyze` with
    ``partial=`` (combine the partials with :func:`merge`).

    Parameters
    ----------
    before, after : str or os.PathLike
        Two dumps of the same positions.
    binary, timeout, **options
        As in :func:`analyze` (``deltah compare`` flags, e.g. ``temperature=``, ``per_token=``,
        ``linearized=``).

    Returns
    -------
    dict
        The binary's JSON.

    Raises
    ------
    DeltaHError
        As in :func:`analyze`.
    """
    args = ["compare", os.fspath(before), os.fspath(after), *_flags(options)]
    if options.get("partial") is not None:
        return _partial(args, options["partial"], binary, timeout)
    return _json(args + ["--json"], binary, timeout)


def merge(partials: Union[PathLike, Iterable[PathLike]], *, binary: Optional[PathLike] = None,
          timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah merge PARTIALS… --json``: the whole-dump analysis from ``analyze --shard`` partials.

    Parameters
    ----------
    partials : path or iterable of paths
        The partials of one dump (or of one ``compare`` pair).
    binary, timeout, **options
        As in :func:`analyze`.

    Returns
    -------
    dict
        The binary's JSON, as ``analyze``/``compare`` of the whole input would print it.

    Raises
    ------
    DeltaHError
        As in :func:`analyze`.
    """
    return _json(["merge", *_paths(partials), *_flags(options), "--json"], binary, timeout)


def series(summaries: Union[PathLike, Iterable[PathLike]], *, binary: Optional[PathLike] = None,
           timeout: Optional[float] = None) -> dict[str, Any]:
    """``deltah series SUMMARIES… --json``: the step series of per-dump summaries.

    For runs analysed dump by dump (e.g. :func:`analyze` of each dump, or :func:`merge` of its
    shards, saved as JSON): the summaries are ordered by step, checked for repeated or missing
    steps and shape changes, and paired exactly as ``analyze`` of all the dumps would.

    Parameters
    ----------
    summaries : path or iterable of paths
        JSON files as ``deltah analyze DUMP --json`` or ``deltah merge … --json`` print them.
    binary, timeout
        As in :func:`analyze`.

    Returns
    -------
    dict
        The binary's JSON (one summary, or ``{"steps": [...], "warnings": [...], ...}``).

    Raises
    ------
    DeltaHError
        As in :func:`analyze`.
    """
    return _json(["series", *_paths(summaries), "--json"], binary, timeout)


def whatif(dump: PathLike, after: Optional[PathLike] = None, *, binary: Optional[PathLike] = None,
           timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah whatif DUMP [AFTER] --json``: first-order ΔH of one dump under each intervention.

    Keys include ``interventions`` (one row per rule: ``name``, ``delta_first_order``,
    ``tokens_touched``, ``weight_removed``, ``interpretation``, ``parameters``), ``actual`` (with
    ``after``: the measured ΔH between the two dumps) and ``warnings``.

    Parameters
    ----------
    dump : str or os.PathLike
        The dump of the step (before it).
    after : str or os.PathLike, optional
        The dump after the step, for the actual ΔH beside the predictions.
    binary, timeout, **options
        As in :func:`analyze` (``deltah whatif`` flags, e.g. ``temperature=``, ``lr=``, ``step=``,
        ``entropy_history=[...]``, ``clip_low=``/``clip_high=``, ``seed=``).

    Returns
    -------
    dict
        The binary's JSON.

    Raises
    ------
    DeltaHError
        As in :func:`analyze`.
    """
    dumps = [os.fspath(dump)] + ([os.fspath(after)] if after is not None else [])
    return _json(["whatif", *dumps, *_flags(options), "--json"], binary, timeout)


def law(log_or_dumps: Union[PathLike, Iterable[PathLike]], *, rewards: Optional[PathLike] = None,
        binary: Optional[PathLike] = None, timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah law … --json``: the entropy–performance law R = b − a·e^H fitted to a run.

    Without ``rewards``: one training log (CSV with a header, JSON lines, or a ``bandit``/``mdp``
    ``--json`` file). With ``rewards``: dumps of successive steps, their token-mean entropies paired
    with that log's performance by the dumps' ``step`` metadata.

    Parameters
    ----------
    log_or_dumps : path or iterable of paths
        The log, or the dumps (with ``rewards``).
    rewards : str or os.PathLike, optional
        A CSV or JSON-lines log of the performance per step (``--rewards``).
    binary, timeout, **options
        As in :func:`analyze` (``deltah law`` flags, e.g. ``entropy=``, ``performance=``,
        ``step=``, ``fit_fraction=``, ``bootstrap=``, ``seed=``, ``temperature=``).

    Returns
    -------
    dict
        The binary's JSON (``a``, ``b``, the ceiling b − a with its bootstrap interval, …).

    Raises
    ------
    DeltaHError
        As in :func:`analyze`.
    """
    args = ["law", *_paths(log_or_dumps)]
    if rewards is not None:
        args += ["--rewards", os.fspath(rewards)]
    return _json(args + _flags(options) + ["--json"], binary, timeout)


def report(inputs: Union[PathLike, Iterable[PathLike], None] = None, *,
           compare: Optional[Sequence[PathLike]] = None, binary: Optional[PathLike] = None,
           timeout: Optional[float] = None, **options: Any) -> dict[str, Any]:
    """``deltah report INPUTS… [--compare BEFORE AFTER] [options]``.

    Options: ``format=`` (markdown, latex, csv, json; with ``html`` only together with ``out``),
    ``out=FOLDER``, ``html=FILE``, ``title=`` (with ``html``), and the analysis options (``lr``,
    ``temperature``, the clipping; the binary refuses a flag without effect). Returns ``{"stdout": text, "written": [paths], "warnings": [...]}``
    (the files the binary reports writing, and its warnings), plus ``"tables"`` (the parsed JSON)
    when ``format="json"`` and the binary printed the tables, which it does only when it wrote no
    file (neither ``out`` nor ``html`` given).

    Parameters
    ----------
    inputs : path or iterable of paths, optional
        Dumps and/or ``deltah … --json`` files.
    compare : (before, after), optional
        Adds the checkpoint comparison (``--compare BEFORE AFTER``).
    binary, timeout, **options
        As in :func:`analyze`.

    Returns
    -------
    dict
        ``stdout``, ``written``, ``warnings`` and, as said above, ``tables``.

    Raises
    ------
    ValueError
        When ``compare`` is not two paths.
    DeltaHError
        As in :func:`analyze`.
    """
    args = ["report", *(_paths(inputs) if inputs is not None else [])]
    if compare is not None:
        pair = [os.fspath(p) for p in compare]
        if len(pair) != 2:
            raise ValueError(f"compare takes (before, after), got {len(pair)} paths")
        args += ["--compare", *pair]
    args += _flags(options)
    proc = _execute(args, binary, timeout)
    text = proc.stdout
    # The binary prints "wrote PATH" on stderr, one line per file (a path may hold ':').
    written = [line[len("wrote "):] for line in proc.stderr.splitlines() if line.startswith("wrote ")]
    result: dict[str, Any] = {"stdout": text, "written": written, "warnings": _warnings(proc.stderr)}
    if options.get("format") == "json" and not written:
        try:
            result["tables"] = json.loads(text)
        except json.JSONDecodeError as error:
            raise DeltaHError(f"deltah printed tables that are not JSON ({error})", 0, proc.args) from error
    return result
