"""The ``gpucredit`` command line.

Examples
--------
``gpucredit dscr workbooks/examples/neocloud_h100.toml`` prints the schedule and summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from addin.deal import load_deal
from addin.dscr import DscrSummary, dscr_schedule, dscr_summary
from addin.errors import AddinError

EXIT_BAD_INPUT = 2


def _percent(value: float | None) -> str:
    return "none" if value is None else f"{value:.1%}"


def _breach(period: int | None, date: object) -> str:
    if period is None:
        return "none"
    return f"period {period}" + (f" ({date})" if date is not None else "")


def summary_lines(summary: DscrSummary) -> list[tuple[str, str]]:
    """The DSCR summary as (label, formatted value) pairs, for printing."""
    return [
        ("Loan amount", f"{summary.loan_amount:,.0f} USD"),
        ("Annual rent decline", _percent(summary.annual_decline)),
        ("Min DSCR (deflated)", f"{summary.min_dscr:.2f}x"),
        ("Avg DSCR (deflated)", f"{summary.avg_dscr:.2f}x"),
        ("Min DSCR (flat rent)", f"{summary.flat_min_dscr:.2f}x"),
        ("Avg DSCR (flat rent)", f"{summary.flat_avg_dscr:.2f}x"),
        ("LLCR", f"{summary.llcr:.2f}x"),
        ("First lock-up breach", _breach(summary.first_lockup_breach, summary.first_lockup_date)),
        ("First default breach", _breach(summary.first_default_breach, summary.first_default_date)),
        ("Breakeven decline (DSCR 1.00x)", _percent(summary.breakeven_decline)),
    ]


def format_schedule(schedule: pd.DataFrame) -> str:
    """The schedule as a fixed-width text table (USD in thousands, coverage in x)."""
    shown = schedule.copy()
    money = ["revenue", "power_cost", "opex", "cfads", "interest", "principal",
             "debt_service", "balance"]  # fmt: skip
    for name in money:
        shown[name] = shown[name].map(lambda v: f"{v / 1e3:,.0f}")
    shown["year"] = shown["year"].map(lambda v: f"{v:.2f}")
    shown["market_rate"] = shown["market_rate"].map(lambda v: f"{v:.3f}")
    shown["dscr"] = shown["dscr"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}x")
    shown = shown.rename(columns={name: f"{name} k$" for name in money})
    return shown.to_string(index=False)


def run_dscr(path: str, annual_decline: float | None) -> int:
    """Print a deal's DSCR schedule and summary."""
    deal = load_deal(path)
    print(f"{deal.name}: {deal.gpus:,} x {deal.gpu_model}, {deal.amortization} loan over "
          f"{deal.tenor_years:g} years")  # fmt: skip
    print()
    print(format_schedule(dscr_schedule(deal, annual_decline)))
    print()
    lines = summary_lines(dscr_summary(deal, annual_decline))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``gpucredit`` command."""
    parser = argparse.ArgumentParser(
        prog="gpucredit", description="GPU Credit Desk: credit analytics for loans against GPUs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    dscr = commands.add_parser("dscr", help="print a deal's DSCR schedule and summary")
    dscr.add_argument("deal", help="deal file (.toml)")
    dscr.add_argument("--decline", type=float, default=None,
                      help="annual rent decline, decimal (default: the deal's own)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gpucredit`` command; return its exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "dscr":
            return run_dscr(args.deal, args.decline)
    except AddinError as error:
        print(f"gpucredit: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 1


if __name__ == "__main__":
    sys.exit(main())
