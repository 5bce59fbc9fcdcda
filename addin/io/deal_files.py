r"""Deal files: a TOML file of ``key = value`` lines, or a filled intake workbook.

The only place a deal is read from disk; the CLI calls it, a spreadsheet cell never does.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "deal.toml"
>>> _ = path.write_text('name = "D"; gpus = 8'.replace('; ', chr(10)) + chr(10)
...     + 'market_rate = 2.0\nloan_amount = 1e5\ninterest_rate = 0.1\ntenor_years = 3\n')
>>> read_deal(path).gpus
8
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from addin.io.files import read_bounded
from addin.io.intake import read_intake
from addin.model.deal import KEY_SPECS, Deal, deal_from_mapping
from addin.model.errors import (
    AddinError,
    DealFileError,
    InputError,
    MissingInputError,
    UnknownKeyError,
    show_value,
)
from addin.model.params import param

MAX_DEAL_FILE_BYTES = 1_000_000  # a deal file is a few kB


def deal_from_toml(path: str | Path) -> Deal:
    """Load and validate a deal from a TOML file of ``key = value`` lines.

    Raises
    ------
    DealFileError
        The file cannot be read or parsed, or a key is wrong; the message names the file
        and the line or key.
    """
    path = Path(path)
    raw = read_bounded(path, MAX_DEAL_FILE_BYTES, "a deal file (.toml)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DealFileError(str(path), f"cannot be read (not UTF-8 text: {error.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DealFileError(str(path), f"is not valid TOML{_toml_where(text, error)}") from None
    except ValueError:  # an integer past Python's 4,300-digit limit for converting text
        raise DealFileError(str(path), _long_integer_problem(text)) from None
    for key, value in data.items():
        if isinstance(value, dict | list):
            raise DealFileError(
                str(path),
                f"{_where(text, key)}key '{key}' must be a single value, not a table or list",
            )
    try:
        return deal_from_mapping(data, argument=path.name)
    except (InputError, MissingInputError, UnknownKeyError) as error:
        raise DealFileError(str(path), located(text, error, path.name)) from None


def located(text: str, error: AddinError, source: str) -> str:
    r"""A deal key's error, prefixed with the line and column of the key's value in the file.

    The file is named once: when the error's argument is the file itself (an unknown key),
    that name is dropped, since :class:`DealFileError` names the file.

    Parameters
    ----------
    text : str
        The TOML text of the deal file.
    error : AddinError
        From :func:`addin.model.deal.deal_from_mapping`: its ``argument`` (or, for an
        unknown key, its ``key``) is the deal key at fault.
    source : str
        The name the file was given to ``deal_from_mapping`` as its argument.

    Returns
    -------
    str
        ``line L, column C: <message>``, or the message alone when the key is not in the
        file (a required key left out, a default that clashes with another key).

    Examples
    --------
    >>> text = 'name = "x"\ngpus = -5\n'
    >>> located(text, InputError("gpus", -5, "a whole number >= 1"), "deal.toml")
    'line 2, column 8: gpus: got -5; allowed: a whole number >= 1'
    >>> located('gpu = 8\n', UnknownKeyError("deal.toml", "gpu", ["gpus"]), "deal.toml")
    "line 1, column 1: unknown key 'gpu'; did you mean 'gpus'?"
    """
    argument = str(getattr(error, "argument", ""))
    unknown = isinstance(error, UnknownKeyError)
    key = error.key if isinstance(error, UnknownKeyError) else argument
    message = str(error)
    if argument == source:
        message = message.removeprefix(f"{source}: ")
    return f"{_where(text, key, at_value=not unknown)}{message}"


_KEY = r"""[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*'"""
_KEY_LINE = re.compile(rf"^(?P<lead>[ \t]*(?:\[\[?[ \t]*)?)(?P<key>{_KEY})(?P<tail>[ \t]*=[ \t]*)?")


def _where(text: str, key: str, at_value: bool = True) -> str:
    """``line L, column C: `` of the last line that sets ``key`` (case-insensitive), or "".

    The column (from 1, as TOML parsers count) is that of the value, or of the key itself
    when ``at_value`` is False or on a table header or dotted key. The last line wins: of a
    key given twice, the second is the one at fault.
    """
    wanted = key.strip().lower()
    if not wanted:
        return ""
    found = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if match is None or match.group("key").strip("\"'").strip().lower() != wanted:
            continue
        column = match.end() if at_value and match.group("tail") else match.start("key")
        found = f"line {number}, column {column + 1}: "
    return found


def _toml_where(text: str, error: tomllib.TOMLDecodeError) -> str:
    """`` at line L, column C (key 'k'): <problem>`` from a TOML error, naming the key."""
    message = str(error)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    if found is None:
        return f": {problem}"
    line_number = int(found.group(1))
    lines = text.splitlines()
    line = lines[line_number - 1] if 0 < line_number <= len(lines) else ""
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    named = f" (key {show_value(key)})" if key else ""
    return f" at line {line_number}, column {found.group(2)}{named}: {problem}"


def _long_integer_problem(text: str) -> str:
    """Name the key whose value is an integer too long to convert (its longest digit run)."""
    runs = re.finditer(r"^\s*([A-Za-z_]\w*)\s*=\s*[+-]?(\d[\d_]*)", text, re.M)
    longest = max(runs, key=lambda m: len(m.group(2)), default=None)
    key = "" if longest is None else longest.group(1).lower()
    allowed = param(key).allowed() if key in KEY_SPECS else "numbers of a sensible size"
    return f"{key or 'a value'}: got an integer of over 4,300 digits; allowed: {allowed}"


def read_deal(path: str | Path) -> Deal:
    """Read and validate a deal file: ``.toml`` or a filled ``.xlsx`` intake workbook.

    Parameters
    ----------
    path : str or Path
        The deal file.

    Returns
    -------
    Deal

    Raises
    ------
    DealFileError
        The file is neither kind, cannot be read, or holds a wrong key; the message names
        the file and the line, cell or key.
    """
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return deal_from_toml(path)
    if path.suffix.lower() == ".xlsx":
        return read_intake(path)
    raise DealFileError(
        str(path), "is not a deal file; allowed: a .toml file or an .xlsx intake workbook"
    )
