"""The parameter catalogue: every entry complete, and its rules as stated."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from addin.model.deal import KEY_SPECS, REQUIRED_KEYS
from addin.model.errors import InputError
from addin.model.params import NUMBER_KINDS, PARAMS, REQUIRED, param


@pytest.mark.parametrize("key", sorted(PARAMS))
def test_every_entry_has_unit_help_and_a_default_or_is_required(key: str) -> None:
    spec = PARAMS[key]
    assert spec.kind in (*NUMBER_KINDS, "choice", "text", "date", "deal"), key
    if spec.kind in NUMBER_KINDS:
        assert spec.unit, key
    assert 0 < len(spec.help) <= 255, key
    if spec.required or spec.default is None:  # None: empty allowed, decided elsewhere
        return
    if spec.kind in NUMBER_KINDS:
        assert spec.check(spec.default) == spec.default, key
    elif spec.kind == "choice":
        assert spec.default in spec.choices, key
    else:
        assert isinstance(spec.default, str), key


def test_deal_keys_are_catalogue_entries() -> None:
    for key, spec in KEY_SPECS.items():
        assert spec == param(key), key
        assert spec.group, key
    assert set(REQUIRED_KEYS) == {k for k, s in KEY_SPECS.items() if s.default is REQUIRED}


def test_allowed_states_bounds_with_open_and_closed_ends() -> None:
    assert param("annual_decline").allowed() == (
        "a number >= 0 and <= 0.99 (decimal per year, 0.30 = 30%)"
    )
    assert param("factor_corr").allowed() == "a number > -1 and < 1 (correlation)"
    assert param("max_months").allowed() == "a whole number >= 1 and <= 120 (months)"
    assert param("btc_drawdown").allowed() == "a number < 1 (decimal, 0.50 = a 50% fall)"
    assert param("dof").allowed() == "a number >= 1 and <= 1e6 (degrees of freedom)"
    assert param("copula").allowed() == "one of gaussian, t"


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [
        ("pue", [1.0, 3.0], [0.99, 3.01, float("nan"), True, "1.3"]),  # closed both ends
        ("pd", [1e-12, 0.5], [0.0, 1.0]),  # open both ends
        ("rate_per_period", [-0.99, 1.0], [-1.0, 1.01]),  # open below, closed above
        ("units", [1.0, 1e6], [0.5, 0.0]),
        ("max_months", [1.0, 120.0], [2.5, 121.0]),  # whole numbers
    ],
)
def test_check_accepts_inside_and_rejects_outside(key: str, good: list, bad: list) -> None:  # type: ignore[type-arg]
    spec = param(key)
    for value in good:
        assert spec.check(value) == value
    for value in bad:
        with pytest.raises(InputError, match=rf"^{key}: got .*; allowed: {spec.allowed()[:8]}"):
            spec.check(value)


def test_check_array_names_the_item() -> None:
    np.testing.assert_array_equal(param("rho").check_array([0.0, 0.9999]), [0.0, 0.9999])
    with pytest.raises(InputError, match=r"^rho item 2: got 1.0; allowed: a number >= 0"):
        param("rho").check_array([0.2, 1.0])
    with pytest.raises(InputError, match=r"^seed: got 1.5; allowed: a whole number"):
        param("seed").check_array(1.5)


def test_choose_matches_text_case_insensitively_and_numbers_by_value() -> None:
    assert param("method").choose(" Book ") == "book"
    assert param("periods_per_year").choose(4.0) == 4
    for bad in ("clayton", 1.0, True, None):
        with pytest.raises(InputError, match=r"^copula: got .*; allowed: one of gaussian, t"):
            param("copula").choose(bad)


def test_aliases_and_variants_keep_their_own_name() -> None:
    assert param("pd1") == dataclasses.replace(param("pd"), name="pd1")
    assert param("curve_years").name == "years"
    assert param("curve_years").high == 30.0 != param("years").high
    with pytest.raises(InputError, match=r"^pd2: got 0.0"):
        param("pd2").check(0.0)
