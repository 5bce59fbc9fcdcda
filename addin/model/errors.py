"""Exceptions of the add-in: one place for every message a user can see.

Every message names the argument (or deal key), the value received and what is
allowed, so that a credit officer can fix the cell without reading code. The Excel
layer shows ``str(error)`` as one line in the cell: ``#VALUE! <argument>: <problem>``.

Examples
--------
>>> raise InputError("annual_decline", 1.5, "a decimal per year from 0 to 0.99")
Traceback (most recent call last):
...
addin.model.errors.InputError: annual_decline: got 1.5; allowed: a decimal per year from 0 to 0.99
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

_MAX_SHOWN = 60


def show_value(value: Any) -> str:
    """Return a short, single-line rendering of a value received from a user."""
    text = f"array of shape {value.shape}" if hasattr(value, "shape") else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class AddinError(ValueError):
    """Base class of every error the add-in raises on purpose."""


class InputError(AddinError):
    """An argument or deal key has a value that is not allowed.

    Parameters
    ----------
    argument : str
        Name of the argument or deal key, as the user typed it.
    value : Any
        The value received.
    allowed : str
        What is allowed, in words a credit officer understands.
    """

    def __init__(self, argument: str, value: Any, allowed: str) -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed
        super().__init__(f"{argument}: got {show_value(value)}; allowed: {allowed}")


class MissingInputError(AddinError):
    """A required argument or deal key is empty or absent."""

    def __init__(self, argument: str, allowed: str) -> None:
        self.argument = argument
        self.allowed = allowed
        super().__init__(f"{argument}: is required but empty; allowed: {allowed}")


class CapError(AddinError):
    """An input asks for more work than one cell may do (Excel would freeze).

    Parameters
    ----------
    argument : str
        The argument (or "portfolio") whose size is over the cap.
    got : str
        What was asked, with its unit ("5,001 names").
    allowed : str
        The cap, with its unit and name ("at most 5,000 names in a cell (the names cap)").
    bigger : str
        How to run larger jobs ("use the Python API, e.g. addin.portfolio_es").
    """

    def __init__(self, argument: str, got: str, allowed: str, bigger: str) -> None:
        self.argument = argument
        self.allowed = allowed
        super().__init__(f"{argument}: got {got}; allowed: {allowed}; for more, {bigger}")


class UnknownKeyError(AddinError):
    """A deal key (or option) that the add-in does not know, with a did-you-mean."""

    def __init__(self, argument: str, key: str, known: Iterable[str]) -> None:
        self.argument = argument
        self.key = key
        close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else "; see the list of deal keys"
        super().__init__(f"{argument}: unknown key {show_value(key)}{hint}")


class DealFileError(AddinError):
    """A deal file cannot be read: names the file, and the key or line at fault."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class OutputExistsError(AddinError):
    """An output file exists and overwriting it was not asked for."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: exists; allowed: a new file name, or --force to overwrite")


class OutputError(AddinError):
    """A file cannot be written (read-only or full disk, a folder that is a file, a name too
    long): names the path and the system's reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: cannot be written ({reason})")
