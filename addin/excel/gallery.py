"""The function gallery's cases: every Excel function at work on worked inputs.

The cases are plain data, used by the tests (classic, Lite and real Pyodide) and by
:mod:`addin.memo.gallery`, which writes them into ``workbooks/functions.xlsx``: one sheet
per family. Each case shows a function called on worked inputs, the result (an
array formula over a declared range when the result is a table), the expected value, a
check cell that is TRUE when they agree, and one line a credit officer can read. A
Summary sheet gathers every check.

The expected values below are literals. Each was derived by hand or from a closed form,
without the add-in's code; ``tests/excel/test_gallery.py`` re-derives every one of them
independently and then evaluates the whole workbook with the ``formulas`` engine, the
add-in's functions registered in it, and asserts every check cell is TRUE. The table
lives here, in the package, because ``gpucredit gallery`` writes it into the workbook.

Examples
--------
>>> sorted({case.sheet for case in CASES})
['Add-in', 'Collateral', 'Credit risk', 'DSCR', 'Default']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

from addin.version import VERSION

# Sheet of each function family, by name prefix (first match wins).
FAMILIES = (
    ("DSCR_FAN", "Credit risk"),
    ("LTV_FAN", "Credit risk"),
    ("DEAL_", "Credit risk"),
    ("DSCR", "DSCR"),
    ("GPU_", "Collateral"),
    ("LTV_", "Collateral"),
    ("DEFAULT_", "Default"),
    ("PORTFOLIO_", "Default"),
    ("TRANCHE_", "Default"),
    ("MINER_", "Default"),
    ("IRB_", "Default"),
    ("ADDIN_", "Add-in"),
)


@dataclass(frozen=True)
class Name:
    """A named range of the Deals sheet, passed to a function as Excel passes a range."""

    name: str


@dataclass(frozen=True)
class Case:
    """One worked call: ``function(*args)`` should give ``expected``.

    ``args`` items are numbers or text (one cell), 2-D lists (a range), :class:`Name` (a
    named range) or None (an empty cell: the argument's default). ``expected`` is a value
    or a 2-D list; "" means an empty cell. Numbers agree when
    ``|result - expected| <= tol x max(1, |expected|)``.
    """

    function: str
    args: tuple[Any, ...]
    expected: Any
    explain: str
    tol: float = 1e-9

    @property
    def sheet(self) -> str:
        return next(sheet for prefix, sheet in FAMILIES if self.function.startswith(prefix))


def _deal_rows(mapping: dict[str, Any]) -> list[list[Any]]:
    return [[key, value] for key, value in mapping.items()]


# ---- worked inputs ----------------------------------------------------------------------

# A 12-month bridge loan on 1,000 H100s, quarterly, annuity: small enough to check by hand.
BRIDGE = {
    "name": "Gallery bridge loan",
    "gpus": 1000,
    "start_date": dt.datetime(2026, 1, 1),
    "periods_per_year": 4,
    "market_rate": 2.0,
    "annual_decline": 0.3,
    "utilization": 0.8,
    "kw_per_gpu": 1.275,
    "pue": 1.3,
    "power_price": 0.08,
    "idle_power_share": 0.25,
    "opex_per_gpu_year": 2000,
    "loan_amount": 8_000_000,
    "interest_rate": 0.08,
    "tenor_years": 1,
    "amortization": "annuity",
    "unit_cost": 30_000,
    "gpu_age_years": 0.5,
    "market_absorption": 1500,
}

# The path engine's exact limit (issue 13): every volatility 0, no launch jumps, no offtaker
# default, so every simulated path is the deterministic one and PD is 0 or 1.
_STILL = {"rent_vol": 0.0, "launch_shock_vol": 0.0, "offtaker_pd": 0.0, "rate_vol": 0.0,
          "btc_vol": 0.0}  # fmt: skip
# The bridge loan's fleet on an interest-only bullet loan, GPUs bought at USD 5,000: its
# one path defaults in quarter 4 and the fire sale covers about half of what is owed.
BULLET = {**BRIDGE, "name": "Gallery bullet loan (no randomness)", "amortization": "bullet",
          "unit_cost": 5000, "discount_rate": 0.08, **_STILL}  # fmt: skip
# The bridge loan at flat rents, no randomness: it never defaults.
SAFE = {**BRIDGE, "name": "Gallery flat-rent loan (no randomness)", "annual_decline": 0.0,
        **_STILL}  # fmt: skip
# One monthly payment on a lognormal rent (90% a year): the Merton closed form of its PD.
MERTON = {"name": "Gallery one-payment loan", "gpus": 1000, "market_rate": 2.0,
          "annual_decline": 0.3, "utilization": 0.8, "kw_per_gpu": 1.275, "pue": 1.3,
          "power_price": 0.08, "idle_power_share": 0.25, "opex_per_gpu_year": 2000,
          "loan_amount": 700_000, "interest_rate": 0.09, "tenor_years": 1 / 12,
          "amortization": "bullet", "market_absorption": 1500, **_STILL,
          "rent_vol": 0.9}  # fmt: skip

DEALS: dict[str, list[list[Any]]] = {
    "Deal": _deal_rows(BRIDGE),
    "Bullet": _deal_rows(BULLET),
    "Safe": _deal_rows(SAFE),
    "Merton": _deal_rows(MERTON),
}

_HEADER = ["period", "date", "year", "market_rate", "revenue", "power_cost", "opex", "colocation",
           "cfads", "interest", "principal", "debt_service", "balance", "dscr", "dsra", "sweep",
           "trapped", "distributions", "arrears", "covenant_dscr", "ltv", "event"]  # fmt: skip

# ---- the cases: expected values derived in tests/excel/test_gallery.py -------------------------

_DEAL = Name("Deal")
_BULLET, _SAFE, _MERTON = Name("Bullet"), Name("Safe"), Name("Merton")
_FAN = ["period", "date", "p5", "p25", "p50", "p75", "p95"]
_SCENARIO = ["scenario", "description", "min_dscr", "first_default_period",
             "first_default_event", "loss", "lgd"]  # fmt: skip
_BOTH = "payment default; covenant default"
_BLACKWELL = ["Blackwell launch",
              "Rent 30% below trend from the start: a successor launch (illustrative).",
              0.128554116645899, 4, _BOTH, 5067027.87233408, 0.712562087837459]  # fmt: skip
# Three loans: PDs, exposures (USD) and LGDs as columns.
_PORTFOLIO = ([[0.02], [0.05], [0.10]], [[1e6], [2e6], [1e6]], [[0.5], [0.5], [0.5]])
_D = dt.datetime

# fmt: off
CASES: tuple[Case, ...] = (
    Case("DSCR_TABLE", (_DEAL,), [_HEADER,
        [1, _D(2026, 4, 1), 0.0, 1.91342357451292, 3352318.10254664, 246834.9, 500000.0, 0.0,
         2605483.20254664, 160000.0, 1940990.0213703, 2100990.0213703, 6059009.9786297,
         1.24012164553133, 0.0, 0.0, 0.0, 504493.181176336, 0.0, 1.24012164553133,
         0.234237050809692, ""],
        [2, _D(2026, 7, 1), 0.25, 1.75019174227215, 3066335.9324608, 246834.9, 500000.0, 0.0,
         2319501.03246081, 121180.199572594, 1979809.82179771, 2100990.0213703, 4079200.156832,
         1.10400383098821, 0.0, 0.0, 218511.011090505, 0.0, 0.0, 1.17206273825977,
         0.177742926223616, "lock-up"],
        [3, _D(2026, 10, 1), 0.5, 1.6008850186229, 2804750.55262733, 246834.9, 500000.0, 0.0,
         2057915.65262733, 81584.0031366399, 2019406.01823366, 2100990.0213703,
         2059794.13859834, 0.979498061245014, 0.0, 0.0, 175436.642347535, 0.0, 0.0,
         1.10787451258818, 0.0910430972923136, "lock-up"],
        [4, _D(2027, 1, 1), 0.75, 1.46431546952914, 2565480.70261505, 246834.9, 500000.0, 0.0,
         1818645.80261505, 41195.8827719667, 2059794.13859833, 2100990.0213703, 0.0,
         0.865613726917606, 0.0, 0.0, 0.0, 0.0, 106907.576407718, 1.04730931617054, 0.0,
         "payment default; covenant default; lock-up"]],
        "The bridge loan quarter by quarter: each quarter bills its average rent, falling 30% "
        "a year; the annuity payment does not fall, so coverage slides from 1.24x to 0.87x; "
        "the LTM test locks up cash from quarter 2, which pays part of quarter 4 before a "
        "payment default; the LTM DSCR then falls under the 1.05x default covenant.", tol=1e-8),
    Case("DSCR_COVENANTS", (_DEAL, None), [["event", "period", "date"],
        ["payment default", 4, _D(2027, 1, 1)], ["covenant default", 4, _D(2027, 1, 1)],
        ["LTV default", "none", ""], ["LTV breach", "none", ""],
        ["lock-up", 2, _D(2026, 7, 1)]],
        "First event of each kind: the LTM DSCR falls under 1.20x at the second test; in "
        "quarter 4 the trapped cash cannot cover debt service and the LTM DSCR falls under "
        "1.05x."),
    Case("DSCR_MIN", (_DEAL, None), 0.865613726917606,
         "Worst quarter's coverage at the deal's 30% yearly rent decline: the last one."),
    Case("DSCR_MIN", (_DEAL, 0.0), 1.31231708478165,
         "The same loan if rents never fell (the real-estate view): 1.31x, a comfortable loan."),
    Case("DSCR_AVG", (_DEAL, None), 1.04730931617054,
         "Average quarterly coverage: above 1x, which hides the last two quarters' shortfall."),
    Case("DSCR_LLCR", (_DEAL, None), 1.05039934568223,
         "CFADS over the loan's life, discounted at 2% a quarter, per dollar of loan."),
    Case("DSCR_BREAKEVEN_DECLINE", (_DEAL, 1.0), 0.211117896927435,
         "Rents may fall at most 21.1% a year before a quarter's cash no longer covers its "
         "payment.", tol=1e-6),
    Case("DSCR_FIRST_BREACH", (_DEAL, 1.2, None), [[2, _D(2026, 7, 1)]],
         "The 1.20x lock-up is first breached in quarter 2, paid on 1 July 2026."),
    Case("DSCR_FIRST_BREACH", (_DEAL, 1.0, 0.0), [["none", ""]],
         "At flat rents no quarter falls below 1.00x."),
    Case("DSCR_RENT_CURVE", (2.0, 0.3, 1, 4), [["period", "year", "market_rate"],
         [1, 0.0, 1.91342357451292], [2, 0.25, 1.75019174227215], [3, 0.5, 1.6008850186229],
         [4, 0.75, 1.46431546952914]],
         "A 2.00 USD/GPU-hour rent falling 30% a year, quarter by quarter: the average of "
         "2 x 0.7^t over each quarter."),
    Case("DSCR_RENT_CURVE", (2.0, 0.5, 2, 2, 1.0), [["period", "year", "market_rate"],
         [1, 0.0, 1.6902223771687], [2, 0.5, 1.19516770460923], [3, 1.0, 1.0], [4, 1.5, 1.0]],
         "Halving every year, with a 1.00 floor: the floor binds from year 1."),
    Case("DSCR_DEBT_CAPACITY", ([[1.2e6], [1.1e6], [-0.2e6], [1.0e6]], 0.01, 1.25),
         2581939.84856929,
         "Largest loan whose payments are each period's cash / 1.25 (none in a loss period), "
         "discounted at 1% a period."),
    Case("DSCR", ([[2.0e6, 2.2e6], [1.5e6, 1.0e6]], [[1.6e6, 2.0e6], [1.5e6, 0.0]]),
         [[1.25, 1.1], [1.0, ""]],
         "Coverage cell by cell; empty where nothing is due."),
    Case("GPU_SPEC", ("H100 SXM", "launch_price_usd"), 33600.0,
         "The catalog's launch price of an H100 SXM, USD (an estimate: see its sources)."),
    Case("GPU_SPEC", ("GB200", "cooling"), "liquid",
         "A GB200 needs liquid-cooled racks: fewer buyers in a fire sale."),
    Case("GPU_MODELS", (), "catalog",
         "The GPU catalog as shipped in addin/model/data/gpu_catalog.csv, one row per model."),
    Case("GPU_RESIDUAL", ("H100 SXM", 3.5, "book"), 14000.0,
         "Book value at 3.5 years: 33,600 x (1 - 3.5 / 6), straight line over 6 years."),
    Case("GPU_RESIDUAL", ("H100 SXM", 3.5, "market"), 20053.2266615625,
         "Market value 3.5 years after release: 33,600 x (0.85/0.9)^3.5 x 0.9^3 (H200, B200 "
         "and B300 launched since): inside the USD 15-28k used H100s traded at in 2026."),
    Case("GPU_RESIDUAL", (_DEAL, 2.0, "economic"), 6332.76841416867,
         "What a buyer renting the card out pays at age 2: PV at 8% of rent net of power and "
         "opex."),
    Case("GPU_RESIDUAL_CURVE", (_DEAL, 1.0), [
         ["age_years", "book_value", "market_value", "economic_value"],
         [0.5, 27500.0, 26239.2835268039, 17449.1203225664],
         [0.75, 26250.0, 25867.0007912301, 15030.9313770209],
         [1.0, 25000.0, 22950.0, 12864.6873383143],
         [1.25, 23750.0, 22624.3855916382, 10929.7819573769],
         [1.5, 22500.0, 22303.3909977833, 9207.3841078238]],
         "One GPU's three values quarter by quarter: the market steps down when Vera Rubin "
         "ships (July 2026); the economic value nets power and opex.",
         tol=1e-8),
    Case("GPU_ECONOMIC_LIFE", (2.0, 0.3, 1.275, 1.3, 0.08), 7.43797904803089,
         "Years until a 2.00 rent falling 30% a year no longer pays the card's power."),
    Case("GPU_LIQUIDATION", (10_000, 18_048, 2_000), [["net_proceeds", "recovery", "months"],
         [132574826.485228, 0.734567965897763, 5]],
         "Fire sale of 10,000 H100s, 2,000 trading a month, after 3 months of repossession and "
         "less 10% remarketing: 73% recovered.",
         tol=1e-8),
    Case("LTV_TABLE", (_DEAL,), [["period", "date", "year", "fleet_age_years", "balance",
         "book_value", "market_value", "economic_value", "liquidation_value",
         "liquidation_recovery", "liquidation_months", "ltv_book", "ltv_market",
         "ltv_economic", "ltv_liquidation"],
         [0, _D(2026, 1, 1), 0.0, 0.5, 8000000.0, 27500000.0, 26239283.5268039,
          17449120.3225664, 20611467.588256, 0.785519450910351, 2, 0.290909090909091,
          0.304886373586682, 0.4584758344324, 0.388133448806831],
         [1, _D(2026, 4, 1), 0.25, 0.75, 6059009.9786297, 26250000.0, 25867000.7912301,
          15030931.3770209, 20319032.2582247, 0.785519450910351, 2, 0.230819427757322,
          0.234237050809692, 0.403102763671229, 0.298193826439601],
         [2, _D(2026, 7, 1), 0.5, 1.0, 4079200.156832, 25000000.0, 22950000.0,
          12864687.3383143, 18027671.3983926, 0.785519450910351, 2, 0.16316800627328,
          0.177742926223616, 0.317085060021872, 0.22627437935194],
         [3, _D(2026, 10, 1), 0.75, 1.25, 2059794.13859834, 23750000.0, 22624385.5916382,
          10929781.9573769, 17771894.9471277, 0.785519450910351, 2, 0.086728174256772,
          0.0910430972923136, 0.188457020151999, 0.115901773262015],
         [4, _D(2027, 1, 1), 1.0, 1.5, 0.0, 22500000.0, 22303390.9977833, 9207384.1078238,
          17519747.4500176, 0.785519450910351, 2, 0.0, 0.0, 0.0, 0.0]],
         "The loan against the fleet's book, market, economic and fire-sale values each "
         "quarter: the annuity repays faster than the GPUs lose value.", tol=1e-8),
    Case("LTV_UNDERWATER", (_DEAL,), [["none", ""]],
         "The balance never exceeds what a fire sale of the fleet would fetch."),
    Case("LTV_DURATION_MISMATCH", (_DEAL,), [["wal_years", "half_life_years",
         "economic_life_years", "wal_to_half_life", "wal_to_economic_life"],
         [0.631187633564376, 4.49486652977413, 4.33396383744827, 0.140424110345295,
          0.145637494274988]],
         "The loan's average life (0.63 y) is well inside the GPUs' 4.5-year half-life and "
         "4.3-year economic life (net of power and opex).", tol=1e-8),
    Case("DEFAULT_JOINT", (0.02, 0.05, 0.3), 0.00338193420279262,
         "Both borrowers default (2% and 5% PDs, 30% asset correlation): 0.34%, not 0.10%."),
    Case("DEFAULT_JOINT", (0.02, 0.05, 0.3, "t", 4), 0.0065189180231128,
         "The same under a t copula with 4 degrees of freedom: fat tails double it."),
    Case("DEFAULT_CORR", (0.02, 0.05, 0.3), 0.0780647404521516,
         "Correlation of the two default events: far below the 30% asset correlation."),
    Case("DEFAULT_CONDITIONAL_PD", (0.02, 0.2, -2.0), 0.0974599964858897,
         "A 2% PD becomes 9.7% in a 1-in-44 bad year (common factor -2, 20% correlation)."),
    Case("DEFAULT_WCDR", (0.02, 0.1, 0.999), 0.128237107299423,
         "Vasicek: a large pool of 2% PDs loses at most 12.8% of names at 99.9% confidence."),
    Case("DEFAULT_TAIL_DEP", (0.5, 4), 0.253169995100323,
         "Under a t copula (4 dof, 50% correlation) one default in the far tail brings the "
         "other with 25% probability; the Gaussian copula says 0."),
    Case("PORTFOLIO_LOSS_DIST", (*_PORTFOLIO, 0.2), [["loss", "probability", "cumulative"],
         [0.0, 0.845247514507206, 0.845247514507206],
         [500000.0, 0.101289396959986, 0.946536911467192],
         [1000000.0, 0.0423836778576161, 0.988920589324808],
         [1500000.0, 0.0103743953759867, 0.999294984700795],
         [2000000.0, 0.000705015299205446, 1.0]],
         "Loss distribution of three loans (2%, 5%, 10% PDs, 50% LGD), 20% correlation.",
         tol=1e-8),
    Case("PORTFOLIO_EL", _PORTFOLIO, 110000.0,
         "Expected loss: sum of PD x exposure x LGD, whatever the correlation."),
    Case("PORTFOLIO_VAR", (0.99, *_PORTFOLIO, 0.2), 1500000.0,
         "99% value at risk: the loss not exceeded in 99 years out of 100."),
    Case("PORTFOLIO_ES", (0.99, *_PORTFOLIO, 0.2), 1535250.76496029,
         "99% expected shortfall: the average loss in the worst 1% of years.", tol=1e-8),
    Case("TRANCHE_EL", (0.1, 0.4, *_PORTFOLIO, 0.2), 0.0398474997360001,
         "A 10%-40% tranche of the three loans loses 4.0% of its notional on average.",
         tol=1e-8),
    Case("MINER_STRESS_PD", (0.03, 0.5, 0.3, 0.5, 0.6, 1, 0.45, 0.25, 0.3), 0.294431709187813,
         "A 3% PD miner when BTC halves and GPU rents fall 60% in a year (30% expected): 29%."),
    Case("IRB_RISK_WEIGHT", (0.01, 0.45, 2.5), 0.923168013920514,
         "Basel II corporate risk weight at 1% PD, 45% LGD, 2.5 years: 92.32% (BCBS 2006, "
         "Annex 5)."),
    Case("ADDIN_VERSION", (), VERSION,
         "The add-in version that computed this workbook."),
    Case("DEAL_PD", (_BULLET,), 1.0,
         "With no randomness every path is the plan: the bullet loan defaults in quarter 4 "
         "(its cash cannot repay 8m), so its PD is exactly 1."),
    Case("DEAL_PD", (_BULLET, 0.5), 0.0,
         "Nothing defaults in the first half year: PD by 0.5 years is 0."),
    Case("DEAL_PD", (_MERTON, None, 100_000), 0.2354142587467,
         "One monthly payment on a lognormal rent (90% a year): the simulated PD (100,000 "
         "paths) is the Merton closed form N(ln((DS + costs) / revenue) / (0.9 sqrt(1/12))) "
         "within about 3 standard errors (0.0011).", tol=0.004),
    Case("DEAL_LGD", (_BULLET,), 0.539537168647606,
         "At the default the fleet's fire sale (3 months' repossession, square-root impact, "
         "10% remarketing, discounted at 8%) recovers 46% of the 6.34m owed."),
    Case("DEAL_EL", (_BULLET,), 3421396.28904869,
         "Expected loss, USD: EAD x LGD on the one path, which every path follows."),
    Case("DEAL_RATING", (_BULLET,), "CCC/C",
         "A certain default is worse than any rating's historical default rate: CCC/C, the "
         "table's lowest bucket."),
    Case("DEAL_RATING", (_SAFE,), "AAA",
         "A loan that never defaults on any path: PD 0, AAA."),
    Case("DEAL_FAIR_MARGIN", (_BULLET,), 0.54590824683574,
         "The margin over 4% at which interest, quarter 4's cash and the recovery, discounted "
         "at 4%, are worth the loan: 54.6% a year, in closed form on the one path.",
         tol=1e-5),
    Case("DEAL_FAIR_MARGIN", (_SAFE,), 0.0,
         "A loan that never defaults needs no margin: its payments discounted at the base "
         "rate they earn are worth the loan.", tol=1e-5),
    Case("DEAL_RISK_TABLE", (_BULLET,), [
         ["year", "cumulative_pd", "cumulative_pd_se", "marginal_pd"], [1, 1.0, 0.0, 1.0]],
         "PD by year with its Monte Carlo standard error: 0 when every path is the same."),
    Case("DSCR_FAN", (_BULLET,), [_FAN,
         [1, _D(2026, 4, 1), *[16.2842700159165] * 5],
         [2, _D(2026, 7, 1), *[14.49688145288] * 5],
         [3, _D(2026, 10, 1), *[12.8619728289208] * 5],
         [4, _D(2027, 1, 1), *[0.222873260124393] * 5]],
         "DSCR percentiles per quarter: all equal without randomness; the bullet's last "
         "quarter owes 8.16m against 1.82m of cash.", tol=1e-6),
    Case("LTV_FAN", (_BULLET,), [_FAN,
         [1, _D(2026, 4, 1), *[1.85564613336517] * 5],
         [2, _D(2026, 7, 1), *[2.09150326797386] * 5],
         [3, _D(2026, 10, 1), *[2.12160457598196] * 5],
         [4, _D(2027, 1, 1), *[0.0] * 5]],
         "LTV against the fleet's market value on each path: 8m owed on GPUs worth about "
         "4m, and a step down when Vera Rubin ships in July 2026.", tol=1e-6),
    Case("DEAL_BREACH_PROB", (_BULLET, "covenant default"), 1.0,
         "The LTM DSCR falls under 1.05x in quarter 4 on every path."),
    Case("DEAL_BREACH_PROB", (_BULLET, "ltv breach"), 0.0,
         "No max_ltv covenant: never an LTV breach."),
    Case("DEAL_SCENARIO", (_BULLET,), [_SCENARIO,
         ["2024 rent collapse",
          "Market rent -75% over 18 months, then on the deal's trend (H100 2023-24).",
          0.0954884435493271, 4, _BOTH, 5643940.61733494, 0.764677227666799],
         ["BTC -77%", "BTC -77% over 12 months, then flat (Nov 2021 - Nov 2022).",
          0.222873260124393, 4, _BOTH, 3421396.28904869, 0.539537168647606],
         _BLACKWELL,
         ["capital scarcity", "Base rate +300 bp from the first month.",
          0.222873260124393, 4, _BOTH, 3421396.28904869, 0.539537168647606],
         ["correlation convergence",
          "Rent -40% and BTC -60% over 12 months, base rate +200 bp, offtaker default in "
          "month 12 (illustrative).",
          0.105436792421664, 4, _BOTH, 5470366.97679831, 0.749402729983223]],
         "Every named stress as one path through the waterfall: the rent shocks cut the "
         "cash and the collateral together; BTC and the base rate do not touch a fixed-rate "
         "loan without mining.", tol=1e-6),
    Case("DEAL_SCENARIO", (_BULLET, "Blackwell launch"), [_SCENARIO, _BLACKWELL],
         "One scenario: rent 30% below plan for the life.", tol=1e-6),
)
# fmt: on


def _catalog_table() -> list[list[Any]]:
    """The catalog file as Excel shows it: numbers as numbers, the rest as text."""
    text = resources.files("addin.model").joinpath("data", "gpu_catalog.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    out: list[list[Any]] = [rows[0]]
    for row in rows[1:]:
        cells: list[Any] = []
        for cell in row:
            try:
                cells.append(float(cell))
            except ValueError:
                cells.append(cell)
        out.append(cells)
    return out


# The catalog case's expected table is the data file itself, read here with csv.
CASES = tuple(
    Case(c.function, c.args, _catalog_table(), c.explain, c.tol) if c.expected == "catalog" else c
    for c in CASES
)
