"""Prepare an offline Pyodide for ``tests/excel/test_pyodide.py``: the runtime and its wheels.

The cache holds what xlwings Lite loads, and nothing is run from it before it is checked:

* the npm package ``pyodide`` at the version pinned in ``tests/pyodide/package.json``
  (``npm ci`` checks the tarball against ``package-lock.json``): the WebAssembly CPython,
  its standard library and the official ``pyodide-lock.json``, but no scientific packages;
* Pyodide's own builds of numpy, pandas, scipy and micropip, with everything they depend
  on in the lock file. The Pyodide CDN is not reachable from here, so they are taken from
  a PyPI wheel that vendors the same Pyodide release (:data:`DONOR`), and each file is
  checked against the sha256 in the official ``pyodide-lock.json`` before it is kept;
* xlwings' pure-Python wheel (the one Lite installs with micropip), at the version of
  ``uv.lock``, checked against the sha256 that ``uv.lock`` records for it.

Run ``uv run python -m tests.pyodide.prepare`` (``.ci/run`` does). A second run checks the
files and downloads nothing. The cache is ``$GPUCREDIT_PYODIDE_CACHE`` if set, else
``$XDG_CACHE_HOME/gpucredit/pyodide-<version>`` (``~/.cache`` by default), outside the
repository: nothing downloaded is committed.

Examples
--------
>>> closure({"a": {"depends": ["b"]}, "b": {"depends": []}, "c": {"depends": []}}, ["a"])
['a', 'b']
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGE_JSON = HERE / "package.json"
UV_LOCK = ROOT / "uv.lock"

# What Lite loads from Pyodide's own builds before main.py (requirements.txt leaves them
# unpinned) and micropip, which installs the rest.
PACKAGES = ("micropip", "numpy", "pandas", "scipy")
# A PyPI wheel that vendors a complete Pyodide 0.28.3 distribution, its packages included,
# under DONOR_FOLDER. Only the files named in the official lock are taken from it, and only
# when their sha256 matches.
DONOR = "open-webui==0.10.2"
DONOR_FOLDER = "open_webui/frontend/pyodide/"
PURE_WHEELS = ("xlwings", "platformdirs")  # pure-Python wheels pinned in requirements.txt
WHEELS_DIR = "wheels"


class PreparationError(RuntimeError):
    """A download failed, or a file does not match the hash it must have."""


def pyodide_version() -> str:
    """The Pyodide version pinned in ``tests/pyodide/package.json``."""
    pinned: str = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]["pyodide"]
    return pinned


def cache_dir() -> Path:
    """Where the prepared Pyodide lives (see the module docstring)."""
    if os.environ.get("GPUCREDIT_PYODIDE_CACHE"):
        return Path(os.environ["GPUCREDIT_PYODIDE_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "gpucredit" / f"pyodide-{pyodide_version()}"


def index_dir(cache: Path) -> Path:
    """Pyodide's ``indexURL``: the npm package, where the package files are put too."""
    return cache / "node_modules" / "pyodide"


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def closure(packages: dict[str, Any], names: Iterable[str]) -> list[str]:
    """The names of the lock's packages that ``names`` need, themselves included, sorted."""
    todo, found = list(names), set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(packages[name]["depends"])
    return sorted(found)


