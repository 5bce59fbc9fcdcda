"""Memos for many deals at once: parallel runs, a progress bar and a summary workbook.

Each deal is one job: load (TOML or intake workbook), analyse, write the memo (and its
PDF with ``pdf``). A bad deal is reported with its file name and does not stop the others.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from openpyxl.workbook.workbook import Workbook

from addin.io import xlsx as c
from addin.io.deal_files import read_deal
from addin.io.xlsx import save_workbook
from addin.log import log_unexpected
from addin.memo.builder import write_memo
from addin.memo.flags import period_label
from addin.memo.text import breakeven_text
from addin.model.errors import AddinError, DealFileError, OutputError, OutputExistsError

EXAMPLE_DEAL = "example_deal.toml"
EXAMPLE_MEMO = "example_memo.xlsx"


def example_deal_path() -> Path:
    """The built-in example deal shipped inside the package (a neocloud H100 fleet)."""
    return Path(str(resources.files("addin.model") / "data" / EXAMPLE_DEAL))


def memo_name(deal_path: Path) -> str:
    """File name of a deal's memo: ``<deal file stem>_memo.xlsx``.

    Examples
    --------
    >>> memo_name(Path("deals/neocloud_h100.toml")), memo_name(example_deal_path())
    ('neocloud_h100_memo.xlsx', 'example_memo.xlsx')
    """
    if deal_path.name == EXAMPLE_DEAL and deal_path.parent.name == "data":
        return EXAMPLE_MEMO
    return f"{deal_path.stem}_memo.xlsx"


@dataclass(frozen=True)
class Job:
    """One memo to write."""

    deal_path: Path
    memo_path: Path
    force: bool = False
    pdf: bool = False
    live: bool = False


@dataclass
class Outcome:
    """What happened to one job: the files written, key metrics, or the error."""

    deal_path: Path
    memo_path: Path | None = None
    pdf_path: Path | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    internal: bool = False  # True for an unexpected error (a bug), False for bad input
    environment: bool = False  # True when a file could not be written (disk, permissions)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the memo was written."""
        return self.error is None


def run_job(job: Job) -> Outcome:
    """Load, analyse and write one memo; never raises (errors go into the outcome)."""
    start = time.perf_counter()
    outcome = Outcome(job.deal_path)
    try:
        pdf_path = job.memo_path.with_suffix(".pdf")
        if job.pdf and pdf_path.exists() and not job.force:
            raise OutputExistsError(str(pdf_path))
        deal = read_deal(job.deal_path)
        data = write_memo(deal, job.memo_path, job.force, job.live, source=job.deal_path.name)
        outcome.memo_path = job.memo_path
        if job.pdf:
            outcome.pdf_path = _export_pdf_or_remove_memo(job.memo_path, pdf_path, job.force)
        s, sale = data.summary, data.collateral.liquidation
        outcome.metrics = {
            "deal": deal.name,
            "borrower_type": deal.borrower_type,
            "loan_usd": s.loan_amount,
            "min_dscr": s.min_dscr,
            "flat_min_dscr": s.flat_min_dscr,
            "llcr": s.llcr,
            "breakeven_decline": s.breakeven_decline,
            "first_default_breach": s.first_default_breach,
            "min_llcr": s.min_llcr,
            "plcr": s.plcr,
            "first_payment_default": s.first_payment_default,
            "first_payment_default_date": s.first_payment_default_date,
            "first_covenant_default": s.first_covenant_default,
            "first_covenant_default_date": s.first_covenant_default_date,
            "first_ltv_breach": s.first_ltv_breach,
            "first_ltv_breach_date": s.first_ltv_breach_date,
            "contract_expiry_cliff": s.contract_expiry_cliff,
            "ltv_close_book": data.collateral.ltv_close_book,
            "ltv_close_liquidation": None if sale is None else sale.ltv_close,
            "red_flags": sum(flag.status == "red" for flag in data.flags),
        }
    except OutputError as error:  # the environment: disk full, read-only, name too long
        outcome.error = str(error)
        outcome.environment = True
        outcome.memo_path = None
    except DealFileError as error:  # already names the file
        outcome.error = str(error)
    except AddinError as error:
        outcome.error = f"{job.deal_path}: {error}"
    except Exception as error:  # a bug: log the traceback, keep the other deals going
        where = log_unexpected("memo", (str(job.deal_path),))
        outcome.error = f"{job.deal_path}: internal error ({type(error).__name__}); see {where}"
        outcome.internal = True
    outcome.seconds = time.perf_counter() - start
    return outcome


