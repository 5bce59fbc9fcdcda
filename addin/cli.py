"""The ``gpucredit`` command line.

Examples
--------
``gpucredit dscr workbooks/examples/neocloud_h100.toml`` prints the schedule and summary;
``gpucredit risk workbooks/examples/neocloud_h100.toml`` prints its PD, LGD, expected loss,
rating and fair margin from simulated paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from addin.model.errors import AddinError, OutputError
from addin.version import VERSION

if TYPE_CHECKING:  # the engines load only when a command needs them: --help stays quick
    import pandas as pd

    from addin.analytics.dscr import DscrSummary
    from addin.book.book import Book
    from addin.book.report import PathStory
    from addin.book.run import BookResult
    from addin.model.deal import Deal
    from addin.sim.engine import DealRisk, FairMargin
    from addin.sim.scenarios import ScenarioResult

EXIT_BAD_INPUT = 2  # a bad deal file, argument or option: the message says which
EXIT_ENVIRONMENT = 3  # a file could not be written: the message gives the path and reason
EXIT_INTERNAL = 1  # an unexpected error: logged with its traceback, the message says where
EXIT_CLOSED_PIPE = 141  # the reader of standard output stopped (``| head``): as a shell's SIGPIPE


def _percent(value: float | None) -> str:
    return "none" if value is None else f"{value:.1%}"


def _coverage(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}x"  # NaN: nothing to cover


def summary_lines(summary: DscrSummary) -> list[tuple[str, str]]:
    """The DSCR summary as (label, formatted value) pairs, for printing.

    The breaches test each period's own DSCR; the defaults and the LTV breach are the
    waterfall's events (covenant DSCR on the deal's covenant_basis at its test dates).
    """
    from addin.memo.flags import period_label

    def first(period: int | None, date: dt.date | None) -> str:
        return period_label(None if period is None else (period, date))

    s = summary
    cliff = s.contract_expiry_cliff
    return [
        ("Loan amount", f"{s.loan_amount:,.0f} USD"),
        ("Annual rent decline", _percent(s.annual_decline)),
        ("Min DSCR (deflated)", _coverage(s.min_dscr)),
        ("Avg DSCR (deflated)", _coverage(s.avg_dscr)),
        ("Min DSCR (flat rent)", _coverage(s.flat_min_dscr)),
        ("Avg DSCR (flat rent)", _coverage(s.flat_avg_dscr)),
        ("LLCR", _coverage(s.llcr)),
        ("Min LLCR (loan life)", _coverage(s.min_llcr)),
        ("PLCR", _coverage(s.plcr)),
        ("First lock-up breach", first(s.first_lockup_breach, s.first_lockup_date)),
        ("First default breach", first(s.first_default_breach, s.first_default_date)),
        ("First payment default", first(s.first_payment_default, s.first_payment_default_date)),
        ("First covenant default", first(s.first_covenant_default, s.first_covenant_default_date)),
        ("First LTV breach", first(s.first_ltv_breach, s.first_ltv_breach_date)),
        ("Contract-expiry cliff", "none" if cliff is None else f"{cliff:,.0f} USD per period"),
        ("Breakeven decline (DSCR 1.00x)", _percent(s.breakeven_decline)),
    ]


def format_schedule(schedule: pd.DataFrame) -> str:
    """The schedule as a fixed-width text table (USD in thousands, coverage in x, LTV in %)."""
    shown = schedule.copy()
    money = ["revenue", "power_cost", "opex", "colocation", "cfads", "interest", "principal",
             "debt_service", "balance", "dsra", "sweep", "trapped", "distributions",
             "arrears"]  # fmt: skip
    money = [name for name in money if name in shown]
    for name in money:
        shown[name] = shown[name].map(lambda v: f"{v / 1e3:,.0f}")
    shown["year"] = shown["year"].map(lambda v: f"{v:.2f}")
    shown["market_rate"] = shown["market_rate"].map(lambda v: f"{v:.3f}")
    for name in ("dscr", "covenant_dscr"):  # NaN: no debt service
        if name in shown:
            shown[name] = shown[name].map(lambda v: "" if v != v else f"{v:.2f}x")
    if "ltv" in shown:
        shown["ltv"] = shown["ltv"].map(lambda v: "" if v != v else f"{v:.0%}")
    shown = shown.rename(columns={name: f"{name} k$" for name in money})
    return shown.to_string(index=False)


def run_dscr(path: str, annual_decline: float | None) -> int:
    """Print a deal's DSCR schedule and summary."""
    from addin.analytics.dscr import dscr_schedule, dscr_summary
    from addin.analytics.waterfall import WaterfallTerms
    from addin.io.deal_files import read_deal

    deal = read_deal(path)
    schedule = dscr_schedule(deal, annual_decline)  # a bad --decline fails before any output
    lines = summary_lines(dscr_summary(deal, annual_decline))
    print(f"{deal.name}: {deal.gpus:,} x {deal.gpu_model}, {deal.amortization} loan over "
          f"{deal.tenor_years:g} years")  # fmt: skip
    print()
    print(format_schedule(schedule))
    print()
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    print()
    tests = deal.periods_per_year // WaterfallTerms.of(deal).test_step  # test dates a year
    print(covenant_note(deal.covenant_basis, tests))
    return 0


