"""The layer contract (pyproject.toml ``[tool.importlinter]``) holds, and breaks when bent.

``.ci/run`` runs ``lint-imports``; these tests run it too, on the package as it is and on
temporary copies with a deliberate violation, to show that the contract catches each one:
the Excel layer importing openpyxl and ``addin.io``, and two sibling modules importing
each other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
FORBIDDEN = "The Excel layer never imports io, openpyxl, Dask or anything that starts a thread"
ACYCLIC = "No import cycles between the modules of any package"
LAYERS = "Layers: model <- analytics <- sim <- excel <- memo/book <- cli; io beside analytics"

# Each violation: the modules added to a copy of the package, the contract it breaks and
# the lines of lint-imports' report that name it.
VIOLATIONS = {
    "excel imports openpyxl and io": (
        {"addin/excel/bent.py": "import openpyxl\n\nimport addin.io.xlsx\n"},
        FORBIDDEN,
        ["addin.excel is not allowed to import addin.io:",
         "addin.excel is not allowed to import openpyxl:",
         "addin.excel.bent -> openpyxl (l.1)",
         "addin.excel.bent -> addin.io.xlsx (l.3)"],
    ),
    "sibling modules import each other": (
        {"addin/memo/bent_a.py": "import addin.memo.bent_b\n",
         "addin/memo/bent_b.py": "import addin.memo.bent_a\n"},
        ACYCLIC,
        ["No cycles are allowed in addin.memo.", ".bent_"],
    ),
}  # fmt: skip


def lint_imports(root: Path) -> subprocess.Popen[str]:
    """Start ``lint-imports`` on the package and pyproject.toml found in ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}  # before the installed (editable) package
    return subprocess.Popen(
        [*LINT_IMPORTS, "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def verdicts(output: str) -> dict[str, str]:
    """Each contract's name and its verdict, KEPT or BROKEN, from the report's summary."""
    flat = " ".join(output.split())  # the report wraps long names over lines
    return {
        name: ("KEPT" if f"{name} KEPT" in flat else "BROKEN" if f"{name} BROKEN" in flat else "?")
        for name in (LAYERS, FORBIDDEN, ACYCLIC)
    }


def bent_copy(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the package and its pyproject.toml, with the given modules added."""
    shutil.copytree(
        ROOT / "addin", tmp_path / "addin", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Exit code and report of lint-imports on the repo and on each bent copy (run at once)."""
    roots = {"as it is": ROOT}
    for case, (files, _, _) in VIOLATIONS.items():
        roots[case] = bent_copy(tmp_path_factory.mktemp("bent"), files)
    running = {case: lint_imports(root) for case, root in roots.items()}
    return {case: (p.wait(timeout=300), p.communicate()[0]) for case, p in running.items()}


def test_the_package_keeps_every_contract(reports: dict[str, tuple[int, str]]) -> None:
    code, output = reports["as it is"]
    assert code == 0, output
    assert verdicts(output) == dict.fromkeys((LAYERS, FORBIDDEN, ACYCLIC), "KEPT"), output
    assert "Contracts: 3 kept, 0 broken." in output


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
def test_a_deliberate_violation_breaks_its_contract(
    case: str, reports: dict[str, tuple[int, str]]
) -> None:
    _, broken, lines = VIOLATIONS[case]
    code, output = reports[case]
    assert code != 0, output
    expected = {
        name: "BROKEN" if name == broken else "KEPT" for name in (LAYERS, FORBIDDEN, ACYCLIC)
    }
    assert verdicts(output) == expected, output
    for line in lines:
        assert line in output, output
