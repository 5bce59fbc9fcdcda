"""Independent derivations of the gallery's expected values (see addin/excel/gallery.py).

Every value here comes from the model's stated conventions (README, issue texts, the
papers cited) worked out by hand with plain arithmetic, ``math`` and scipy (the normal
and t distributions, quadrature); no code of the add-in is called. ``DERIVATIONS`` lists them in the order of
``addin.excel.gallery.CASES``; tests/excel/test_gallery.py checks each literal in the gallery against
them. ``uv run python -m tests.excel.gallery_derivations`` prints them, to paste when a case
is added.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scipy import integrate, optimize, special, stats

CATALOG = Path(__file__).resolve().parents[2] / "addin" / "model" / "data" / "gpu_catalog.csv"

# ---- DSCR family: the gallery's bridge loan ------------------------------------------
# 1,000 GPUs, quarterly (p = 4), h = 8760 / 4 = 2190 hours a period, t_k = (k - 1) / 4,
# rent r_k = the average of 2.00 x 0.70^t over quarter k (issue 12), billed share
# b = utilization = 0.80 (no contract), no colocation.
GPUS, P, H, R0, D, U = 1000, 4, 8760 / 4, 2.0, 0.30, 0.80
KW, PUE, PRICE, IDLE, OPEX_YEAR = 1.275, 1.3, 0.08, 0.25, 2000.0
LOAN, RATE, N = 8_000_000.0, 0.08, 4
RATE_Q = RATE / P
START = dt.datetime(2026, 1, 1)

POWER = GPUS * KW * PUE * H * PRICE * (U + IDLE * (1 - U))  # USD a period, constant
OPEX = GPUS * OPEX_YEAR / P
PAYMENT = LOAN * RATE_Q / (1 - (1 + RATE_Q) ** -N)  # annuity, no balloon


def rent(k: int, decline: float = D) -> float:
    """Average of R0 (1 - decline)^t over quarter k, by quadrature (issue 12's definition)."""
    start = (k - 1) / P
    return P * integrate.quad(lambda t: R0 * (1 - decline) ** t, start, start + 1 / P,
                              epsabs=0.0, epsrel=1e-13)[0]  # fmt: skip


def cfads(k: int, decline: float = D) -> float:
    return GPUS * U * H * rent(k, decline) - POWER - OPEX


def schedule(decline: float = D) -> list[list[Any]]:
    rows, balance = [], LOAN
    for k in range(1, N + 1):
        interest = balance * RATE_Q
        principal = PAYMENT - interest
        balance -= principal
        revenue = GPUS * U * H * rent(k, decline)
        date = dt.datetime(START.year + (3 * k) // 12, 1 + (3 * k) % 12, 1)  # quarter's end
        rows.append([k, date, (k - 1) / P, rent(k, decline), revenue, POWER, OPEX, 0.0,
                     cfads(k, decline), interest, principal, PAYMENT, balance,
                     cfads(k, decline) / PAYMENT])  # fmt: skip
    return rows


def waterfall_rows(decline: float = D) -> list[list[Any]]:
    """The schedule with the waterfall's columns, by the README's waterfall rules.

    No DSRA, no sweep, no LTV covenant; lock-up 1.20x and default 1.05x on the LTM DSCR
    (CFADS / debt service summed since close in the first year) tested every quarter.
    Cash left after debt service is paid out unless the last test locks it up; trapped cash
    pays debt service first; what it cannot pay is arrears (a payment default).
    """
    rows, trapped, arrears, cf_sum = [], 0.0, 0.0, 0.0
    for row in schedule(decline):
        k, cash, balance = row[0], row[HEADER.index("cfads")], row[HEADER.index("balance")]
        cf_sum += cash
        cover = cf_sum / (k * PAYMENT)  # LTM: k quarters so far, level payment
        locked = cover < 1.20
        due = PAYMENT + arrears * (1 + RATE_Q)
        from_trap = min(trapped, max(due - cash, 0.0))
        trapped -= from_trap
        arrears = max(due - cash - from_trap, 0.0)
        excess = max(cash - due, 0.0)
        if locked:
            trapped, give = trapped + excess, 0.0
        else:
            trapped, give = 0.0, excess + trapped
        events = (["payment default"] * (arrears > 0) + ["covenant default"] * (cover < 1.05)
                  + ["lock-up"] * locked)  # fmt: skip
        ltv = (0.0 if k == N else balance) / (GPUS * market(COST, AGE0 + k / P))  # repaid
        rows.append([*row, 0.0, 0.0, trapped, give, arrears, cover, ltv, "; ".join(events)])
    return rows


def covenants() -> list[list[Any]]:
    rows = waterfall_rows()
    table: list[list[Any]] = [["event", "period", "date"]]
    for name in ("payment default", "covenant default", "LTV default", "LTV breach", "lock-up"):
        hits = [row for row in rows if name in row[-1].split("; ")]
        table.append([name, hits[0][0], hits[0][1]] if hits else [name, "none", ""])
    return table


def dscrs(decline: float = D) -> list[float]:
    return [cfads(k, decline) / PAYMENT for k in range(1, N + 1)]


def first_breach(threshold: float, decline: float) -> list[list[Any]]:
    for row in schedule(decline):
        if row[-1] < threshold:
            return [[row[0], row[1]]]
    return [["none", ""]]


def breakeven() -> float:
    # Debt service is level, rent falls: the last period binds. Solve CFADS_n(d) = P, i.e.
    # GPUS U H x (average rent of the last quarter at d) = P + power + opex.
    return float(optimize.brentq(lambda d: cfads(N, d) - PAYMENT, 0.0, 0.99, xtol=1e-14))


def llcr() -> float:
    return sum(cfads(k) / (1 + RATE_Q) ** k for k in range(1, N + 1)) / LOAN


def rent_curve(rate: float, decline: float, years: float, per_year: int, floor: float) -> list:
    rows: list[list[Any]] = [["period", "year", "market_rate"]]
    for k in range(1, round(years * per_year) + 1):
        t = (k - 1) / per_year
        average = per_year * integrate.quad(
            lambda s: max(floor, rate * (1 - decline) ** s), t, t + 1 / per_year,
            points=[math.log(floor / rate) / math.log(1 - decline)] if floor > 0 else None,
            epsabs=0.0, epsrel=1e-13,
        )[0]  # fmt: skip
        rows.append([k, t, average])
    return rows


CAPACITY_CFADS = [1.2e6, 1.1e6, -0.2e6, 1.0e6]


def debt_capacity() -> float:
    # Sculpted: DS_k = max(CFADS_k, 0) / 1.25, loan = sum DS_k / 1.01^k.
    return sum(max(c, 0) / 1.25 / 1.01**k for k, c in enumerate(CAPACITY_CFADS, start=1))


# ---- Collateral family: the same deal's GPUs (issue 3's definitions) ------------------
COST, AGE0, LIFE = 30_000.0, 0.5, 6.0
# Market value (issue 12): trend 15% a year, a 10% step at each launch of the H100's line,
# then one a year; the smooth part is the trend net of the average step (no double count).
SHOCK, GEN_YEARS, HW_DECLINE = 0.10, 1.0, 0.15
SMOOTH = (1 - HW_DECLINE) / (1 - SHOCK) ** (1 / GEN_YEARS)
# The H100 SXM and its successors: catalog release dates (H200, B200, B300), then the
# announced Vera Rubin (H2 2026) and Rubin Ultra (H2 2027), taken as July.
H100_LINE = [dt.date(2022, 9, 20), dt.date(2024, 4, 1), dt.date(2024, 11, 15),
             dt.date(2025, 8, 1), dt.date(2026, 7, 1), dt.date(2027, 7, 1)]  # fmt: skip
# Fire sale (square-root law): V = 1,500 a month, Y = 1, sigma = 25% / sqrt(12) a month,
# permanent 0.3 sigma per V sold, 3 months of repossession, 10% remarketing.
ABSORPTION, IMPACT, MAX_HAIRCUT, MAX_MONTHS = 1500.0, 1.0, 0.9, 12
SIGMA, PERMANENT, REPOSSESSION, REMARKETING = 0.25 / math.sqrt(12), 0.3, 3, 0.10
C_HOUR = KW * PUE * PRICE * (U + IDLE * (1 - U))  # power per GPU-hour, USD
C_ALL = C_HOUR + OPEX_YEAR / 8760  # power and opex per GPU-hour, USD (issue 12)


def launch_ages(bought: dt.date) -> list[float]:
    """Ages (years since purchase) at each launch of the H100's line."""
    return [(day - bought).days / 365.25 for day in H100_LINE]


DEAL_LAUNCHES = [a + AGE0 for a in launch_ages(START.date())]  # age 0.5 at the start
MODEL_LAUNCHES = launch_ages(H100_LINE[0])  # a model name: bought new at its release


def catalog(model: str, field: str) -> str:
    with CATALOG.open(encoding="utf-8") as file:
        return next(row[field] for row in csv.DictReader(file) if row["name"] == model)


def book(cost: float, age: float) -> float:  # straight line to 0 over 6 years
    return cost * (1 - min(age, LIFE) / LIFE)


def market(cost: float, age: float, launches: list[float] = DEAL_LAUNCHES) -> float:
    """cost x SMOOTH^age x 0.9^(launches in (0, age]), one a year after the last known."""
    steps = sum(1 for a in launches if 0 < a <= age)
    k = 1
    while launches[-1] + k * GEN_YEARS <= age:
        steps += launches[-1] + k * GEN_YEARS > 0
        k += 1
    return cost * SMOOTH**age * (1 - SHOCK) ** steps


def economic(t: float) -> float:
    """PV at 8%/year of quarterly rent net of power and opex from t years after the start."""
    return sum(
        H * max(R0 * (1 - D) ** (t + (k - 1) / P) * U - C_ALL, 0) * (1 + RATE) ** (-k / P)
        for k in range(1, 15 * P + 1)
    )


def liquidation(units: float, value: float, absorption: float, rate: float) -> tuple:
    """Best sale over m = 1..12 months of units/m a month after 3 months: (net, recovery, m)."""
    best: tuple[float, int] = (-math.inf, 0)
    for m in range(1, MAX_MONTHS + 1):
        q = units / m
        net = 0.0
        for j in range(1, m + 1):
            cut = min(MAX_HAIRCUT, IMPACT * SIGMA * math.sqrt(q / absorption)
                      + PERMANENT * SIGMA * (j - 1) * q / absorption)  # fmt: skip
            month = REPOSSESSION + j
            price = value * (1 - HW_DECLINE) ** (month / 12) * (1 - cut)
            net += (1 - REMARKETING) * q * price * (1 + rate) ** (-month / 12)
        if net > best[0]:
            best = (net, m)
    return best[0], best[0] / (units * value), best[1]


def ltv_rows() -> list[list[Any]]:
    rows = [["period", "date", "year", "fleet_age_years", "balance", "book_value",
             "market_value", "economic_value", "liquidation_value", "liquidation_recovery",
             "liquidation_months", "ltv_book", "ltv_market", "ltv_economic",
             "ltv_liquidation"]]  # fmt: skip
    balances = [LOAN] + [row[HEADER.index("balance")] for row in schedule()]
    for k, balance in enumerate(balances):
        balance = 0.0 if k == N else balance  # the loan is repaid in full
        age = AGE0 + k / P
        fleet_book, fleet_market = GPUS * book(COST, age), GPUS * market(COST, age)
        fleet_economic = GPUS * economic(k / P)
        net, recovery, months = liquidation(GPUS, market(COST, age), ABSORPTION, RATE)
        date = START if k == 0 else schedule()[k - 1][1]
        rows.append([k, date, k / P, age, balance, fleet_book, fleet_market, fleet_economic,
                     net, recovery, months, balance / fleet_book, balance / fleet_market,
                     balance / fleet_economic, balance / net])  # fmt: skip
    return rows


def underwater() -> list[list[Any]]:
    for row in ltv_rows()[1:]:
        if row[4] > row[8]:
            return [[row[0], row[1]]]
    return [["none", ""]]


def half_life_from(age: float) -> float:
    """First tau >= 0 with market(age + tau) <= market(age) / 2, by bisection on a grid."""
    half, lo, hi = market(COST, age) / 2, 0.0, 0.0
    while market(COST, age + hi) > half:
        lo, hi = hi, hi + 1 / 64
    for _ in range(200):  # value is non-increasing: bisect the first crossing
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if market(COST, age + mid) > half else (lo, mid)
    return hi


def duration_mismatch() -> list[list[Any]]:
    principal = [row[HEADER.index("principal")] for row in schedule()]
    wal = sum((k / P) * x for k, x in enumerate(principal, start=1)) / sum(principal)
    half = half_life_from(AGE0)
    life = math.log(C_ALL / (R0 * U)) / math.log(1 - D)
    header = ["wal_years", "half_life_years", "economic_life_years", "wal_to_half_life",
              "wal_to_economic_life"]  # fmt: skip
    return [header, [wal, half, life, wal / half, wal / life]]


def economic_life(rent: float, decline: float, kw: float, pue: float, price: float) -> float:
    c = kw * pue * price * (U + IDLE * (1 - U))
    return math.log(c / (rent * U)) / math.log(1 - decline)


def catalog_table() -> list[list[Any]]:
    """Every row of the catalog file: numbers as floats, the rest (dates too) as text."""
    with CATALOG.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    header = list(rows[0])
    out: list[list[Any]] = [header]
    for row in rows:
        cells: list[Any] = []
        for key in header:
            value = row[key]
            if value.replace(".", "", 1).isdigit():
                cells.append(float(value))
            else:
                cells.append(value)
        out.append(cells)
    return out


HEADER = ["period", "date", "year", "market_rate", "revenue", "power_cost", "opex", "colocation",
          "cfads", "interest", "principal", "debt_service", "balance", "dscr", "dsra", "sweep",
          "trapped", "distributions", "arrears", "covenant_dscr", "ltv", "event"]  # fmt: skip


# ---- Correlated default family (issue 4's definitions) ---------------------------------
PHI, PHI_INV = special.ndtr, special.ndtri  # the standard normal CDF and its inverse


def density(m: float) -> float:
    return math.exp(-m * m / 2) / math.sqrt(2 * math.pi)


PDS, EXPOSURES, LGDS, RHO = [0.02, 0.05, 0.10], [1e6, 2e6, 1e6], [0.5, 0.5, 0.5], 0.2
QUAD = {"epsabs": 1e-13, "epsrel": 1e-13, "limit": 200}  # quadrature tolerances


def cond_pd(pd: float, rho: float, m: float) -> float:
    return float(PHI((PHI_INV(pd) - math.sqrt(rho) * m) / math.sqrt(1 - rho)))


def joint_gaussian(p1: float, p2: float, rho: float, tol: float = 1e-13) -> float:
    """P(both default): one factor with loadings sqrt(rho), integrated over it."""
    integrand = lambda m: density(m) * cond_pd(p1, rho, m) * cond_pd(p2, rho, m)  # noqa: E731
    return float(integrate.quad(integrand, -12, 12, epsabs=tol, epsrel=tol, limit=200)[0])


def joint_t(p1: float, p2: float, rho: float, dof: float) -> float:
    """The t copula: X = sqrt(dof / V) (Gaussian X), V chi-squared; thresholds t^-1(p)."""
    t1, t2 = stats.t.ppf(p1, dof), stats.t.ppf(p2, dof)

    def given_v(v: float) -> float:
        scale = math.sqrt(v / dof)  # Gaussian thresholds t_i sqrt(V / dof)
        return joint_gaussian(float(PHI(t1 * scale)), float(PHI(t2 * scale)), rho, 1e-12)

    inner = lambda v: stats.chi2.pdf(v, dof) * given_v(v)  # noqa: E731
    return float(integrate.quad(inner, 0, 200, epsabs=1e-11, epsrel=1e-9, limit=200)[0])


def loss_distribution() -> list[tuple[float, float]]:
    """Every default set of the three obligors, its loss and probability, by quadrature."""
    out: dict[float, float] = {}
    for mask in range(8):
        defaults = [(mask >> i) & 1 for i in range(3)]
        loss = sum(e * g * d for e, g, d in zip(EXPOSURES, LGDS, defaults, strict=True))

        def integrand(m: float, defaults: list[int] = defaults) -> float:
            prob = density(m)
            for pd, d in zip(PDS, defaults, strict=True):
                p = cond_pd(pd, RHO, m)
                prob *= p if d else 1 - p
            return float(prob)

        out[loss] = out.get(loss, 0.0) + integrate.quad(integrand, -12, 12, **QUAD)[0]
    return sorted(out.items())


def loss_table() -> list[list[Any]]:
    rows: list[list[Any]] = [["loss", "probability", "cumulative"]]
    total = 0.0
    for loss, prob in loss_distribution():
        total += prob
        rows.append([loss, prob, total])
    return rows


def var(q: float) -> float:
    return next(row[0] for row in loss_table()[1:] if row[2] >= q - 1e-12)


def expected_shortfall(q: float) -> float:
    """Mean of the worst (1 - q) of outcomes: the tail beyond VaR plus part of its atom."""
    level = var(q)
    rows = loss_table()[1:]
    beyond = sum(loss * p for loss, p, _ in rows if loss > level)
    at_var = next(c for loss, _, c in rows if loss == level) - q
    return (beyond + level * at_var) / (1 - q)


def tranche(attach: float, detach: float) -> float:
    total = sum(EXPOSURES)
    width = (detach - attach) * total
    return (
        sum(min(max(loss - attach * total, 0), width) * p for loss, p in loss_distribution())
        / width
    )


def irb(pd: float, lgd: float, maturity: float) -> float:
    """Basel II corporate: BCBS (2006) para. 272, without the 1.06 scaling factor."""
    weight = (1 - math.exp(-50 * pd)) / (1 - math.exp(-50))
    r = 0.12 * weight + 0.24 * (1 - weight)
    b = (0.11852 - 0.05478 * math.log(pd)) ** 2
    k = lgd * (PHI((PHI_INV(pd) + math.sqrt(r) * PHI_INV(0.999)) / math.sqrt(1 - r)) - pd)
    return float(12.5 * k * (1 + (maturity - 2.5) * b) / (1 - 1.5 * b))


def miner() -> float:
    """PD given BTC -50% and rent -60% in a year (expected -30%), loadings 0.5 and 0.3."""
    c = math.log(1 - 0.5) / (0.45 * math.sqrt(1))
    r = math.log((1 - 0.6) / (1 - 0.30) ** 1) / (0.25 * math.sqrt(1))
    s = math.sqrt(1 - 0.5**2 - 0.3**2)
    return float(PHI((PHI_INV(0.03) - 0.5 * c - 0.3 * r) / s))


def residual_curve() -> list[list[Any]]:
    rows: list[list[Any]] = [["age_years", "book_value", "market_value", "economic_value"]]
    for k in range(5):  # one year of quarters from the deal's start
        age = AGE0 + k / P
        rows.append([age, book(COST, age), market(COST, age), economic(k / P)])
    return rows


H100_PRICE = float(catalog("H100 SXM", "launch_price_usd"))

# ---- Credit risk family: the path engine's deterministic limits (issue 13) ---------------
# With every volatility 0, no launch jumps and no offtaker default, every simulated path is
# the deterministic one: PD is 0 or 1 and LGD, EL, fans and scenarios follow from the
# README's waterfall rules by hand. "Bullet": the bridge loan's fleet, interest only
# (8,000,000 at 8%: 160,000 a quarter) and all principal in quarter 4, on GPUs that cost
# USD 5,000 (so the fire sale does not cover the loan), recoveries discounted at 8%.
# "Safe": the bridge loan at flat rents. "Merton": one monthly payment on a lognormal rent.
BULLET_COST, BULLET_DISCOUNT, REFERENCE_RATE = 5000.0, 0.08, 0.04  # base of a fixed-rate deal
INTEREST_Q = LOAN * RATE_Q
BULLET_DUE = [INTEREST_Q] * (N - 1) + [INTEREST_Q + LOAN]
RATINGS = CATALOG.with_name("cumulative_default_rates.csv")


def bullet_path(index: list[float]) -> dict[str, Any]:
    """The bullet loan along one path: ``index`` is the rent / trend rent of each quarter.

    Revenue moves with the index, costs do not; the fleet's market value is the
    deterministic one x the index (wrong-way collateral). LTM covenant (CFADS / debt service
    due since close), lock-up below 1.20x, default below 1.05x; trapped cash pays debt
    service first. Default: the first payment or covenant default; EAD = balance + arrears
    then; recovery = the fleet's fire sale (square-root law, 3 months' repossession, 10%
    remarketing, discounted at 8%) + trapped cash.
    """
    flows = [GPUS * U * H * rent(k) * index[k - 1] - POWER - OPEX for k in range(1, N + 1)]
    trapped, cf_sum, due_sum, dscr = 0.0, 0.0, 0.0, []
    for k in range(1, N + 1):
        cash, due = flows[k - 1], BULLET_DUE[k - 1]
        cf_sum, due_sum = cf_sum + cash, due_sum + due
        dscr.append(cash / due)
        cover = cf_sum / due_sum
        from_trap = min(trapped, max(due - cash, 0.0))
        trapped -= from_trap
        arrears = max(due - cash - from_trap, 0.0)
        if cover < 1.20:
            trapped += max(cash - due, 0.0)
        events = ["payment default"] * (arrears > 0) + ["covenant default"] * (cover < 1.05)
        if events:
            balance = LOAN if k < N else 0.0
            ead = balance + arrears
            value = market(BULLET_COST, AGE0 + k / P) * index[k - 1]
            recovery = liquidation(GPUS, value, ABSORPTION, BULLET_DISCOUNT)[0] + trapped
            lgd = min(max(1 - recovery / ead, 0.0), 1.0)
            return {"dscr": dscr + [f / d for f, d in zip(flows[k:], BULLET_DUE[k:], strict=True)],
                    "period": k, "event": "; ".join(events), "ead": ead,
                    "recovery": recovery, "lgd": lgd, "loss": ead * lgd, "cfads": flows}  # fmt: skip
    return {"dscr": dscr, "period": None, "event": "", "ead": 0.0, "recovery": 0.0,
            "lgd": 0.0, "loss": 0.0, "cfads": flows}  # fmt: skip


def quarterly(monthly: Callable[[float], float]) -> list[float]:
    """A monthly index (at each month's end, t = m / 12) averaged over each quarter."""
    return [sum(monthly(m / 12) for m in range(3 * k - 2, 3 * k + 1)) / 3 for k in range(1, N + 1)]


def fall(total: float, years: float) -> Callable[[float], float]:
    return lambda t: (1 - total) ** (min(t, years) / years)


# The named scenarios of issue 13 as rent indexes of the bullet loan (a fixed-rate loan with
# no mining, BTC treasury or contract: the BTC, base-rate and offtaker shocks change nothing).
SCENARIO_TEXT = {
    "2024 rent collapse": (
        "Market rent -75% over 18 months, then on the deal's trend (H100 2023-24).",
        lambda t: fall(0.75, 1.5)(t) * (1 - D) ** max(t - 1.5, 0) / (1 - D) ** t),
    "BTC -77%": ("BTC -77% over 12 months, then flat (Nov 2021 - Nov 2022).", lambda t: 1.0),
    "Blackwell launch": (
        "Rent 30% below trend from the start: a successor launch (illustrative).",
        lambda t: 0.70),
    "capital scarcity": ("Base rate +300 bp from the first month.", lambda t: 1.0),
    "correlation convergence": (
        "Rent -40% and BTC -60% over 12 months, base rate +200 bp, offtaker default in "
        "month 12 (illustrative).", fall(0.40, 1.0)),
}  # fmt: skip
SCENARIO_HEADER = ["scenario", "description", "min_dscr", "first_default_period",
                   "first_default_event", "loss", "lgd"]  # fmt: skip


def scenario_rows(names: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = [SCENARIO_HEADER]
    for name in names:
        text, monthly = SCENARIO_TEXT[name]
        path = bullet_path(quarterly(monthly))
        rows.append([name, text, min(path["dscr"]), path["period"] or "none", path["event"],
                     path["loss"], path["lgd"]])  # fmt: skip
    return rows


def bullet_fair_margin() -> float:
    """Margin m over 4% with E[PV] = loan on the one (deterministic) path, in closed form.

    Receipts: interest I = LOAN (0.04 + m) / 4 in quarters 1-3, all of quarter 4's CFADS,
    then the recovery; discounted at 4% a year quarterly. PV linear in I:
    I = (LOAN - (CFADS_4 + recovery) d_4) / (d_1 + d_2 + d_3).
    """
    path = bullet_path([1.0] * N)
    d = [(1 + REFERENCE_RATE / P) ** -k for k in range(1, N + 1)]
    interest = (LOAN - (path["cfads"][-1] + path["recovery"]) * d[-1]) / sum(d[:-1])
    flows = path["cfads"]
    # the path at that margin: quarters 1-3 pass the 1.20x lock-up (LTM), and the recovery is
    # below EAD, so the receipts are as stated
    assert all(sum(flows[:k]) / (k * interest) > 1.2 for k in range(1, N))
    assert path["recovery"] < LOAN + interest - flows[-1]
    return P * interest / LOAN - REFERENCE_RATE


def rating_of(pd: float) -> str:
    """Best notch whose 1-year rate is at least the PD (none: the table's last, CCC/C)."""
    with RATINGS.open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["scale"] == "notch"]
    rates = [float(row["y1"]) / 100 for row in rows]
    floor = [min(rates[i:]) for i in range(len(rates))]  # each rating and every worse one
    return next(
        (r["rating"] for r, f in zip(rows, floor, strict=True) if f >= pd), rows[-1]["rating"]
    )


def fan(values: list[float]) -> list[list[Any]]:
    dates = [row[1] for row in schedule()]
    return [["period", "date", "p5", "p25", "p50", "p75", "p95"],
            *([k, dates[k - 1], *[v] * 5] for k, v in enumerate(values, start=1))]  # fmt: skip


def merton_pd() -> float:
    """One monthly payment on 1,000 GPUs, rent x exp(x), x ~ N(0, 0.9^2 / 12): Merton."""
    month = 8760 / 12
    revenue = GPUS * U * month * 12 * integrate.quad(
        lambda t: R0 * (1 - D) ** t, 0, 1 / 12, epsabs=0.0, epsrel=1e-13)[0]  # fmt: skip
    costs = GPUS * KW * PUE * month * PRICE * (U + IDLE * (1 - U)) + GPUS * OPEX_YEAR / 12
    due = 700_000 * (1 + 0.09 / 12)
    return float(PHI(math.log((due + costs) / revenue) / (0.9 * math.sqrt(1 / 12))))


BULLET = bullet_path([1.0] * N)

# fmt: off
DERIVATIONS: list[tuple[str, Callable[[], Any]]] = [
    ("DSCR_TABLE", lambda: [HEADER, *waterfall_rows()]),
    ("DSCR_COVENANTS", covenants),
    ("DSCR_MIN", lambda: min(dscrs())),
    ("DSCR_MIN", lambda: min(dscrs(0.0))),
    ("DSCR_AVG", lambda: sum(dscrs()) / N),
    ("DSCR_LLCR", llcr),
    ("DSCR_BREAKEVEN_DECLINE", breakeven),
    ("DSCR_FIRST_BREACH", lambda: first_breach(1.2, D)),
    ("DSCR_FIRST_BREACH", lambda: first_breach(1.0, 0.0)),
    ("DSCR_RENT_CURVE", lambda: rent_curve(2.0, 0.3, 1, 4, 0.0)),
    ("DSCR_RENT_CURVE", lambda: rent_curve(2.0, 0.5, 2, 2, 1.0)),
    ("DSCR_DEBT_CAPACITY", debt_capacity),
    ("DSCR", lambda: [[2.0e6 / 1.6e6, 2.2e6 / 2.0e6], [1.5e6 / 1.5e6, ""]]),
    ("GPU_SPEC", lambda: H100_PRICE),
    ("GPU_SPEC", lambda: catalog("GB200", "cooling")),
    ("GPU_MODELS", catalog_table),
    ("GPU_RESIDUAL", lambda: book(H100_PRICE, 3.5)),
    ("GPU_RESIDUAL", lambda: market(H100_PRICE, 3.5, MODEL_LAUNCHES)),
    ("GPU_RESIDUAL", lambda: economic(2.0 - AGE0)),
    ("GPU_RESIDUAL_CURVE", residual_curve),
    ("GPU_ECONOMIC_LIFE", lambda: economic_life(2.0, 0.3, 1.275, 1.3, 0.08)),
    ("GPU_LIQUIDATION", lambda: [["net_proceeds", "recovery", "months"],
                                 list(liquidation(10_000, 18_048, 2_000, 0.0))]),
    ("LTV_TABLE", ltv_rows),
    ("LTV_UNDERWATER", underwater),
    ("LTV_DURATION_MISMATCH", duration_mismatch),
    ("DEFAULT_JOINT", lambda: joint_gaussian(0.02, 0.05, 0.3)),
    ("DEFAULT_JOINT", lambda: joint_t(0.02, 0.05, 0.3, 4)),
    ("DEFAULT_CORR", lambda: (joint_gaussian(0.02, 0.05, 0.3) - 0.02 * 0.05)
                             / math.sqrt(0.02 * 0.98 * 0.05 * 0.95)),
    ("DEFAULT_CONDITIONAL_PD", lambda: cond_pd(0.02, 0.2, -2.0)),
    ("DEFAULT_WCDR", lambda: float(PHI((PHI_INV(0.02) + math.sqrt(0.1) * PHI_INV(0.999))
                                       / math.sqrt(0.9)))),
    ("DEFAULT_TAIL_DEP", lambda: float(2 * stats.t.cdf(-math.sqrt(5 * 0.5 / 1.5), 5))),
    ("PORTFOLIO_LOSS_DIST", loss_table),
    ("PORTFOLIO_EL", lambda: sum(p * e * g for p, e, g in zip(PDS, EXPOSURES, LGDS, strict=True))),
    ("PORTFOLIO_VAR", lambda: var(0.99)),
    ("PORTFOLIO_ES", lambda: expected_shortfall(0.99)),
    ("TRANCHE_EL", lambda: tranche(0.1, 0.4)),
    ("MINER_STRESS_PD", miner),
    ("IRB_RISK_WEIGHT", lambda: irb(0.01, 0.45, 2.5)),
    ("ADDIN_VERSION", lambda: importlib.metadata.version("gpu-credit-desk")),
    ("DEAL_PD", lambda: 1.0 if BULLET["period"] else 0.0),
    ("DEAL_PD", lambda: 1.0 if BULLET["period"] and BULLET["period"] / P <= 0.5 else 0.0),
    ("DEAL_PD", merton_pd),
    ("DEAL_LGD", lambda: BULLET["lgd"]),
    ("DEAL_EL", lambda: BULLET["loss"]),
    ("DEAL_RATING", lambda: rating_of(1.0)),
    ("DEAL_RATING", lambda: rating_of(0.0)),
    ("DEAL_FAIR_MARGIN", bullet_fair_margin),
    ("DEAL_FAIR_MARGIN", lambda: 0.0),
    ("DEAL_RISK_TABLE", lambda: [["year", "cumulative_pd", "cumulative_pd_se", "marginal_pd"],
                                 [1, 1.0, 0.0, 1.0]]),
    ("DSCR_FAN", lambda: fan(BULLET["dscr"])),
    ("LTV_FAN", lambda: fan([(LOAN if k < N else 0.0) / (GPUS * market(BULLET_COST, AGE0 + k / P))
                             for k in range(1, N + 1)])),
    ("DEAL_BREACH_PROB", lambda: 1.0 if "covenant default" in BULLET["event"] else 0.0),
    ("DEAL_BREACH_PROB", lambda: 0.0),  # no max_ltv: never an LTV breach
    ("DEAL_SCENARIO", lambda: scenario_rows(list(SCENARIO_TEXT))),
    ("DEAL_SCENARIO", lambda: scenario_rows(["Blackwell launch"])),
]
# fmt: on


def _show(value: Any) -> str:
    """A value as a literal for addin/excel/gallery.py (15 significant digits)."""
    if isinstance(value, float):
        return repr(float(f"{value:.15g}"))
    if isinstance(value, dt.datetime):
        return f"_D({value.year}, {value.month}, {value.day})"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


if __name__ == "__main__":
    for function, derive in DERIVATIONS:
        print(function, _show(derive()))
