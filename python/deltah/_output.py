"""Where an output file may be written: the rules of DeltaH's own writers, for the Python ones.

The ``deltah`` binary replaces only a regular file or a missing path; it writes *through* a
symbolic link to a regular file (the link stays, its target is replaced) and refuses a dangling
link, a folder, a FIFO, a device or a socket, naming the path and what it is. The Python writers
(:func:`deltah.export.save_dump`, ``save_npz``, the jvp dump and ``deltah.ray``'s JSON files)
follow the same rules through :func:`resolve_destination`. Their readers open input files through
:func:`open_input`, which refuses what is not a regular file instead of blocking on a FIFO.
"""

from __future__ import annotations

import io
import os
import stat
from typing import Union

__all__ = ["resolve_destination", "file_kind", "open_input"]


def file_kind(mode: int) -> str:
    """Words for the file type in ``st_mode`` (as the binary names it)."""
    for test, words in (
        (stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return words
    return "a special file"


def resolve_destination(path: Union[str, "os.PathLike[str]"]) -> str:
    """The path to rename a finished temporary file over, for the output ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The output the caller named.

    Returns
    -------
    str
        ``path`` itself when it is a regular file or does not exist; the (absolute) target when it
        is a symbolic link to a regular file.

    Raises
    ------
    ValueError
        When ``path`` is empty, ends with a slash, is a folder, a FIFO, a device, a socket, a
        symbolic link to one of those, or a dangling symbolic link (the message names the path).
    FileNotFoundError
        When the folder that should hold ``path`` does not exist (named).
    """
    path = os.fspath(path)
    if not path:
        raise ValueError("empty output path")
    if path.endswith(os.sep):
        raise ValueError(f"{path}: names a folder; give a file name for the output")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"{path}: the folder {folder} does not exist") from None
        return path
    destination = path
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise ValueError(f"{path}: is a symbolic link to a missing file; refusing to write through it") from None
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path}: is a symbolic link to {file_kind(info.st_mode)}; "
                             "only a regular file or a missing path can be an output")
        destination = os.path.realpath(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: is {file_kind(info.st_mode)}; only a regular file or a missing path can be an output")
    return destination


def open_input(path: Union[str, "os.PathLike[str]"]) -> io.BufferedReader:
    """``open(path, "rb")`` for a regular file; anything else is refused without blocking.

    The file is opened non-blocking (a FIFO with no writer would otherwise block ``open`` forever),
    checked with ``fstat`` on the opened descriptor (no race with a rename), then set blocking.

    Parameters
    ----------
    path : str or os.PathLike
        An input file.

    Returns
    -------
    io.BufferedReader

    Raises
    ------
    ValueError
        When ``path`` is a folder, a FIFO, a device or a socket (the message names the path and
        what it is, as the binary does).
    OSError
        When it cannot be opened (``FileNotFoundError`` etc. name the path).
    """
    path = os.fspath(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path}: is {file_kind(info.st_mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
