"""Words the memo prints: where each default comes from, and what the model assumes.

Figures and sources as gathered for the project (dates matter: the market moves fast).
Keys without an entry here are facts of the deal itself, with no default to source.
"""

from __future__ import annotations

from addin.model.deal import REQUIRED_KEYS
from addin.model.params import MAX_DECLINE

REQUIRED = frozenset(REQUIRED_KEYS)
ILLUSTRATIVE = "Illustrative: no public source gives this for GPU loans; set it per deal"

DEFAULT_SOURCES: dict[str, str] = {
    "gpu_model": "Deal team; model names as in the GPU catalog",
    "periods_per_year": "Convention: monthly debt service",
    "annual_decline": (
        "H100 rent fell from ~8 USD (2023 peak) to 1-2 USD spot by late 2024 (Latent Space, "
        "2024-10-11); RBC via FT Alphaville (2025): H100 -22%, H200 -29% year to date"
    ),
    "rent_floor": "Conservative: no floor",
    "utilization": "Illustrative billed share of spot hours",
    "contracted_share": "None contracted unless the deal says so",
    "contract_years": "None contracted unless the deal says so",
    "recontract_rate": "Spot: after expiry the contracted GPUs re-let at the market rent",
    "kw_per_gpu": (
        "GPU catalog figure of gpu_model: vendor reference server kW / GPUs, e.g. NVIDIA DGX "
        "H100 10.2 kW / 8 = 1.275 kW, DGX B200 14.3 kW / 8 = 1.79 kW (addin/model/data/SOURCES.md)"
    ),
    "pue": "Typical modern data centre (illustrative)",
    "power_price": "Illustrative US industrial power price",
    "idle_power_share": (
        "Illustrative: no public measurement of a whole GPU server's idle draw as a share of "
        "full load is used; set it per site"
    ),
    "opex_per_gpu_year": "None unless the deal says so",
    "colocation_per_kw_month": "None: the borrower owns the site or opex covers it",
    "opex_escalation": "None unless the deal says so (illustrative)",
    "amortization": "Convention: level annuity",
    "balloon": "Fully amortizing unless the deal says so",
    "target_dscr": ILLUSTRATIVE,
    "lockup_dscr": ILLUSTRATIVE,
    "default_dscr": ILLUSTRATIVE,
    "unit_cost": "GPU catalog launch price of gpu_model (addin/model/data/SOURCES.md)",
    "gpu_age_years": "New GPUs unless the deal says so",
    "useful_life_years": (
        "Microsoft, Alphabet, CoreWeave depreciate servers / GPUs over 6 years (10-K filings)"
    ),
    "salvage_value": "Straight line to zero (as CoreWeave's filings)",
    "generation_years": (
        "NVIDIA's yearly roadmap (Blackwell Ultra 2025, Vera Rubin 2026, Rubin Ultra 2027); "
        "used past the catalog's launch dates"
    ),
    "generation_shock": "Calibrated to used H100 and A100 prices (used_gpu_prices.csv)",
    "hardware_decline": (
        "Calibrated to used H100 and A100 prices in 2026 (used_gpu_prices.csv, low-authority "
        "listings); Epoch AI's ~30% a year for new hardware is a stress"
    ),
    "discount_rate": "The loan's interest rate",
    "market_absorption": ILLUSTRATIVE,
    "carry_cost": "None unless the deal says so",
    "impact": ILLUSTRATIVE + " (Y of the square-root law, of order one: Toth et al. 2011)",
    "max_haircut": ILLUSTRATIVE,
    "max_liquidation_months": ILLUSTRATIVE,
    "liquid_cooling_absorption": ILLUSTRATIVE + " (fewer buyers have liquid-cooled racks)",
    "price_vol": ILLUSTRATIVE,
    "permanent_impact": ILLUSTRATIVE + " (of the order of Almgren et al. 2005)",
    "repossession_months": ILLUSTRATIVE,
    "remarketing_cost": ILLUSTRATIVE + " (de-installation, brokers, refurbishment)",
    "pd": "Illustrative; use the bank's rating of the borrower",
    "lgd": (
        "Basel III foundation IRB: 40% for senior unsecured claims on non-financial "
        "corporates (Basel Framework CRE32)"
    ),
    "crypto_loading": "Illustrative: 0.50 for miners, 0 otherwise",
    "compute_loading": ILLUSTRATIVE,
    "factor_corr": ILLUSTRATIVE + " (correlations converge towards 0.8 in a crisis)",
    "btc_vol": "BTC 1-year volatility ~45% (Fidelity Digital Assets, May 2024)",
    "rent_vol": ILLUSTRATIVE,
    "stress_horizon_years": "One year, as Basel PDs",
}

