"""The xlwings Lite files: a ``main.py`` and a ``requirements.txt`` for Lite's editor.

xlwings Lite runs Python in Excel (Windows, Mac and the web) through Pyodide: it installs
pure-Python wheels from PyPI (or from a wheel URL served with CORS headers) and Pyodide's
own builds of numpy, pandas and scipy, then imports the ``main.py`` pasted in its editor
and registers every function there that carries ``@xw.func``.

This package is not on PyPI, so by default the generated ``main.py`` carries the add-in
itself: the source of ``addin.excel.udfs`` and of every ``addin`` module it imports, plus the
package data (the GPU catalog), as text. A small import hook serves them from memory, so
loading writes no file, starts no thread and no process, and the functions, their help
and their results are the very ones of the installed package. ``requirements.txt`` then
lists only the third-party packages those modules import.

A desk that hosts the wheel (``uv build``) on an HTTPS server that sends CORS headers can
pass its URL instead (``wheel_url``): ``requirements.txt`` names the wheel and ``main.py``
only re-exports the functions.

Examples
--------
>>> files = lite_files()
>>> sorted(files)
['main.py', 'requirements.txt']
>>> "DSCR_MIN" in files["main.py"]
True
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import inspect
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from addin.version import VERSION

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the addin folder
ENTRY_MODULES = ("addin.excel.udfs",)  # its parent packages are bundled with it
DATA_SUFFIXES = (".csv", ".md", ".json", ".toml")
ALWAYS_PINNED = ("xlwings",)  # Lite installs xlwings' pure-Python wheel; pin what we test

BOOTSTRAP = '''
import importlib.abc
import importlib.util
import io
import sys
import zipfile

_PREFIX = "<gpucredit-lite>"


class _Bundle(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serve the bundled ``addin`` package from memory (no file is written)."""

    def __init__(self, files):
        self.files = files
        self.archive = zipfile.ZipFile(io.BytesIO(), "w")
        for name, text in files.items():
            self.archive.writestr(name, text)

    def _key(self, fullname):
        base = fullname.replace(".", "/")
        for key in (base + "/__init__.py", base + ".py"):
            if key in self.files:
                return key
        return None

    def find_spec(self, fullname, path=None, target=None):
        key = self._key(fullname) if fullname.split(".")[0] == "addin" else None
        if key is None:
            return None
        is_package = key.endswith("/__init__.py")
        spec = importlib.util.spec_from_loader(
            fullname, self, origin=f"{_PREFIX}/{key}", is_package=is_package
        )
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        key = self._key(module.__name__)
        module.__file__ = f"{_PREFIX}/{key}"
        exec(compile(self.files[key], module.__file__, "exec"), module.__dict__)

    def get_source(self, fullname):
        return self.files[self._key(fullname)]

    def get_resource_reader(self, fullname):
        return _Resources(self.archive, fullname.replace(".", "/") + "/")


class _Resources:
    """What ``importlib.resources.files(package)`` reads: a view of the in-memory zip."""

    def __init__(self, archive, at):
        self.archive, self.at = archive, at

    def files(self):
        return zipfile.Path(self.archive, at=self.at)


if not any(isinstance(f, _Bundle) for f in sys.meta_path):
    sys.meta_path.insert(0, _Bundle(_FILES))
