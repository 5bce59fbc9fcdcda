"""Nothing a cell holds breaks a function: every UDF, fuzzed with what Excel can pass.

Every Excel function of ``addin.excel.udfs`` is found generically (UPPER_SNAKE names wrapped by
the error decorator), so a new family is fuzzed without touching this file. Each call gets,
per argument, either anything a cell or range can hold (numbers, empty cells, empty and
other text, booleans, dates and Excel serials, NaN, infinities, huge and negative numbers,
1 x 1 ranges, ranges of any shape with blanks in the middle) or a plausible value for that
argument's name (a valid deal range with one key perturbed, columns of one length, ...),
so the calls also reach the analytics behind the validation.

Every call must return a finite number, a rectangular table of finite numbers, text and
dates, or one line of text; an error is one line starting "#VALUE! ", and never the
"internal error" line that means an unexpected exception was caught and logged.

CI runs thousands of calls per function (``HYPOTHESIS_PROFILE=ci``); locally a few
hundred. The count is printed at the end of the module.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import inspect
import math
import os
import resource
import signal
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from numbers import Real
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import addin.excel.udfs
from addin.excel import gallery

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = 2000 if CI else 150
CALLS: Counter[str] = Counter()
RESULTS: Counter[str] = Counter()  # calls that returned a result, not an error line

UDFS: dict[str, Callable[..., Any]] = {
    name: obj
    for name, obj in vars(addin.excel.udfs).items()
    if name.isupper() and inspect.isfunction(obj) and hasattr(obj, "__wrapped__")
}

# ---- what a cell can hold ----------------------------------------------------------------

with (ROOT / "addin" / "model" / "data" / "gpu_catalog.csv").open(encoding="utf-8") as _catalog:
    _lines = [line.split(",", 1) for line in _catalog.read().splitlines()]
MODELS = [*(name for name, _ in _lines[1:]), "h100 sxm", " B200 ", "H100", "GeForce"]
FIELDS = [*_lines[0][1].split(","), "price", "LAUNCH_PRICE_USD"]
OPTIONS = ["none", "book", "market", "economic", "gaussian", "t", "T", "Gaussian", "clayton"]
WORDS = [*MODELS, *FIELDS, *OPTIONS, "TRUE", "#N/A", "1.5", "0,30", "30%", "=A1", "annuity"]
SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-12, -1.0, 1e15]

scalars = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t"]),
    st.text(max_size=10),
    st.sampled_from(WORDS),
    st.booleans(),
    st.floats(),  # NaN, infinities, huge, tiny and negative numbers included
    st.floats(-10, 10),
    st.integers(-(10**6), 10**6).map(float),
    st.sampled_from(SPECIAL),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 12, 31)),
    st.integers(1, 2958465).map(float),  # Excel date serials
)


@st.composite
def ranges(draw: st.DrawFn, cells: st.SearchStrategy[Any] = scalars) -> Any:
    """A range as xlwings passes it: 2-D rows, or 1-D for one row/column (no ndim)."""
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    grid = [[draw(cells) for _ in range(cols)] for _ in range(rows)]
    if draw(st.booleans()) and (rows == 1 or cols == 1):
        return [c for row in grid for c in row]
    return grid


anything = st.one_of(scalars, scalars.map(lambda v: [[v]]), ranges())

# ---- plausible values by argument name ------------------------------------------------------


def _deal_rows(mapping: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for key, value in mapping.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        rows.append([key, value])
    return rows


VALID_DEALS = [
    _deal_rows(tomllib.loads(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "workbooks" / "examples").glob("*.toml"))
] + [_deal_rows(gallery.BRIDGE)]


@st.composite
def deal_ranges(draw: st.DrawFn) -> list[list[Any]]:
    """A valid deal range, as is or with one key perturbed, a blank row, an extra row..."""
    rows = copy.deepcopy(draw(st.sampled_from(VALID_DEALS)))
    index = draw(st.integers(0, len(rows) - 1))
    how = draw(st.sampled_from(["as is"] * 6 + ["value", "blank value", "blank row", "drop",
                                "unknown", "duplicate", "upper key", "third column", "scale"]))  # fmt: skip
    if how == "value":
        rows[index][1] = draw(scalars)
    elif how == "blank value":
        rows[index][1] = draw(st.sampled_from([None, ""]))
    elif how == "blank row":
        rows.insert(index, [None, None])
    elif how == "drop":
        del rows[index]
    elif how == "unknown":
        rows.insert(index, [draw(st.text(max_size=12)), draw(scalars)])
    elif how == "duplicate":
        rows.insert(index, list(rows[index]))
    elif how == "upper key":
        rows[index][0] = str(rows[index][0]).upper()
    elif how == "third column":
        rows = [[*row, draw(st.sampled_from([None, "", "USD", 1.0]))] for row in rows]
    elif how == "scale" and isinstance(rows[index][1], float):
        rows[index][1] *= draw(st.sampled_from([0.0, 0.5, 2.0, 10.0, 1e6, -1.0]))
    return rows


def numbers(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers in a plausible range, its edges, and tiny and huge positives."""
    edges = st.sampled_from([low, high, 5e-324, 1e-300, 1e-9, 1e300])
    return mostly(st.floats(low, high, exclude_min=True, exclude_max=True), edges)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` four times in five, else ``rare`` (one_of would weigh them alike)."""
    return st.integers(0, 4).flatmap(lambda k: rare if k == 0 else usual)


def column(cells: st.SearchStrategy[Any], n: int) -> st.SearchStrategy[Any]:
    """n values as a column range (2-D), sometimes with a blank or a text in the middle."""
    col = st.lists(cells, min_size=n, max_size=n).map(lambda v: [[x] for x in v])
    return mostly(col, st.tuples(col, scalars, st.integers(0, n)).map(_spoil))


def _spoil(parts: tuple[list[list[Any]], Any, int]) -> list[list[Any]]:
    col, value, at = parts
    out = [list(row) for row in col]
    out.insert(at, [value])
    return out


EVENTS = ["default", "payment default", "covenant default", "LTV breach", "lock-up", "crash", None]
SCENARIO_NAMES = ["2024 rent collapse", "btc -77%", "Blackwell launch", "capital scarcity",
                  "correlation convergence", "tulips", None]  # fmt: skip
# One argument name, one family of plausible values; names shared across families.
SHARES = ("annual_decline", "hardware_decline", "utilization", "impact", "pd", "pd1", "pd2",
          "lgd", "confidence", "btc_drawdown", "rent_decline",
          "expected_decline", "crypto_loading", "compute_loading", "p_stress")  # fmt: skip
PLAUSIBLE: dict[str, Callable[[int], st.SearchStrategy[Any]]] = {
    "deal": lambda n: deal_ranges(),
    "deal_range": lambda n: deal_ranges(),
    "deal_or_model": lambda n: st.one_of(deal_ranges(), st.sampled_from(MODELS)),
    "model": lambda n: st.sampled_from(MODELS),
    "field": lambda n: st.sampled_from(FIELDS),
    "method": lambda n: st.sampled_from(OPTIONS),
    "copula": lambda n: st.sampled_from(["gaussian", "t", "T", "Gaussian", None, "clayton"]),
    "periods_per_year": lambda n: st.sampled_from([12.0, 4.0, 2.0, 1.0, 3.0]),
    "max_months": lambda n: st.sampled_from([1.0, 6.0, 12.0, 120.0, 0.5]),
    "dof": lambda n: st.sampled_from([1.0, 2.0, 4.0, 30.0, 1e6, 0.5]),
    "years": lambda n: numbers(0, 30),
    "age_years": lambda n: numbers(0, 20),
    "horizon_years": lambda n: numbers(0, 10),
    "maturity": lambda n: numbers(0, 10),
    "threshold": lambda n: numbers(0, 3),
    "target_dscr": lambda n: numbers(0, 3),
    "rate_per_period": lambda n: numbers(-0.2, 0.5),
    "units": lambda n: numbers(0, 1e5),
    "unit_value": lambda n: numbers(0, 1e5),
    "market_absorption": lambda n: numbers(0, 1e4),
    "cfads": lambda n: column(numbers(-1e7, 1e7), n),
    "debt_service": lambda n: column(numbers(0, 1e7), n),
    "pds": lambda n: column(numbers(0, 1), n),
    "exposures": lambda n: column(numbers(0, 1e7), n),
    "lgds": lambda n: column(numbers(0, 1), n),
    "rho": lambda n: st.one_of(numbers(-0.1, 1.1), column(numbers(0, 1), n)),
    "factor": lambda n: numbers(-8, 8),
    "attach": lambda n: numbers(0, 0.5),
    "detach": lambda n: numbers(0.3, 1),
    "rent": lambda n: numbers(0, 10),
    "kw": lambda n: numbers(0, 2),
    "pue": lambda n: numbers(1, 3),
    "power_price": lambda n: numbers(0, 0.3),
    "factor_corr": lambda n: numbers(-1.1, 1.1),
    "btc_vol": lambda n: numbers(0, 2),
    "rent_vol": lambda n: numbers(0, 2),
    "paths": lambda n: st.sampled_from([2.0, 3.0, 16.0, 64.0, 100.0, 1.5, 0.0, 1e9]),
    "seed": lambda n: st.sampled_from([0.0, 1.0, 12345.0, 2.0**63, -1.0, 0.5]),
    "event": lambda n: st.sampled_from(EVENTS),
    "scenario": lambda n: st.sampled_from(SCENARIO_NAMES),
    **{name: (lambda n: numbers(0, 1)) for name in SHARES},
}


@st.composite
def arguments(draw: st.DrawFn, function: Callable[..., Any]) -> tuple[Any, ...]:
    """Arguments for one call, as many as Excel may pass (required ones up to all)."""
    params = list(inspect.signature(function).parameters.values())
    required = sum(p.default is inspect.Parameter.empty for p in params)
    count = draw(st.integers(required, len(params)))
    n = draw(st.integers(1, 8))  # one length for every column argument of the call
    tame = draw(st.booleans())  # half the calls: every argument plausible
    out = []
    for param in params[:count]:
        plausible = PLAUSIBLE.get(param.name, lambda n: numbers(0, 10))(n)
        wild = not tame and draw(st.integers(0, 2)) == 0  # else one in three: anything
        out.append(draw(anything if wild else plausible))
    return tuple(out)


# ---- what a function may return ------------------------------------------------------------


def _cell_ok(value: Any) -> bool:
    if isinstance(value, str):
        return "\n" not in value and "internal error" not in value
    if isinstance(value, dt.datetime | dt.date):
        return True
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def check_result(result: Any) -> None:
    """A finite number, a rectangular table of good cells, or one line of text."""
    if isinstance(result, str):
        assert "\n" not in result, result
        assert "Traceback" not in result, result
        assert "internal error" not in result, result  # an unexpected exception was caught
        if result.startswith("#"):
            assert result.startswith("#VALUE! "), result
            assert len(result) > len("#VALUE! "), result
        return
    if isinstance(result, list):
        assert result, result
        assert all(isinstance(row, list) and row for row in result), result
        assert len({len(row) for row in result}) == 1, "ragged table"
        bad = [cell for row in result for cell in row if not _cell_ok(cell)]
        assert not bad, bad
        return
    assert _cell_ok(result), repr(result)


HANG_SECONDS = 20  # a call that runs this long would freeze Excel: fail, don't hang CI
MEMORY_BYTES = 2 * 1024**3  # nor may one call take 2 GB more memory (Excel would crash)


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def guard(name: str, args: tuple[Any, ...]) -> Iterator[None]:
    """Fail a call that runs over HANG_SECONDS or allocates over MEMORY_BYTES (Linux)."""
    if not (hasattr(signal, "SIGALRM") and os.path.exists("/proc/self/statm")):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"{name}{args!r} ran over {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + MEMORY_BYTES, limits[1]))
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, limits)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def _report_calls(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:  # unexpected errors log here, not in ~
        patch.setenv("GPUCREDIT_LOG_DIR", str(tmp_path_factory.mktemp("log")))
        yield
    if not CALLS:  # the fuzz tests were deselected (-m "not slow")
        return
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        total = sum(CALLS.values())
        print(f"\nUDF fuzz: {total:,} calls over {len(CALLS)} functions "
              f"({'ci' if CI else 'local'} profile, {EXAMPLES} examples each)")  # fmt: skip
        print(f"  {'function':<28} {'calls':>7} {'results':>7}")
        for name, count in sorted(CALLS.items()):
            print(f"  {name:<28} {count:>7,} {RESULTS[name]:>7,}")


def test_every_excel_function_is_fuzzed() -> None:
    public = {n for n, o in vars(addin.excel.udfs).items() if n.isupper() and inspect.isfunction(o)}
    assert public == set(UDFS), "every UDF must carry the error decorator"
    assert {"DSCR_MIN", "ADDIN_VERSION"} <= set(UDFS)


@pytest.mark.slow
# Extreme inputs (5e-324, 1e308) overflow inside numpy on purpose; what matters is that
# the cell gets a finite number or a one-line error, which the test asserts.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(UDFS))
def test_no_cell_value_breaks_a_function(name: str) -> None:
    function = UDFS[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(args=arguments(function))
    def call(args: tuple[Any, ...]) -> None:
        CALLS[name] += 1
        with guard(name, args):
            result = function(*args)
        check_result(result)
        RESULTS[name] += not (isinstance(result, str) and result.startswith("#VALUE! "))

    call()
    if inspect.signature(function).parameters:
        assert CALLS[name] >= EXAMPLES  # hypothesis ran them all