def covenant_note(basis: str, tests_per_year: int) -> str:
    """What the breaches and the events of the summary test, in one line.

    Examples
    --------
    >>> covenant_note("ltm", 4)[:60]
    "Breaches test each period's DSCR; the defaults and the LTV b"
    """
    dscr = "trailing-twelve-month" if basis == "ltm" else "period"
    return (
        "Breaches test each period's DSCR; the defaults and the LTV breach are the waterfall's "
        f"events, tested on the {dscr} covenant DSCR {tests_per_year} times a year."
    )


def _pct(value: float, digits: int = 2) -> str:
    """A decimal as a percentage; "n/a" for NaN."""
    return "n/a" if value != value else f"{value:.{digits}%}"


def _usd(value: float) -> str:
    return f"{value:,.0f} USD"


def _whole(option: str, text: str, name: str) -> int:
    """An option's value as a whole number, checked by the catalogue entry ``name``."""
    from addin.model.params import param

    value: object = text
    for kind in (int, float):
        try:
            value = kind(text)
            break
        except ValueError:
            continue
    return int(param(name).check(value, option))


def risk_lines(deal: Deal, risk: DealRisk, margin: FairMargin) -> list[str]:
    """The risk table of ``gpucredit risk``: by year, then the life of the loan."""
    from addin.sim.engine import MARGIN_GRID

    horizon = f"{risk.horizon_years:g} years"
    lines = [
        f"{deal.name}: {deal.gpus:,} x {deal.gpu_model}, {deal.amortization} loan of "
        f"{_usd(risk.loan_amount)} over {horizon}",
        f"Credit from the asset: {risk.paths:,} simulated paths, seed {risk.seed} "
        "(± one Monte Carlo standard error)",
        "",
        f"{'year':>4}  {'cumulative PD':>18}  {'marginal PD':>11}",
    ]
    for year, pd, se, marginal in zip(
        risk.years, risk.cumulative_pd, risk.cumulative_pd_se, risk.marginal_pd, strict=True
    ):
        lines.append(f"{year:4.0f}  {_pct(pd) + ' ± ' + _pct(se):>18}  {_pct(marginal):>11}")
    p5, _, p50, _, p95 = risk.lgd_percentiles
    if margin.fair == float("inf"):
        fair = f"above {MARGIN_GRID[-1]:.0%} (no margin up to it pays)"
        verdict = "underpriced"
    else:
        fair = _pct(margin.fair)
        gap = round(margin.shortfall_bps)
        verdict = f"{'underpriced' if gap > 0 else 'overpriced'} by {abs(gap):,} bp"
        verdict = "priced at its fair margin" if gap == 0 else verdict
    irb = _pct(risk.irb_risk_weight, 1)
    if risk.irb_risk_weight != risk.irb_risk_weight:
        irb = "n/a (every path defaults: a defaulted exposure)"
    slot = risk.slotting
    table = [
        (f"Lifetime PD ({horizon})", f"{_pct(risk.lifetime_pd)} ± {_pct(risk.lifetime_pd_se)}"),
        ("LGD mean (P5 / P50 / P95)", f"{_pct(risk.lgd_mean, 1)} ({_pct(p5, 1)} / "
         f"{_pct(p50, 1)} / {_pct(p95, 1)})" if risk.lgd_mean == risk.lgd_mean
         else "n/a (no path defaults)"),
        ("Expected loss", f"{_usd(risk.expected_loss)} ± {_usd(risk.expected_loss_se)} = "
         f"{_pct(risk.expected_loss_share)} of the loan"),
        ("Unexpected loss (sd)", _usd(risk.unexpected_loss)),
        ("Lock-up", _pct(risk.lockup_prob)),
        ("Covenant default", _pct(risk.covenant_default_prob)),
        ("LTV breach", _pct(risk.ltv_breach_prob)),
        ("Payment default", _pct(risk.payment_default_prob)),
        ("Rating (S&P-equivalent)", risk.rating),
        ("Slotting (object finance)", f"{slot.category}, risk weight {_pct(slot.risk_weight, 0)}"),
        ("IRB risk weight", irb),
        ("Fair margin", f"{fair} over the base rate {_pct(margin.base_rate)}"),
        ("Actual margin", f"{_pct(margin.actual)}: {verdict}"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in table)
    return [*lines, "", *(f"{label:<{width}}  {value}" for label, value in table)]


def scenario_lines(deal: Deal, results: list[ScenarioResult]) -> list[str]:
    """Each named scenario's result, two lines each, for ``gpucredit risk --scenario``."""
    from addin.analytics.debt import period_dates

    dates = period_dates(deal)
    lines = [f"{deal.name}: named scenarios, each one path through the waterfall", ""]
    for result in results:
        k = result.first_default_period
        if k is None:
            default = "no default"
        else:
            when = f" ({dates[k - 1]})" if dates else ""
            default = f"first default in period {k}{when}, {result.first_default_event}"
        dscr = "n/a" if result.min_dscr != result.min_dscr else f"{result.min_dscr:.2f}x"
        lines.append(f"{result.name}: {result.description}")
        lines.append(f"  min DSCR {dscr}; {default}; loss {_usd(result.loss)} "
                     f"(LGD {_pct(result.lgd, 1)})")  # fmt: skip
    return lines


def run_risk(path: str, paths: str | None, seed: str | None, scenario: str | None) -> int:
    """Print a deal's credit risk from simulated paths, or its named scenarios."""
    from addin.io.deal_files import read_deal
    from addin.log import log_unexpected
    from addin.sim.engine import DEFAULT_PATHS, deal_risk, fair_margin
    from addin.sim.scenarios import SCENARIOS, run_scenario

    count = DEFAULT_PATHS if paths is None else _whole("--paths", paths, "paths")
    start = 0 if seed is None else _whole("--seed", seed, "seed")
    deal = read_deal(path)
    try:
        if scenario is not None:
            names = list(SCENARIOS) if scenario.strip().lower() == "all" else [scenario]
            lines = scenario_lines(deal, [run_scenario(deal, name) for name in names])
        else:
            risk = deal_risk(deal, count, start)
            lines = risk_lines(deal, risk, fair_margin(deal, count, start))
    except AddinError:
        raise
    except Exception:
        where = log_unexpected("risk", (path,))
        print(f"gpucredit: internal error in risk; details logged in {where}", file=sys.stderr)
        return EXIT_INTERNAL
    print("\n".join(lines))
    return 0


def run_lite(folder: str, wheel_url: str | None, force: bool = False) -> int:
    """Write xlwings Lite's main.py and requirements.txt into a folder (existing files only
    with ``force``)."""
    from pathlib import Path

    from addin.excel.lite import lite_files
    from addin.io.xlsx import write_text_files

    texts = lite_files(wheel_url)
    written = write_text_files({Path(folder) / name: text for name, text in texts.items()}, force)
    for path in written:
        print(f"wrote {path}")
    print("Paste them into xlwings Lite's editor: main.py, then requirements.txt.")
    return 0


def run_gallery(out: str, force: bool) -> int:
    """Write the function gallery workbook; an existing file only with ``force``."""
    from addin.memo.gallery import write_gallery

    print(f"wrote {write_gallery(out, force)}")
    return 0


LOADING = "gpucredit memo: loading the engines ..."  # before the first progress line


def run_memo(
    deals: list[str], outdir: str, force: bool, pdf: bool, jobs: int | None, live: bool,
    example: bool,
) -> int:  # fmt: skip
    """Write a memo workbook per deal (in parallel); print the summary table, and save it
    as a workbook when there are several deals."""
    from pathlib import Path

    if not deals and not example:
        print("gpucredit memo: give one or more deal files (.toml or .xlsx), or --example",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    if jobs is not None and jobs < 1:
        print(f"gpucredit memo: --jobs: got {jobs}; allowed: a whole number >= 1",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    print(LOADING, file=sys.stderr, flush=True)  # the imports below take seconds

    from addin.io.office import find_soffice
    from addin.io.xlsx import remove_stale_temporaries
    from addin.memo.batch import (
        LIVE_SHEET,
        default_jobs,
        example_deal_path,
        format_summary,
        plan_jobs,
        run_jobs,
        summary_frame,
        write_summary_workbook,
    )

    paths = ([example_deal_path()] if example else []) + [Path(d) for d in deals]
    workers = default_jobs() if jobs is None else jobs
    if pdf and find_soffice() is None:
        print("gpucredit memo: --pdf needs LibreOffice (soffice), which is not installed",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        print(f"gpucredit memo: -o: got {outdir!r}, a file; allowed: a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    if out.is_dir():
        remove_stale_temporaries(out)  # left by a run that was killed
    planned, refused = plan_jobs(paths, out, force, pdf, live)
    outcomes = run_jobs(planned, workers) + refused
    frame = summary_frame(outcomes)
    print(format_summary(frame))
    verdicts = [f"{o.deal_path.name}: {o.verdict}" for o in outcomes if o.ok and o.verdict]
    if verdicts:  # the memo's verdict, a line per deal
        print("\n" + "\n".join(verdicts))
    for outcome in outcomes:  # each error once, naming its file once (the table says FAILED)
        if outcome.error:
            print(f"gpucredit: {outcome.error}", file=sys.stderr)
    for outcome in outcomes:
        for written in (outcome.memo_path, outcome.pdf_path):
            if written is not None and outcome.ok:
                print(f"wrote {written}")
    if live and any(outcome.ok and outcome.pdf_path for outcome in outcomes):
        print(f"The PDFs leave out the {LIVE_SHEET} sheet: LibreOffice cannot run the add-in's "
              "functions, so its cells would print #NAME?.")  # fmt: skip
    if len(outcomes) > 1 and any(outcome.ok for outcome in outcomes):
        print(f"wrote {write_summary_workbook(frame, Path(outdir))}")
    if any(outcome.internal for outcome in outcomes):
        return 1
    if any(outcome.environment for outcome in outcomes):
        return EXIT_ENVIRONMENT
    return 0 if all(outcome.ok for outcome in outcomes) else EXIT_BAD_INPUT


def run_intake_new(file: str, source: str | None, force: bool) -> int:
    """Write a blank (or prefilled) deal intake workbook."""
    from addin.io.deal_files import read_deal
    from addin.io.intake import write_intake

    values = read_deal(source) if source else None
    print(f"wrote {write_intake(file, values, force)}")
    return 0


#: Paths of ``gpucredit book`` when --paths is not given.
BOOK_PATHS = 10_000
#: Largest --workers of ``gpucredit book`` (local worker processes).
MAX_BOOK_WORKERS = 256


def _book_option(option: str, text: str | None, default: int, low: int, high: int) -> int:
    """A whole-number option of ``gpucredit book`` within [low, high] (text as typed)."""
    from addin.model.errors import InputError

    if text is None:
        return default
    cleaned = text.strip().replace("_", "")
    value: int | None
    try:
        value = int(cleaned)  # exact, however large
    except ValueError:
        try:
            number = float(cleaned)  # 1e5
        except ValueError:
            number = math.nan
        value = int(number) if number.is_integer() else None
    if value is None or not low <= value <= high:
        raise InputError(option, text, f"a whole number from {low:,} to {high:,}")
    return value


def progress_bar(label: str, stream: TextIO | None = None) -> Callable[[int, int], None]:
    """A progress callback printing ``label [#####.....] done/total`` to standard error.

    On a terminal the bar is redrawn in place; otherwise (a log, a pipe) one line is
    printed at each quarter, so logs stay short.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = progress_bar("paths", out)
    >>> for done in range(1, 5):
    ...     bar(done, 4)
    >>> out.getvalue().splitlines()[-1]
    'paths [########################] 4/4'
    """
    target = sys.stderr if stream is None else stream
    live = target.isatty()
    shown: set[int] = set()

    def update(done: int, total: int) -> None:
        width = 24
        filled = width * done // max(total, 1)
        line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if live:
            target.write("\r" + line + ("\n" if done >= total else ""))
        else:
            quarter = 4 * done // max(total, 1)
            if quarter in shown or (quarter == 0 and done < total):
                return
            shown.add(quarter)
            target.write(line + "\n")
        target.flush()

    return update


def _millions(value: float) -> str:
    """USD in millions: two decimals below 10m, one above."""
    return f"{value / 1e6:,.{2 if abs(value) < 1e7 else 1}f}m"


def book_lines(result: BookResult, where: str) -> list[str]:
    """The summary table of ``gpucredit book``: measures with and without the shared
    market, the contagion add-on, the largest contributors and the concentration."""
    from addin.book.report import concentration, facility_table, measures, monte_carlo_errors
    from addin.book.run import LEVELS

    book = result.book
    loans = facility_table(result)
    table = measures(result)
    el_se, add_on_se, tails = monte_carlo_errors(result)
    errors = {"EL": f"± {_millions(el_se)}"}
    for tail in tails:
        name = f"{tail.level * 100:g}%"
        errors[f"ES {name}"] = f"± {_millions(tail.es_se)}"
        errors[f"VaR {name}"] = f"{_millions(tail.var_low)} to {_millions(tail.var_high)}"
    lines = [
        f"Book {book.source}: {len(book)} facilities, {len(book.obligors)} borrowers, "
        f"USD {_millions(float(loans['loan_amount'].sum()))} lent on "
        f"{int(loans['gpus'].sum()):,} GPUs",
        f"{result.paths:,} paths, seed {result.seed}, {where}; USD at the default dates",
        "",
        f"{'':<10}{'shared market':>15}{'sold alone':>13}{'contagion add-on':>24}"
        f"  {'Monte Carlo error':<24}",
    ]
    for measure in table.index:
        on, off, add_on = (float(table.loc[measure, k]) for k in table.columns)
        share = f" ({add_on / on:.0%})" if on else ""
        lines.append(
            f"{measure!s:<10}{_millions(on):>15}{_millions(off):>13}"
            f"{_millions(add_on) + share:>24}  {errors.get(str(measure), '')}"
        )
    lines.append(f"{'':<10}{'':>15}{'':>13}{'± ' + _millions(add_on_se):>24}  (EL add-on)")
    level = min(LEVELS)
    es = f"es_{level * 100:g}"
    total = result.es(level)
    top = loans.sort_values([es, "el"], ascending=False, kind="stable").head(5)
    lines += ["", f"Largest contributors to ES {level * 100:g}% (Euler):"]
    for values in top.to_dict("records"):
        share = f"{values[es] / total:.0%}" if total else "n/a"
        lines.append(
            f"  {values['facility_id']:<10} {values['obligor'][:28]:<28} "
            f"{values['gpu_model']:<9} {_millions(values[es]):>8} {share:>4}  "
            f"EL {_millions(values['el'])}"
        )
    for by, title in (("borrower_type", "borrower type"), ("gpu_model", "GPU model"),
                      ("offtaker", "offtaker")):  # fmt: skip
        groups = concentration(result, by)
        shares = ", ".join(
            f"{group} {share:.0%}"
            for group, share in zip(groups["group"], groups[f"{es}_share"], strict=True)
            if share == share and share >= 0.005
        )
        lines.append(f"ES {level * 100:g}% by {title}: {shares or 'none'}")
    return lines


def run_book(
    path: str, paths: str | None, seed: str | None, workers: str | None,
    scheduler: str | None, out: str | None, force: bool, chunk_paths: str | None,
) -> int:  # fmt: skip
    """Simulate a whole book (in process or on Dask), print its summary, write its report."""
    from pathlib import Path

    from addin.book.book import read_book
    from addin.book.run import CHUNK_PATHS
    from addin.log import log_unexpected
    from addin.model.errors import OutputExistsError

    count = _book_option("--paths", paths, BOOK_PATHS, 2, 10_000_000)
    start = _book_option("--seed", seed, 0, 0, 2**63 - 1)
    processes = _book_option("--workers", workers, 1, 1, MAX_BOOK_WORKERS)
    chunk = _book_option("--chunk-paths", chunk_paths, CHUNK_PATHS, 1, 10_000_000)
    report = None if out is None else Path(out)
    if report is not None and report.suffix.lower() != ".xlsx":
        from addin.model.errors import InputError

        raise InputError("-o", out, "a workbook file name ending in .xlsx")
    if report is not None and report.exists() and not force:
        raise OutputExistsError(str(report))  # before the run, not after it
    book = read_book(path)  # a bad book stops here: nothing simulated, nothing written
    try:
        client, closers, where = _book_cluster(processes, scheduler)
    except _ClusterError as error:
        print(f"gpucredit: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    try:
        result, stories = _simulate_book(book, count, start, chunk, client, report is not None)
        lines = book_lines(result, where)
        written = None
        if report is not None:
            from addin.book.workbook import write_book_report

            written = write_book_report(result, stories, report, force, chunk_paths=chunk)
    except AddinError:
        raise
    except _ClusterError as error:
        print(f"gpucredit: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception:
        where_log = log_unexpected("book", (path,))
        print(f"gpucredit: internal error in book; details logged in {where_log}",
              file=sys.stderr)  # fmt: skip
        return 1
    finally:
        for close in closers:
            close()
    print("\n".join(lines))
    if written is not None:
        print(f"wrote {written}")
    else:
        print("(no report written: add -o REPORT.xlsx for the book report workbook)")
    return 0


class _ClusterError(Exception):
    """Dask is missing, or the cluster could not be started or reached."""


def _book_cluster(workers: int, scheduler: str | None) -> tuple[Any, list[Callable[[], Any]], str]:
    """The Dask client of the run (None: in process), what to close after it, and a
    description of where the paths ran."""
    if scheduler is None and workers <= 1:
        return None, [], "in process"
    try:
        from distributed import Client

        from addin.book.run import local_cluster
    except ImportError as error:
        raise _ClusterError(f"--workers/--scheduler need dask.distributed ({error})") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as error:
            raise _ClusterError(
                f"--scheduler: could not connect to {scheduler!r} ({error}); allowed: the "
                "address of a running Dask scheduler, e.g. tcp://HOST:8786"
            ) from None
        return client, [client.close], f"on the Dask scheduler {scheduler}"
    try:
        cluster = local_cluster(workers)
    except (OSError, TimeoutError, RuntimeError) as error:
        raise _ClusterError(f"--workers: could not start {workers} workers ({error})") from None
    client = Client(cluster)  # type: ignore[no-untyped-call]
    closers: list[Callable[[], Any]] = [client.close, cluster.close]
    return client, closers, f"on {workers} local worker processes"


def _simulate_book(
    book: Book, paths: int, seed: int, chunk: int, client: Any, explain: bool
) -> tuple[BookResult, list[PathStory]]:
    """The run, with progress bars; the worst paths explained when a report is wanted."""
    from addin.book.report import worst_paths
    from addin.book.run import simulate_book

    try:
        result = simulate_book(book, paths, seed, client, chunk, progress_bar("simulating chunks"))
        stories = (
            worst_paths(result, client, progress_bar("explaining the worst paths"))
            if explain
            else []
        )
    except (OSError, TimeoutError) as error:  # a worker or the scheduler lost
        raise _ClusterError(f"the Dask cluster failed during the run ({error})") from None
    return result, stories


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``gpucredit`` command."""
    parser = argparse.ArgumentParser(
        prog="gpucredit", description="GPU Credit Desk: credit analytics for loans against GPUs."
    )
    parser.add_argument("--version", action="version", version=f"gpucredit {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    dscr = commands.add_parser("dscr", help="print a deal's DSCR schedule and summary")
    dscr.add_argument("deal", help="deal file (.toml)")
    dscr.add_argument("--decline", type=float, default=None,
                      help="annual rent decline, decimal (default: the deal's own)")  # fmt: skip
    risk = commands.add_parser(
        "risk", help="print a deal's PD, LGD, expected loss, rating and fair margin from "
        "simulated paths of its own cash flows"
    )  # fmt: skip
    risk.add_argument("deal", help="deal file (.toml or .xlsx)")
    risk.add_argument("--paths", default=None, metavar="N",
                      help="simulated paths, 2 to 200,000 (default 2,000); standard errors "
                           "fall as 1/sqrt(N)")  # fmt: skip
    risk.add_argument("--seed", default=None, metavar="S",
                      help="seed of the random numbers (default 0): the same seed gives the "
                           "same numbers")  # fmt: skip
    risk.add_argument("--scenario", default=None, metavar="NAME",
                      help='print a named scenario instead, e.g. "2024 rent collapse", or '
                           '"all"; a wrong name lists them')  # fmt: skip
    lite = commands.add_parser("lite", help="write main.py and requirements.txt for xlwings Lite")
    lite.add_argument("folder", help="folder to write the two files into")
    lite.add_argument("--force", action="store_true", help="overwrite existing files")
    lite.add_argument("--wheel-url", default=None,
                      help="URL of this package's wheel on a CORS-enabled server; without it "
                           "main.py carries the add-in's source")  # fmt: skip
    gallery = commands.add_parser("gallery", help="write the function gallery workbook")
    gallery.add_argument("--out", default="workbooks/functions.xlsx",
                         help="where to write it (default: workbooks/functions.xlsx)")  # fmt: skip
    gallery.add_argument("--force", action="store_true", help="overwrite an existing file")
    memo = commands.add_parser("memo", help="write the credit memo workbook of one or more deals")
    memo.add_argument("deals", nargs="*", metavar="DEAL",
                      help="deal files: .toml or filled .xlsx intake workbooks")  # fmt: skip
    memo.add_argument("--example", action="store_true",
                      help="also write the memo of the built-in example deal")  # fmt: skip
    memo.add_argument("-o", "--out", default="memos",
                      help="folder for the memos and the summary (default: memos)")  # fmt: skip
    memo.add_argument("--force", action="store_true", help="overwrite existing memos")
    memo.add_argument("--pdf", action="store_true",
                      help="also export each memo to PDF (needs LibreOffice)")  # fmt: skip
    memo.add_argument("--jobs", type=int, default=None,
                      help="deals processed in parallel (default: the CPU count)")  # fmt: skip
    memo.add_argument("--live", action="store_true",
                      help="add a sheet calling the add-in's functions (left out of the PDF: "
                           "only Excel with the add-in can compute it)")  # fmt: skip
    intake = commands.add_parser("intake", help="deal intake workbooks")
    intake_commands = intake.add_subparsers(dest="intake_command", required=True)
    intake_new = intake_commands.add_parser("new", help="write a blank intake workbook")
    intake_new.add_argument("file", help="the .xlsx file to write")
    intake_new.add_argument("--from", dest="source", default=None,
                            help="prefill from a deal file (.toml or .xlsx)")  # fmt: skip
    intake_new.add_argument("--force", action="store_true", help="overwrite an existing file")
    book = commands.add_parser(
        "book", help="simulate a whole book of GPU loans together (shared resale markets, "
        "cross-default) and write its report"
    )  # fmt: skip
    book.add_argument("book", help="book file (.csv or .xlsx): one row per facility")
    book.add_argument("--paths", default=None, metavar="N",
                      help=f"paths, 2 to 10,000,000 (default {BOOK_PATHS:,})")  # fmt: skip
    book.add_argument("--seed", default=None, metavar="S",
                      help="seed of the random numbers (default 0): the same seed gives the "
                           "same numbers, in process or on any cluster")  # fmt: skip
    where = book.add_mutually_exclusive_group()
    where.add_argument("--workers", default=None, metavar="N",
                       help="run on a local Dask cluster of N worker processes (N > 1; "
                            "default: in this process)")  # fmt: skip
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://HOST:8786")  # fmt: skip
    book.add_argument("-o", "--out", default=None, metavar="REPORT.xlsx",
                      help="write the book report workbook here (default: print only)")  # fmt: skip
    book.add_argument("--force", action="store_true", help="overwrite an existing report")
    book.add_argument("--chunk-paths", default=None, metavar="N",
                      help="paths per task, rounded down to whole blocks of 1,024 (default "
                           "4,096); worker memory grows with it")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gpucredit`` command; return its exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        # Results are checked for finiteness and errors name the input; numpy's overflow
        # warnings (with source paths) would only alarm a reader.
        warnings.simplefilter("ignore", RuntimeWarning)
        code = run_command(args)
    try:
        sys.stdout.flush()  # here, not at exit, where a closed pipe would print a traceback
    except BrokenPipeError:
        return _reader_left()
    return code


def _reader_left() -> int:
    """Standard output's reader stopped (``| head``): say nothing (the Python docs' recipe
    for SIGPIPE) and exit as a shell would."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the exit's own flush must not fail again
    return EXIT_CLOSED_PIPE


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; errors become one line on standard error and an exit code."""
    try:
        if args.command == "dscr":
            return run_dscr(args.deal, args.decline)
        if args.command == "risk":
            return run_risk(args.deal, args.paths, args.seed, args.scenario)
        if args.command == "lite":
            return run_lite(args.folder, args.wheel_url, args.force)
        if args.command == "gallery":
            return run_gallery(args.out, args.force)
        if args.command == "memo":
            return run_memo(args.deals, args.out, args.force, args.pdf, args.jobs, args.live,
                            args.example)  # fmt: skip
        if args.command == "intake":
            return run_intake_new(args.file, args.source, args.force)
        if args.command == "book":
            return run_book(args.book, args.paths, args.seed, args.workers, args.scheduler,
                            args.out, args.force, args.chunk_paths)  # fmt: skip
    except OutputError as error:
        print(f"gpucredit: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except AddinError as error:
        print(f"gpucredit: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # a bug: one line naming the log, which has the traceback
        if isinstance(error, BrokenPipeError) and _stdout_closed():
            return _reader_left()  # not a bug: the reader of our output stopped (| head)
        from addin.log import log_unexpected

        where = log_unexpected(args.command, ())
        print(f"gpucredit: internal error in {args.command}; details logged in {where}",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
    return 1


def _stdout_closed() -> bool:
    """Whether standard output's reader has gone (a pipe with no reader left)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    try:
        import select

        poller = select.poll()  # POSIX: a pipe whose reader closed reports an error
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # Windows, or no file behind stdout
        return False


if __name__ == "__main__":
    sys.exit(main())
