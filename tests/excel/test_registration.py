"""Classic xlwings registration, proven headlessly.

Runs xlwings' own ``import_udfs`` (the code behind the add-in's "Import Functions" button)
on ``addin.excel.udfs`` in a subprocess where the Windows-only modules are stubbed and the
workbook is a fake that records the VBA module and the Function Wizard help it receives.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import addin.excel.udfs

SCRIPT = r"""
import json, sys, types

for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = lambda: None
sys.modules["pywintypes"].com_error = type("com_error", (Exception,), {})
sys.modules["win32com.client"].Dispatch = lambda *args, **kwargs: None
sys.modules["win32com"].client = sys.modules["win32com.client"]

import xlwings
import xlwings.udfs as classic

# What `import xlwings` binds on Windows with pywin32.
xlwings.func, xlwings.arg, xlwings.ret = classic.xlfunc, classic.xlarg, classic.xlret
import addin.excel.udfs

classic.udf_modules["addin.excel.udfs"] = {"filename": addin.excel.udfs.__file__, "filetime": None,
                                     "module": addin.excel.udfs}

record = {"vba": "", "options": {}}

class Components:
    def __call__(self, name):
        return name
    def Remove(self, component):
        pass
    def Import(self, path):
        with open(path, encoding="utf-8") as f:
            record["vba"] = f.read()

class Application:
    Version = "16.0"
    def MacroOptions(self, name, **options):
        record["options"][name.split("!")[-1]] = {
            "Description": options.get("Description"),
            "Category": options.get("Category"),
            "ArgumentDescriptions": options.get("ArgumentDescriptions"),
        }

class Workbook:
    Name = "gpucredit.xlam"
    Application = Application()
    class VBProject:
        VBComponents = Components()

classic.import_udfs("addin.excel.udfs", Workbook())
print(json.dumps(record))
"""


def excel_functions() -> dict[str, object]:
    """Every public Excel function of addin.excel.udfs (UPPER_SNAKE names)."""
    return {
        name: obj
        for name, obj in vars(addin.excel.udfs).items()
        if name.isupper() and callable(obj) and inspect.isfunction(obj)
    }


@pytest.fixture(scope="module")
def registration() -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_dscr_family_is_there() -> None:
    expected = {"DSCR_TABLE", "DSCR_MIN", "DSCR_AVG", "DSCR_LLCR", "DSCR_BREAKEVEN_DECLINE",
                "DSCR_FIRST_BREACH", "DSCR_RENT_CURVE", "DSCR_DEBT_CAPACITY", "DSCR"}  # fmt: skip
    assert expected <= set(excel_functions())


def test_every_function_is_in_the_generated_vba(registration: dict) -> None:  # type: ignore[type-arg]
    vba = registration["vba"]
    for name, function in excel_functions().items():
        args = ", ".join(
            ("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
            for p in inspect.signature(function).parameters.values()  # type: ignore[arg-type]
        )
        assert f"Function {name}({args})" in vba, name
        assert f'XLPy.CallUDF("addin.excel.udfs", "{name}"' in vba, name


def test_every_function_and_argument_has_wizard_help(registration: dict) -> None:  # type: ignore[type-arg]
    options = registration["options"]
    for name, function in excel_functions().items():
        doc = inspect.getdoc(function) or ""
        assert name in options, name
        assert options[name]["Description"] == doc, name  # not cut at 255
        assert 0 < len(doc) <= 255, name
        assert options[name]["Category"] == "GPU Credit Desk", name
        params = list(inspect.signature(function).parameters)  # type: ignore[arg-type]
        helps = options[name]["ArgumentDescriptions"] or []
        assert len(helps) == len(params), name
        for param, text in zip(params, helps, strict=True):
            assert text, (name, param)
            assert not text.startswith("Positional argument"), (name, param)
            assert len(text) <= 255, (name, param)