def _export_pdf_or_remove_memo(memo: Path, pdf: Path, force: bool) -> Path:
    """Export the memo's PDF; if that fails, remove the memo so a rerun is not blocked."""
    from addin.io.office import export_pdf

    try:
        return export_pdf(memo, pdf, force)
    except BaseException:
        memo.unlink(missing_ok=True)
        raise


def _stop_with_parent(parent: int) -> None:
    """In a worker process: exit within a second once the parent process has died.

    A worker killed this way leaves at most one temporary file, which the next run removes
    (:func:`addin.io.xlsx.remove_stale_temporaries`).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="gpucredit-parent-watch", daemon=True).start()


EXIT_ORPHANED = 3


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + f"] {done}/{total}"


def run_jobs(jobs: list[Job], workers: int, progress: TextIO | None = None) -> list[Outcome]:
    """Run jobs on ``workers`` processes (in this process when 1); outcomes in job order.

    A progress bar goes to ``progress`` (default standard error), a line per finished job.

    Examples
    --------
    >>> import io, tempfile
    >>> job = Job(Path("missing.toml"), Path(tempfile.mkdtemp()) / "m.xlsx")
    >>> (outcome,) = run_jobs([job], 1, io.StringIO())
    >>> outcome.ok, outcome.error.split(":")[0]
    (False, 'missing.toml')
    """
    outcomes: dict[int, Outcome] = {}
    stream = sys.stderr if progress is None else progress

    def report(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        status = "ok" if outcome.ok else "FAILED"
        name = outcome.deal_path.name
        bar = _bar(len(outcomes), len(jobs))
        stream.write(f"{bar} {name}: {status} ({outcome.seconds:.2f} s)\n")
        stream.flush()

    if workers <= 1 or len(jobs) <= 1:
        for index, job in enumerate(jobs):
            report(index, run_job(job))
    else:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(workers, len(jobs)),
            initializer=_stop_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures = {pool.submit(run_job, job): index for index, job in enumerate(jobs)}
            for future in concurrent.futures.as_completed(futures):
                report(futures[future], future.result())
    return [outcomes[i] for i in range(len(jobs))]


def plan_jobs(
    deals: list[Path], outdir: Path, force: bool, pdf: bool, live: bool
) -> tuple[list[Job], list[Outcome]]:
    """One job per deal file; two deals that would write the same memo are refused."""
    jobs: list[Job] = []
    refused: list[Outcome] = []
    seen: dict[Path, Path] = {}
    for deal_path in deals:
        memo_path = outdir / memo_name(deal_path)
        if memo_path in seen:
            refused.append(
                Outcome(
                    deal_path,
                    error=f"{deal_path}: writes the same memo {memo_path} as "
                    f"{seen[memo_path]}; allowed: deal files with different names",
                )
            )
            continue
        seen[memo_path] = deal_path
        jobs.append(Job(deal_path, memo_path, force, pdf, live))
    return jobs, refused


SUMMARY_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("file", "Deal file", c.GENERAL, 28),
    ("deal", "Deal", c.GENERAL, 30),
    ("borrower_type", "Type", c.GENERAL, 11),
    ("loan_usd", "Loan USD", c.USD, 14),
    ("min_dscr", "Min DSCR", c.COVERAGE, 10),
    ("flat_min_dscr", "Min DSCR flat rent", c.COVERAGE, 10),
    ("llcr", "LLCR", c.COVERAGE, 9),
    ("min_llcr", "Min LLCR (loan life)", c.COVERAGE, 9),
    ("plcr", "PLCR", c.COVERAGE, 9),
    ("breakeven_decline", "Breakeven decline", c.BREAKEVEN, 10),
    ("first_default_breach", "First default breach", "0", 10),
    # the waterfall's first events (issue 12): period and payment date
    ("first_payment_default", "First payment default", "0", 10),
    ("first_payment_default_date", "Payment default date", c.DATE, 11),
    ("first_covenant_default", "First covenant default", "0", 10),
    ("first_covenant_default_date", "Covenant default date", c.DATE, 11),
    ("first_ltv_breach", "First LTV breach", "0", 10),
    ("first_ltv_breach_date", "LTV breach date", c.DATE, 11),
    ("contract_expiry_cliff", "Contract-expiry cliff USD per period", c.USD, 14),
    ("ltv_close_book", "LTV at close (book)", c.PERCENT, 10),
    ("ltv_close_liquidation", "LTV at close (liquidation)", c.PERCENT, 11),
    ("red_flags", "Red flags", "0", 7),
    ("memo", "Memo", c.GENERAL, 30),
    ("error", "Error", c.GENERAL, 60),
)


def summary_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per deal: key metrics, the memo written, or the error."""
    rows = []
    for outcome in outcomes:
        row: dict[str, Any] = {key: None for key, *_ in SUMMARY_COLUMNS}
        row.update(outcome.metrics)
        row["file"] = str(outcome.deal_path)
        row["memo"] = str(outcome.memo_path) if outcome.memo_path else ""
        row["error"] = outcome.error or ""
        rows.append(row)
    return pd.DataFrame(rows, columns=[key for key, *_ in SUMMARY_COLUMNS])


