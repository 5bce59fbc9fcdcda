"""The add-in's version, read from the installed package's metadata (pyproject.toml).

One literal only, in ``pyproject.toml``; this module imports nothing heavy, so
``gpucredit --version`` answers without loading the analytics.

Examples
--------
>>> VERSION.count(".") >= 2
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "gpu-credit-desk"

try:
    VERSION = version(DISTRIBUTION)
except PackageNotFoundError:  # pragma: no cover - run from a source tree never installed
    VERSION = "0+unknown"