# What the model assumes, in the order the Sources sheet prints it.
CONVENTIONS: tuple[str, ...] = (
    "Periods k = 1..n, n = tenor_years x periods_per_year, each 8760 / periods_per_year hours, "
    "starting at t_k = (k - 1) / periods_per_year years.",
    "Market rent of a period r_k = its exact average of max(rent_floor, market_rate x "
    "(1 - annual_decline)^t) USD per GPU-hour, in closed form split where the floor starts "
    "to bind, so a year earns the same monthly or annually (before issue 12: the rent at the "
    "period's start).",
    "Contracted GPUs (gpus x contracted_share) earn contract_rate on every hour of the period "
    "inside contract_years; on the rest they are re-let at recontract_rate x r_k (empty: spot) "
    "on utilization of their hours; the other GPUs earn r_k on utilization of their hours.",
    "Power = gpus x kw_per_gpu x pue x hours x power_price x (b_k + idle_power_share x "
    "(1 - b_k)), b_k the billed share of GPU-hours; other opex = gpus x opex_per_gpu_year / "
    "periods_per_year x (1 + opex_escalation)^(whole years since the start); colocation = "
    "gpus x kw_per_gpu x colocation_per_kw_month x 12 / periods_per_year (IT kW, no PUE); "
    "CFADS = revenue - power - other opex - colocation.",
    "Interest = opening balance x the period's rate: interest_rate / periods_per_year, or for "
    "a floating deal (base_rate + margin, plus rate_shock in the periods starting at or after "
    "rate_shock_year) / periods_per_year. Annuity: level payment with the balloon on top at "
    "maturity, re-amortised over the remaining term when the rate changes; linear: equal "
    "principal plus the balloon; bullet: all principal at maturity; sculpted: debt service = "
    "max(CFADS, 0) / target_dscr, loan = its present value at the period rates, kept as sized "
    "under other declines.",
    "DSCR = CFADS / debt service, blank where debt service is 0; LLCR = PV of CFADS at the "
    "loan's period rates / loan amount. The cash waterfall (DSRA, cash sweep, lock-up "
    "account, distributions), the covenant DSCR on covenant_basis, the events (payment "
    "default, covenant default, LTV breach) and the collateral values are the engine's only; "
    "the live Cash flow sheet is the contractual schedule before any prepayment.",
    "Breakeven decline: the largest annual_decline in [0, 0.99] at which min DSCR stays at or "
    "above the threshold; 'none' if 0% already breaches.",
    "Stress grids vary one driver at a time against the rent decline: utilization with the "
    "debt schedule as sized; contract tenor, re-contract rent and a base-rate shock by "
    "re-running the deal (a sculpted loan is re-sized); BTC through the engine's shock paths.",
    "Credit numbers (PD, LGD, EL, rating, fair margin) come from the deal's own simulated "
    "paths (2,000, seed 0); the verdict's rules and the flags' thresholds are on the Summary "
    "and below (illustrative).",
)

MODEL_CREDITS: tuple[tuple[str, str], ...] = (
    (
        "GPU catalog",
        "addin/model/data/gpu_catalog.csv; sources per row in addin/model/data/SOURCES.md "
        "(Epoch AI machine-learning hardware data, CC BY 4.0; vendor datasheets; analyst "
        "estimates)",
    ),
    (
        "Epoch AI",
        "Trends in GPU price-performance and ML hardware data (epoch.ai), CC BY 4.0: "
        "hardware ~30% cheaper a year at fixed performance",
    ),
    (
        "Rents",
        "Latent Space, '$2 H100s: How the GPU Rental Bubble Burst' (2024-10-11); SemiAnalysis "
        "H100 1-year contract index; AWS Capacity Blocks pricing",
    ),
    (
        "Lending",
        "CoreWeave SEC filings (2025-06-30): DDTL 2.0 ~11% effective; miner notes 7.1-7.75% "
        "(2025). No public source gives GPU-loan advance rates or covenant levels.",
    ),
)


def key_source(key: str, given: bool) -> str:
    """Where an Inputs value comes from: the deal file (the key was given), or the default.

    By presence, not value: a key the deal file sets to its default value is "Deal file".

    Examples
    --------
    >>> key_source("pue", True), key_source("pue", False)
    ('Deal file', 'Default: Typical modern data centre (illustrative)')
    >>> key_source("gpus", True)
    'Deal file (required key)'
    """
    if key in REQUIRED:
        return "Deal file (required key)"
    if given:
        return "Deal file"
    source = DEFAULT_SOURCES.get(key)
    return f"Default: {source}" if source else "Default"


def breakeven_text(value: float | None) -> str:
    """A breakeven decline in words: "none", "6.8%", or "≥ 99% (search cap)" at the cap.

    :func:`addin.analytics.dscr.breakeven_decline` searches declines up to
    :data:`addin.model.params.MAX_DECLINE` and returns that cap when nothing up to it breaches,
    so a cap is a lower bound, not a root. In a cell, keep the number and use the number
    format :data:`addin.io.xlsx.BREAKEVEN`.

    Examples
    --------
    >>> breakeven_text(None), breakeven_text(0.0676), breakeven_text(0.99)
    ('none', '6.8%', '≥ 99% (search cap)')
    """
    if value is None or value != value:  # None or NaN: 0% already breaches
        return "none"
    if value >= MAX_DECLINE:
        return f"\u2265 {MAX_DECLINE:.0%} (search cap)"
    return f"{value:.1%}"
