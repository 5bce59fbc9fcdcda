"""Deal memo workbooks: the credit committee's formatted, printable view of one deal.

:func:`write_memo` analyses a deal and writes its workbook (Summary, Inputs, a live Cash
flow sheet in native Excel formulas, Stress, Collateral, Credit, Charts, Sources and
assumptions, optionally Live). The builder only lays out results of the engines; it
never reads Excel ranges.
"""

from addin.io.xlsx import save_workbook
from addin.memo.analysis import MemoData, analyse
from addin.memo.builder import SHEETS, build_workbook, write_memo

__all__ = ["SHEETS", "MemoData", "analyse", "build_workbook", "save_workbook", "write_memo"]
