"""The log of unexpected errors: one rotated file per user, created on first use.

Where it is (the per-user log folder of :mod:`platformdirs`):

* Windows: ``%LOCALAPPDATA%\\GPUCreditDesk\\Logs\\gpucredit.log``
* macOS: ``~/Library/Logs/GPUCreditDesk/gpucredit.log``
* Linux: ``$XDG_STATE_HOME/GPUCreditDesk/log/gpucredit.log`` (default ``~/.local/state``)
* xlwings Lite (Pyodide, in the browser): no file; records go to the Python console.

``GPUCREDIT_LOG_DIR`` overrides the folder. A record holds the function name, the shapes
and types of its arguments, the exception's type and the traceback's code lines; never a
value nor the exception's message (which may quote one), so no deal data leaves the
workbook. The file rotates at 1 MB and keeps 3 old copies.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from typing import Any

LOGGER_NAME = "gpucredit"
APP_NAME = "GPUCreditDesk"  # the folder name platformdirs puts the log in
LOG_FILE = "gpucredit.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3


def log_path() -> Path | None:
    """Return the log file's path for this platform (None under Pyodide).

    The folder is ``GPUCREDIT_LOG_DIR`` when set, else the per-user log folder that
    :func:`platformdirs.user_log_dir` gives for the application ``GPUCreditDesk``. Nothing
    is created here: the folder is made when the first record is written.

    Returns
    -------
    pathlib.Path or None
        ``<folder>/gpucredit.log``; None in the browser (xlwings Lite), which has no file.

    Examples
    --------
    >>> log_path().name  # doctest: +SKIP
    'gpucredit.log'
    """
    if sys.platform == "emscripten":
        return None
    override = os.environ.get("GPUCREDIT_LOG_DIR")
    if override:
        return Path(override) / LOG_FILE
    import platformdirs  # here, not at the top: Lite never needs it

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / LOG_FILE


def _logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        path = log_path()
        handler: logging.Handler
        if path is None:
            handler = logging.StreamHandler()
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handler = logging.handlers.RotatingFileHandler(
                    path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
                )
            except OSError:
                handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def describe_argument(value: Any) -> str:
    """Describe an argument by type and shape only, never by its value.

    Examples
    --------
    >>> describe_argument([[1.0, 2.0], [3.0, None]])
    'range 2x2'
    >>> describe_argument(0.3)
    'float'
    """
    if isinstance(value, list | tuple):
        rows = len(value)
        cols = len(value[0]) if rows and isinstance(value[0], list | tuple) else 1
        return f"range {rows}x{cols}"
    return type(value).__name__


def log_unexpected(function: str, arguments: tuple[Any, ...]) -> str:
    """Log the exception being handled with its traceback; return where the log is.

    The record names the exception's type and the code lines of the traceback, not the
    exception's message, which may quote a value (a borrower's name, an amount).
    """
    shapes = ", ".join(describe_argument(a) for a in arguments)
    error = sys.exc_info()[1]
    frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    kind = type(error).__name__ if error is not None else "no exception"
    _logger().error("unexpected error in %s(%s): %s\n%s", function, shapes, kind, frames.rstrip())
    path = log_path()
    return str(path) if path is not None else "the Python console"
