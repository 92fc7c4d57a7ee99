"""Temporary files that never outlive their writer, not even when it is killed by a signal.

Every Python writer of the package (``deltah.export``, the jvp dump, ``deltah.ray``'s JSON files
and its private ``series`` folder) writes into a temporary file beside its output and renames it
into place. This module creates those temporaries and keeps a list of the live ones, so that they
are removed

* when the write raises (any exception, ``KeyboardInterrupt`` and ``SystemExit`` included);
* when SIGTERM, SIGHUP or SIGINT would end the process with the default action: a handler,
  installed only while a temporary is live and only from the main thread (Python allows nothing
  else), removes them, restores the default action and sends the signal again, so the process
  still dies of it (exit status "killed by SIGTERM", 128 + 15 in a shell);
* at interpreter exit (``atexit``) for temporaries of threads that were still writing.

Handlers the process already had are kept: the handler installed here calls the previous Python
handler (a trainer's graceful-shutdown flag, Ray's ``SystemExit``, Python's ``KeyboardInterrupt``)
and does nothing else; whatever that handler raises unwinds through the writer, which removes its
temporary. A signal that was ignored (``SIG_IGN``, e.g. SIGHUP under ``nohup``) or handled outside
Python stays untouched. When the write ends, the previous handler is put back unless someone
replaced the handler meanwhile. A process killed with SIGKILL, or by a previous handler that calls
``os._exit``, still leaves its temporary (nothing can run then); readers of DeltaH's outputs never
read the hidden ``.NAME.*.tmp`` names.

Temporaries are recorded with the process id that created them: a forked child never removes its
parent's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import threading
from types import FrameType
from typing import Any, Callable, Dict, Iterator, Optional, Tuple, Union

__all__ = ["temporary_file", "temporary_folder", "write_atomically", "current_umask"]

#: Signals whose default action ends the process and that a writer cleans up after.
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))

#: Live temporaries: path → (owning process id, is a folder).
_live: Dict[str, Tuple[int, bool]] = {}
#: Signal → the handler installed here (a closure that knows the handler it replaced).
_installed: Dict[int, "_Handler"] = {}

#: A Python signal handler, as ``signal.signal`` takes it.
_Handler = Callable[[int, Optional[FrameType]], Any]


def _remove(path: str, folder: bool) -> None:
    try:
        if folder:
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _remove_live() -> None:
    """Remove every live temporary this process created (signal handler and ``atexit``)."""
    me = os.getpid()
    for path, (owner, folder) in list(_live.items()):  # list(): a copy taken without releasing the GIL
        if owner == me:
            _remove(path, folder)
            _live.pop(path, None)


atexit.register(_remove_live)


def _handler_replacing(previous: Union[_Handler, int, None]) -> _Handler:
    def on_signal(signum: int, frame: Optional[FrameType]) -> Any:
        if callable(previous):  # the process's own handler decides; what it raises unwinds the writer
            return previous(signum, frame)
        # SIG_DFL: the process is to die of this signal. Clean up, then die of it.
        _remove_live()
        signal.signal(signum, signal.SIG_DFL)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)  # not reached: the default action ended the process

    # The handler carries what it replaced, for _uninstall; mypy knows no attributes on a function.
    on_signal.deltah_previous = previous  # type: ignore[attr-defined]
    return on_signal


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _install() -> None:
    """Install the cleanup handler for each signal whose default or Python handler is in place."""
    if not _in_main_thread():
        return
    for signum in _SIGNALS:
        try:
            current = signal.getsignal(signum)
            if current is _installed.get(signum):
                continue
            if current is None or current == signal.SIG_IGN:  # set outside Python, or ignored: leave it
                continue
            handler = _handler_replacing(current)
            signal.signal(signum, handler)
            _installed[signum] = handler
        except (ValueError, OSError, RuntimeError):  # not allowed here (e.g. an embedded interpreter)
            continue


def _uninstall() -> None:
    """Put the previous handlers back once no temporary is live (unless replaced meanwhile)."""
    if not _in_main_thread() or _live:
        return
    for signum, handler in list(_installed.items()):
        try:
            if signal.getsignal(signum) is handler:
                # The attribute set by _handler_replacing (functions have no declared attributes).
                signal.signal(signum, handler.deltah_previous)  # type: ignore[attr-defined]
        except (ValueError, OSError, RuntimeError):
            continue
        _installed.pop(signum, None)


def _new_name(folder: str, prefix: str, suffix: str) -> str:
    return os.path.join(folder, prefix + os.urandom(6).hex() + suffix)


@contextlib.contextmanager
def _tracked(path: str, folder: bool) -> Iterator[None]:
    _live[path] = (os.getpid(), folder)  # recorded before it exists: no window where it is unknown
    try:
        _install()
        yield
    except BaseException:
        _remove(path, folder)
        raise
    finally:
        _live.pop(path, None)
        _uninstall()


@contextlib.contextmanager
def temporary_file(folder: str, prefix: str, suffix: str = ".tmp") -> Iterator[str]:
    """A new empty file ``folder/prefix<random>suffix``, removed if the block raises or the
    process is killed by SIGTERM, SIGHUP or SIGINT while the block runs.

    Parameters
    ----------
    folder : str
        Where to create it (beside the output, so that a rename is atomic).
    prefix, suffix : str
        Around 12 random hexadecimal digits.

    Yields
    ------
    str
        The path (mode 0600, as ``tempfile.mkstemp``). When the block ends normally the file is no
        longer tracked; the block must have renamed or removed it.
    """
    while True:
        path = _new_name(folder, prefix, suffix)
        with _tracked(path, folder=False):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            except FileExistsError:
                continue  # not ours: never removed (the except path of _tracked is not reached)
            os.close(fd)
            yield path
            return


@contextlib.contextmanager
def temporary_folder(prefix: str, parent: Optional[str] = None) -> Iterator[str]:
    """A new private folder (mode 0700), removed with its contents when the block ends, raises, or
    the process is killed by SIGTERM, SIGHUP or SIGINT.

    Parameters
    ----------
    prefix : str
        Name prefix.
    parent : str, optional
        Where to create it; the system's temporary folder by default.
    """
    import tempfile

    parent = tempfile.gettempdir() if parent is None else parent
    while True:
        path = _new_name(parent, prefix, "")
        with _tracked(path, folder=True):
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            try:
                yield path
            finally:
                shutil.rmtree(path, ignore_errors=True)
            return


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic set-and-restore
    os.umask(mask)
    return mask


def write_atomically(destination: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp)`` for a temporary file beside ``destination``, then rename it over it.

    Parameters
    ----------
    destination : str
        The already resolved output (``_output.resolve_destination``).
    write : callable
        Fills the temporary file at the path it is given.

    Notes
    -----
    The temporary is ``.NAME.<random>.tmp`` in the destination's folder, created 0600 and given
    ``0o666 & ~umask`` (what ``open(path, "w")`` gives) before the rename. It never survives the
    call: removed when ``write`` raises or the process is killed by SIGTERM, SIGHUP or SIGINT
    (module docstring); the destination is then untouched.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    with temporary_file(folder, "." + os.path.basename(destination) + ".") as tmp:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, destination)