'''


def module_file(name: str) -> Path:
    """The source file of an ``addin`` module (``addin`` itself is its ``__init__.py``)."""
    parts = name.split(".")[1:]
    folder = PACKAGE_DIR.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_type_checking_block(node: ast.AST) -> bool:
    """True for ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def _imports(path: Path, lazy: bool) -> set[str]:
    """The modules a file imports: at module level only, or anywhere (``lazy``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if lazy:
        return _names(ast.walk(tree))
    nodes: list[ast.AST] = []
    todo: list[ast.AST] = list(tree.body)
    while todo:  # module level, including inside if/try blocks, not inside functions
        node = todo.pop()
        if _is_type_checking_block(node):  # runs only under a type checker
            todo.extend(node.orelse)  # type: ignore[attr-defined]
            continue
        nodes.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            todo.extend(
                child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
            )
    return _names(nodes)


def module_closure(entries: Iterable[str] = ENTRY_MODULES) -> tuple[list[str], set[str]]:
    """The ``addin`` modules that importing the entry modules loads, and what else they use.

    Follows module-level imports only: a module imported inside a function (the intake
    workbook reader behind ``load_deal``, say) is not needed by the Excel functions. The
    test suite runs every function through the bundle, which would catch a missing one.

    Returns
    -------
    (list of str, set of str)
        Sorted ``addin`` module names, and the top-level names of every other module those
        imports anywhere (a scipy submodule imported inside a function included).
    """
    todo = list(entries)
    own: set[str] = set()
    other: set[str] = set()
    while todo:
        name = todo.pop()
        if name in own:
            continue
        own.add(name)
        if "." in name:  # importing a module runs its parent packages' __init__ first
            todo.append(name.rsplit(".", 1)[0])
        path = module_file(name)
        other.update(m.split(".")[0] for m in _imports(path, lazy=True))
        for imported in _imports(path, lazy=False):
            if imported.split(".")[0] != "addin":
                continue
            # "from addin.x import y": y is a module only if it has a file.
            if module_file(imported).exists():
                todo.append(imported)
            elif module_file(imported.rsplit(".", 1)[0]).exists():
                todo.append(imported.rsplit(".", 1)[0])
    other.discard("addin")
    return sorted(own), other


def bundled_files() -> dict[str, str]:
    """The text of every bundled file, keyed by its path inside the package (``addin/...``)."""
    modules, _ = module_closure()
    files = {
        module_file(name).relative_to(PACKAGE_DIR.parent).as_posix(): module_file(name).read_text(
            encoding="utf-8"
        )
        for name in modules
    }
    # Lite installs no distribution metadata for the bundle: the version is written in.
    files["addin/version.py"] = (
        f'"""The add-in\'s version (bundled for xlwings Lite)."""\n\nVERSION = {VERSION!r}\n'
    )
    for path in sorted((PACKAGE_DIR / "model" / "data").rglob("*")):
        if path.is_file() and path.suffix in DATA_SUFFIXES:
            files[path.relative_to(PACKAGE_DIR.parent).as_posix()] = path.read_text(
                encoding="utf-8"
            )
    return files


def _distribution(module: str) -> str | None:
    """The distribution that installs a top-level module (None for the standard library)."""
    names = _installed_modules().get(module)
    return names[0] if names else None


@functools.cache
def _installed_modules() -> Mapping[str, list[str]]:
    # Reads the metadata of every installed package: done once per process.
    return importlib.metadata.packages_distributions()


def _is_pure(distribution: str) -> bool:
    wheel = importlib.metadata.distribution(distribution).read_text("WHEEL") or ""
    return "Root-Is-Purelib: true" in wheel


def requirements(wheel_url: str | None = None) -> list[str]:
    """Lines of ``requirements.txt``: the third-party packages the bundled modules import.

    Pure-Python packages (and xlwings) are pinned to the versions installed here; packages
    Pyodide builds itself (numpy, pandas, scipy) are not, as Lite's docs require, and neither
    are the packages those depend on (python-dateutil comes with Pyodide's pandas).
    """
    _, others = module_closure()
    distributions = {d for d in map(_distribution, others) if d is not None}  # None: stdlib
    built = {d for d in distributions if d not in ALWAYS_PINNED and not _is_pure(d)}
    with_built = {_normalized(r) for d in built for r in importlib.metadata.requires(d) or []}
    lines = set()
    for distribution in distributions:
        if distribution in built or _normalized(distribution) in with_built:
            lines.add(distribution)
        else:
            lines.add(f"{distribution}=={importlib.metadata.version(distribution)}")
    result = sorted(lines, key=str.lower)
    return [*result, wheel_url] if wheel_url else result


def _normalized(requirement: str) -> str:
    """The project name of a requirement line, normalised (PEP 503): ``Foo_Bar>=1`` -> foo-bar."""
    name = re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def udf_names() -> list[str]:
    """Names of every Excel function in ``addin.excel.udfs``, in the order they are defined."""
    import addin.excel.udfs as udfs

    functions = [
        obj
        for name, obj in vars(udfs).items()
        if name.isupper() and inspect.isfunction(obj) and hasattr(obj, "__wrapped__")
    ]
    return [
        f.__name__
        for f in sorted(functions, key=lambda f: inspect.unwrap(f).__code__.co_firstlineno)
    ]


def main_py(wheel_url: str | None = None) -> str:
    """The text of Lite's ``main.py``: the bundle (unless a wheel URL is given) and the UDFs."""
    version = VERSION
    header = [
        f'"""GPU Credit Desk {version}: every Excel function of the add-in, for xlwings Lite.',
        "",
        "Generated by `gpucredit lite`; do not edit. Regenerate it for a new version.",
        '"""',
        "",
    ]
    names = udf_names()
    export = ["from addin.excel.udfs import (  # noqa: E402", *(f"    {n}," for n in names), ")"]
    export += ["", "__all__ = [", *(f'    "{n}",' for n in names), "]", ""]
    if wheel_url:
        return "\n".join([*header, *export])
    files = "\n".join(f"    {key!r}: {text!r}," for key, text in bundled_files().items())
    bundle = ["# The add-in's own source and data, served from memory by the hook below.",
              "_FILES = {", files, "}"]  # fmt: skip
    return "\n".join([*header, *bundle, BOOTSTRAP, *export])


def lite_files(wheel_url: str | None = None) -> dict[str, str]:
    """The two files of xlwings Lite's editor, by name."""
    return {
        "main.py": main_py(wheel_url),
        "requirements.txt": "\n".join(requirements(wheel_url)) + "\n",
    }
