"""Starting is cheap: ``import addin`` and ``gpucredit --help`` load neither pandas nor scipy.

Each check runs in a fresh interpreter (the test process has long imported both) and
lists the heavy modules that were loaded. The wall time is measured, not asserted, by
``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

import addin

HEAVY = ("pandas", "scipy")
SCRIPT = """
import contextlib, io, json, sys
{code}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & {heavy})))
"""
STEPS = {
    "import addin": "import addin; addin.__version__",
    "build the CLI parser": "from addin.cli import build_parser; build_parser()",
    "gpucredit --help": (
        "from addin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    ),
    "gpucredit --version": (
        "from addin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])"
    ),
}


def heavy_modules_after(code: str) -> list[str]:
    """The heavy top-level modules a fresh interpreter holds after running ``code``."""
    script = SCRIPT.format(code=code, heavy=set(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("step", sorted(STEPS))
def test_starting_loads_neither_pandas_nor_scipy(step: str) -> None:
    assert heavy_modules_after(STEPS[step]) == [], step


def test_the_check_sees_a_heavy_import() -> None:
    """The probe itself works: a name that needs the analytics does load them."""
    assert heavy_modules_after("import addin; addin.min_dscr") == sorted(HEAVY)


def test_version_is_the_package_metadata() -> None:
    # pyproject.toml's version as installed, read independently of addin.version
    assert addin.__version__ == importlib.metadata.version("gpu-credit-desk")


def test_the_facade_lists_each_name_once_and_each_resolves() -> None:
    """``__all__``, the lazy table and the type checkers' imports name the same things."""
    import ast
    import inspect

    lazy = {name for names in addin._EXPORTS.values() for name in names}
    assert set(addin.__all__) == lazy | {"__version__"}
    assert len(addin.__all__) == len(set(addin.__all__))
    tree = ast.parse(inspect.getsource(addin))
    checked = next(node for node in tree.body if isinstance(node, ast.If))  # if TYPE_CHECKING
    typed = {
        (node.module, alias.name)
        for node in checked.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == {(module, name) for module, names in addin._EXPORTS.items() for name in names}
    for module, names in addin._EXPORTS.items():
        for name in names:
            value = getattr(addin, name)
            home = getattr(value, "__module__", module)  # a package re-exports its modules'
            assert home == module or home.startswith(module + "."), name


def test_the_issue_12_analytics_are_in_the_facade() -> None:
    # issue 12: events, coverage over the loan's life, the waterfall, floating rates,
    # period-exact rents, liquidation by the square-root law and the calibration inputs
    wanted = {
        "first_events", "min_llcr", "plcr", "contract_expiry_cliff", "waterfall",
        "deal_waterfall", "WaterfallTerms", "period_rates", "period_rent", "haircuts",
        "sale_terms", "used_gpu_prices", "successor_launches", "smooth_factor", "launch_ages",
    }  # fmt: skip
    assert wanted <= set(addin.__all__), wanted - set(addin.__all__)