def format_summary(frame: pd.DataFrame) -> str:
    """The summary as fixed-width text tables for the terminal: coverage, then first events.

    The second table has the waterfall's first payment default, covenant default and LTV
    breach (period and payment date) and the contract-expiry cliff, for the deals written.
    """
    names = frame["file"].map(lambda p: Path(p).name)
    shown = pd.DataFrame(
        {
            "deal file": names,
            "loan USD m": frame["loan_usd"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:,.1f}"),
            "min DSCR": frame["min_dscr"].map(_x),
            "flat": frame["flat_min_dscr"].map(_x),
            "LLCR": frame["llcr"].map(_x),
            "min LLCR": frame["min_llcr"].map(_x),
            "PLCR": frame["plcr"].map(_x),
            "breakeven": frame["breakeven_decline"].map(
                lambda v: "" if v is None or pd.isna(v) else breakeven_text(v)
            ),
            "red flags": frame["red_flags"].map(lambda v: "" if pd.isna(v) else str(int(v))),
            "result": [e if e else "ok" for e in frame["error"]],
        }
    )
    written = frame["error"] == ""
    if not written.any():
        return shown.to_string(index=False)
    rows = frame[written]
    events = pd.DataFrame(
        {
            "deal file": names[written],
            "first payment default": _events(rows, "first_payment_default"),
            "first covenant default": _events(rows, "first_covenant_default"),
            "first LTV breach": _events(rows, "first_ltv_breach"),
            "expiry cliff USD k/period": rows["contract_expiry_cliff"].map(
                lambda v: "none" if _blank(v) else f"{v / 1e3:,.0f}"
            ),
        }
    )
    return shown.to_string(index=False) + "\n\n" + events.to_string(index=False)


def _events(rows: pd.DataFrame, key: str) -> list[str]:
    """The first event of a kind per deal, as the memo prints it: "period k (date)"."""
    return [
        period_label(None if _blank(period) else (int(period), None if _blank(day) else day))
        for period, day in zip(rows[key], rows[f"{key}_date"], strict=True)
    ]


def _x(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.2f}x"


def write_summary_workbook(frame: pd.DataFrame, outdir: Path) -> Path:
    """Write the summary table as ``memo_summary_<time>.xlsx`` in ``outdir`` (a new file)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    c.title(ws, "Deal memos: summary", f"Generated {dt.datetime.now():%Y-%m-%d %H:%M}")
    c.header_row(ws, 3, [label for _, label, *_ in SUMMARY_COLUMNS])
    for i, record in enumerate(frame.to_dict("records")):
        for j, (key, _, fmt, _) in enumerate(SUMMARY_COLUMNS, start=1):
            value = record[key]
            c.put(
                ws, ws.cell(row=4 + i, column=j).coordinate, None if _blank(value) else value, fmt
            )
    for j, (*_, width) in enumerate(SUMMARY_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=3, column=j).column_letter].width = width
    ws.freeze_panes = "B4"
    c.print_setup(ws, "Deal memos: summary", "3:3")
    stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
    path = outdir / f"memo_summary_{stamp}.xlsx"
    suffix = 2
    while path.exists():
        path = outdir / f"memo_summary_{stamp}-{suffix}.xlsx"
        suffix += 1
    return save_workbook(wb, path)


def _blank(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def default_jobs() -> int:
    """Default number of parallel jobs: the CPU count."""
    return os.cpu_count() or 1
