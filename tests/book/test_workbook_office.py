"""The book report on paper: LibreOffice prints every sheet, in order, at 8 pt or more.

Without LibreOffice this test skips, except under CI (the variable CI set), where it fails:
.ci/run installs LibreOffice and the Carlito font.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.book.report import PathStory
from addin.book.run import BookResult
from addin.book.workbook import SHEETS, write_book_report
from addin.io.office import convert
from tests.printing import metric_font, need_soffice, page_sheets_and_text_points

pytestmark = pytest.mark.office


def test_the_report_prints_every_sheet_in_order_readably(
    tmp_path: Path, example_result: BookResult, example_stories: list[PathStory]
) -> None:
    # The house style's rule (docs/memo.md, "On paper"): no text under 8 pt, nothing cut.
    need_soffice()
    path = tmp_path / "book.xlsx"
    write_book_report(example_result, example_stories, path, chunk_paths=1024)
    (pdf,) = convert([path], "pdf", tmp_path / "pdf")
    readable = metric_font()
    title = f"Book report: {Path(example_result.book.source).name}"  # each page's header
    pages = page_sheets_and_text_points(pdf, title)
    order = [sheet for i, (sheet, _) in enumerate(pages) if i == 0 or pages[i - 1][0] != sheet]
    assert order == list(SHEETS)  # each sheet once, its pages together, in order
    if readable:
        small = [(i + 1, sheet, pt) for i, (sheet, pt) in enumerate(pages) if pt < 8.0]
        assert not small, f"text under 8 pt on pages {small}"
