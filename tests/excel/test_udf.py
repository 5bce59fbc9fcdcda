"""The @udf decorator, and the Excel arguments agreeing with the analytics through the catalogue."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import addin.analytics
import addin.excel.udfs
import addin.sim
from addin.excel import gallery
from addin.excel.udf import MAX_HELP, udf, udf_args
from addin.model.params import Param, param


def excel_functions() -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(addin.excel.udfs).items()
        if name.isupper() and inspect.isfunction(obj)
    }


#: The engines behind the Excel functions: the analytics and the path engine.
ENGINES = (addin.analytics, addin.sim)


def analytics_parameters() -> dict[str, set[str]]:
    """Each parameter name of a public engine function, and the functions that take it."""
    found: dict[str, set[str]] = {}
    for package in ENGINES:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if name.startswith("_") or not inspect.isfunction(obj):
                    continue
                if obj.__module__ != module.__name__:
                    continue
                for parameter in inspect.signature(obj).parameters:
                    found.setdefault(parameter, set()).add(f"{module.__name__}.{name}")
    return found


def rule(spec: Param) -> tuple[Any, ...]:
    return (spec.kind, spec.low, spec.high, spec.low_open, spec.high_open, spec.choices)


def _recorded(monkeypatch: pytest.MonkeyPatch, log: list[Param]) -> None:
    """Record every catalogue check the engines make (not the Excel layer's own)."""
    engines = tuple(package.__name__ for package in ENGINES)
    for method in ("check", "check_array", "choose"):
        original = getattr(Param, method)

        def spy(self: Param, value: Any, name: str | None = None, _f: Any = original) -> Any:
            if sys._getframe(1).f_globals["__name__"].startswith(engines):
                log.append(self if name is None else self.named(name))
            return _f(self, value, name)

        monkeypatch.setattr(Param, method, spy)


def _cells(value: Any) -> Any:
    return gallery.DEALS[value.name] if isinstance(value, gallery.Name) else value


def test_udf_arguments_sharing_a_name_with_the_analytics_have_their_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run every gallery case; each argument named like a parameter of the analytics or the
    path engine must be checked by them with the same rule as the Excel layer's."""
    shared = analytics_parameters()
    functions = excel_functions()
    checked: set[tuple[str, str]] = set()
    expected: set[tuple[str, str]] = set()
    for case in gallery.CASES:
        function = functions[case.function]
        log: list[Param] = []
        with monkeypatch.context() as patch:
            _recorded(patch, log)
            function(*(_cells(a) for a in case.args))
        for arg in udf_args(function):
            if arg.name not in shared or arg.spec.kind in ("deal", "text"):  # text: the catalog
                continue
            expected.add((case.function, arg.name))
            for spec in log:
                if spec.name == arg.name:
                    assert rule(spec) == rule(arg.spec), (case.function, arg.name, shared[arg.name])
                    checked.add((case.function, arg.name))
    # every shared argument is checked by the analytics in some gallery case (dof is
    # checked only for the t copula, which not every function's case uses)
    assert {name for _, name in expected} == {name for _, name in checked}
    assert len(checked) >= 40


def test_every_argument_has_generated_help_with_unit_bounds_and_default() -> None:
    for name, function in excel_functions().items():
        for arg in udf_args(function):
            text = arg.help()
            assert 0 < len(text) <= MAX_HELP, (name, arg.name)
            if arg.spec.kind in ("number", "int"):
                assert f"Allowed: {arg.spec.allowed()}." in text, (name, arg.name)
                assert arg.spec.unit in text, (name, arg.name)
            if not arg.required:
                assert "Empty: " in text or arg.spec.default is None, (name, arg.name)


def test_help_of_an_optional_number() -> None:
    (_, decline) = udf_args(addin.excel.udfs.DSCR_MIN)
    assert decline.help() == (
        "Yearly fall in the market rent: rent(t) = market_rate x (1 - decline)^t. "
        "Allowed: a number >= 0 and <= 0.99 (decimal per year, 0.30 = 30%). "
        "Empty: the deal's annual_decline."
    )
    (*_, floor) = udf_args(addin.excel.udfs.DSCR_RENT_CURVE)
    assert floor.help().endswith("Allowed: a number >= 0 (USD per GPU-hour). Empty: 0.")


def _demo() -> Iterator[Any]:
    @udf(columns=("pds",))
    def DEMO(pue, pds, copula=None, max_months=None):
        """A demo. =DEMO(1.3, PDs)"""
        return [[pue, float(pds.sum()), copula, max_months]]

    yield DEMO


def test_the_function_gets_converted_values_and_defaults() -> None:
    (demo,) = _demo()
    assert demo([[1.3]], [[0.25], [0.5]], " T ", 6.0) == [[1.3, 0.75, "t", 6]]
    assert demo(1.3, 0.25) == [[1.3, 0.25, "gaussian", 12]]  # omitted: catalogue defaults
    assert demo(1.3, 0.25, "", None) == [[1.3, 0.25, "gaussian", 12]]  # empty cells
    assert inspect.signature(demo) == inspect.signature(inspect.unwrap(demo))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 0.25), "#VALUE! pue: is required but empty; allowed: a number >= 1 and <= 3"),
        ((0.9, 0.25), "#VALUE! pue: got 0.9; allowed: a number >= 1 and <= 3 (ratio)"),
        ((1.3, [[0.1], [1.5]]), "#VALUE! pds item 2: got 1.5; allowed: a number >= 0"),
        ((1.3, 0.1, "clayton"), "#VALUE! copula: got 'clayton'; allowed: one of gaussian, t"),
        ((1.3, 0.1, None, 2.5), "#VALUE! max_months: got 2.5; allowed: a whole number"),
        ((1.3, 0.1, None, [[1.0, 2.0]]), "#VALUE! max_months: got 'a range of 1 x 2 cells'"),
    ],
)
def test_bad_cells_give_one_line_naming_the_argument(args: tuple, message: str) -> None:  # type: ignore[type-arg]
    (demo,) = _demo()
    assert demo(*args).startswith(message)


def test_arguments_must_be_plain_unannotated_and_in_the_catalogue() -> None:
    with pytest.raises(TypeError, match=r"DEMO: pue must be unannotated"):

        @udf()
        def DEMO(pue: float) -> float:
            return pue

    with pytest.raises(TypeError, match=r"DEMO2: pue must be a plain positional argument"):

        @udf()
        def DEMO2(*, pue=None):
            return pue

    with pytest.raises(TypeError, match=r"DEMO3: no argument named \['pds'\]"):

        @udf(columns=("pds",))
        def DEMO3(pue):
            return pue

    with pytest.raises(KeyError, match=r"no_such_input"):

        @udf()
        def DEMO4(no_such_input):
            return no_such_input

    assert param("pue").name == "pue"