def lock_files(cache: Path) -> dict[str, str]:
    """File name -> sha256 of every package file needed, from the official lock file."""
    lock = json.loads((index_dir(cache) / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    return {
        packages[name]["file_name"]: packages[name]["sha256"]
        for name in closure(packages, PACKAGES)
    }


def pure_wheels(lockfile: Path = UV_LOCK) -> dict[str, str]:
    """File name -> sha256 of each pure-Python wheel Lite installs, as ``uv.lock`` pins it."""
    lock = tomllib.loads(lockfile.read_text(encoding="utf-8"))
    wheels = {}
    for package in lock["package"]:
        if package["name"] not in PURE_WHEELS:
            continue
        for wheel in package.get("wheels", []):
            name = wheel["url"].rsplit("/", 1)[-1]
            if name.endswith("-py3-none-any.whl"):
                wheels[name] = wheel["hash"].removeprefix("sha256:")
    missing = set(PURE_WHEELS) - {name.split("-")[0] for name in wheels}
    if missing:
        raise PreparationError(f"uv.lock has no py3-none-any wheel for {sorted(missing)}")
    return wheels


def npm_problem(cache: Path) -> str | None:
    """Why the npm package in the cache is not the pinned Pyodide, or None if it is."""
    index = index_dir(cache)
    try:
        installed = json.loads((index / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return f"no npm pyodide in {index}"
    if installed != pyodide_version():
        return f"npm pyodide {installed} in {index}, not {pyodide_version()}"
    return None


def problems(cache: Path) -> list[str]:
    """What is missing or wrong in the cache; empty when the test can run from it."""
    npm = npm_problem(cache)
    if npm is not None:
        return [npm]
    index = index_dir(cache)
    found = []
    wanted = [(index / n, h) for n, h in lock_files(cache).items()]
    wanted += [(cache / WHEELS_DIR / n, h) for n, h in pure_wheels().items()]
    for path, expected in wanted:
        if not path.is_file():
            found.append(f"missing {path}")
        elif sha256(path) != expected:
            found.append(f"sha256 of {path} is not {expected}")
    return found


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PreparationError(
            f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )


def _pip_download(arguments: list[str], into: Path) -> None:
    """``pip download`` through uv (uv's own environments have no pip)."""
    uv = shutil.which("uv")
    if uv is None:
        raise PreparationError("`uv` is needed to download wheels (pip download through uvx)")
    command = [
        uv,
        "tool",
        "run",
        "--from",
        "pip",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--no-cache-dir",
    ]
    _run([*command, "--dest", str(into), *arguments], cwd=into)


def _install_npm(cache: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise PreparationError("`npm` is needed: apt-get install nodejs npm")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, cache / name)
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=cache)


def _keep(source: bytes, target: Path, expected: str, origin: str) -> None:
    actual = hashlib.sha256(source).hexdigest()
    if actual != expected:
        raise PreparationError(
            f"{target.name} from {origin} has sha256 {actual}, but the official lock "
            f"requires {expected}: refusing to use it"
        )
    partial = target.with_suffix(target.suffix + ".partial")
    partial.write_bytes(source)
    partial.replace(target)


def _extract_packages(cache: Path, wanted: dict[str, str], log: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        log(f"downloading {DONOR} (it vendors Pyodide {pyodide_version()}'s packages)")
        _pip_download(["--only-binary=:all:", DONOR], Path(tmp))
        (donor,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(donor) as archive:
            names = set(archive.namelist())
            for name, expected in wanted.items():
                member = DONOR_FOLDER + name
                if member not in names:
                    raise PreparationError(f"{DONOR} has no {member}")
                _keep(archive.read(member), index_dir(cache) / name, expected, DONOR)
                log(f"  {name}: sha256 matches the official pyodide-lock.json")


def _download_pure_wheels(cache: Path, wanted: dict[str, str], log: Callable[[str], None]) -> None:
    folder = cache / WHEELS_DIR
    folder.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        for name, expected in wanted.items():
            distribution, version = name.split("-")[:2]
            log(f"downloading {name}")
            pure = ["--only-binary=:all:", "--platform", "any", "--implementation", "py"]
            _pip_download([*pure, "--abi", "none", f"{distribution}=={version}"], Path(tmp))
            _keep((Path(tmp) / name).read_bytes(), folder / name, expected, "PyPI (uv.lock)")


def prepare(cache: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Fill the cache (idempotent: only what is missing or wrong is fetched again).

    Parameters
    ----------
    cache : Path, optional
        The cache folder; default :func:`cache_dir`.
    log : callable, optional
        Receives one line per step; default ``print``.

    Returns
    -------
    Path
        The cache folder, ready for the test.

    Raises
    ------
    PreparationError
        When a tool is missing, a download fails or a file's sha256 is not the expected one.
    """
    cache = cache_dir() if cache is None else cache
    cache.mkdir(parents=True, exist_ok=True)
    found = problems(cache)
    if not found:
        log(f"Pyodide {pyodide_version()} ready in {cache}")
        return cache
    if npm_problem(cache) is not None:
        log(f"npm ci: pyodide {pyodide_version()} into {cache}")
        _install_npm(cache)
    index = index_dir(cache)
    packages = {
        n: h for n, h in lock_files(cache).items()
        if not (index / n).is_file() or sha256(index / n) != h
    }  # fmt: skip
    if packages:
        _extract_packages(cache, packages, log)
    wheels = {
        n: h for n, h in pure_wheels().items()
        if not (cache / WHEELS_DIR / n).is_file() or sha256(cache / WHEELS_DIR / n) != h
    }  # fmt: skip
    if wheels:
        _download_pure_wheels(cache, wheels, log)
    left = problems(cache)
    if left:
        raise PreparationError("the cache is still incomplete: " + "; ".join(left))
    log(f"Pyodide {pyodide_version()} ready in {cache}")
    return cache


def main(argv: list[str] | None = None) -> int:
    """Command line: prepare the cache, or with ``--check`` only report what is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="default: " + str(cache_dir()))
    parser.add_argument("--check", action="store_true", help="report problems; fetch nothing")
    options = parser.parse_args(argv)
    cache = options.cache or cache_dir()
    if options.check:
        found = problems(cache)
        print("\n".join(found) or f"Pyodide {pyodide_version()} ready in {cache}")
        return 1 if found else 0
    try:
        prepare(cache)
    except PreparationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
