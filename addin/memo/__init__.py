"""Deal memo workbooks: the credit committee's formatted, printable view of one deal.

:func:`write_memo` analyses a deal and writes its workbook. The package reads as its
parts: typed results (:mod:`~addin.memo.results`, computed by :func:`analyse`), flags and
the verdict (:mod:`~addin.memo.flags`), the builder (:mod:`~addin.memo.builder`), many deals at once
(:mod:`~addin.memo.batch`), and one module per sheet: :mod:`~addin.memo.summary`,
:mod:`~addin.memo.inputs`, :mod:`~addin.memo.cash_flow` (live Excel formulas),
:mod:`~addin.memo.stress`, :mod:`~addin.memo.collateral`, :mod:`~addin.memo.credit`,
:mod:`~addin.memo.risk`, :mod:`~addin.memo.charts`, :mod:`~addin.memo.sources` and the
optional :mod:`~addin.memo.live`. The sheets only lay out results; none reads Excel ranges.
:mod:`~addin.memo.gallery` writes the function gallery workbook.
"""

from addin.io.xlsx import save_workbook
from addin.memo.builder import SHEETS, build_workbook, write_memo
from addin.memo.results import MemoData, analyse

__all__ = ["SHEETS", "MemoData", "analyse", "build_workbook", "save_workbook", "write_memo"]
