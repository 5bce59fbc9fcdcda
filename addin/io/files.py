"""Reading files from outside (deal files, intake workbooks, books): bounded and regular only.

A borrower's file or a path typed by a user is untrusted: :func:`read_bounded` opens it
once, refuses anything that is not a regular file (a symlink to ``/dev/zero``, a FIFO, a
folder) and anything larger than the stated limit, and reads at most that many bytes, so
neither a huge file nor a device can make the add-in read without end.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "deal.toml"
>>> _ = path.write_text('name = "D"')
>>> read_bounded(path, 1_000, "a deal file")
b'name = "D"'
>>> try:
...     read_bounded("/dev/zero", 1_000, "a deal file")
... except DealFileError as error:
...     print(error)
/dev/zero: is not a regular file; allowed: a deal file
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from addin.model.errors import DealFileError


def read_bounded(path: str | Path, max_bytes: int, kind: str) -> bytes:
    """Return a regular file's bytes if it holds at most ``max_bytes``.

    Parameters
    ----------
    path : str or Path
        The file (a symlink is followed, and what it points to must be a regular file).
    max_bytes : int
        The largest size accepted, bytes.
    kind : str
        What the file should be, in words ("a deal file of at most 1 MB"), for the error.

    Raises
    ------
    DealFileError
        Naming the file and what is wrong: missing or unreadable (with the system's
        reason), not a regular file, or too large.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise DealFileError(str(path), f"cannot be read ({error.strerror})") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise DealFileError(str(path), f"is not a regular file; allowed: {kind}")
    with os.fdopen(descriptor, "rb") as file:
        if info.st_size > max_bytes:
            raise DealFileError(
                str(path),
                f"is {info.st_size:,} bytes; allowed: {kind} of at most {max_bytes:,} bytes",
            )
        try:
            data = file.read(max_bytes + 1)
        except OSError as error:
            raise DealFileError(str(path), f"cannot be read ({error.strerror})") from None
    if len(data) > max_bytes:  # it grew while we read it
        raise DealFileError(str(path), f"is over {max_bytes:,} bytes; allowed: {kind}")
    return data
