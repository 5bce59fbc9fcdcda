"""Print settings of the workbooks (addin.io.xlsx.print_setup): nothing cut, text >= 8 pt."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart

from addin.io.xlsx import (
    CM_POINTS,
    DEFAULT_ROW_POINTS,
    PRINT_HEIGHT_POINTS,
    column_points,
    contain_overflow,
    print_setup,
)


def test_a_long_note_is_wrapped_within_the_printed_columns() -> None:
    # LibreOffice prints a note's overflow, so a 300-character note over 4 columns of 10
    # (4 x 56.25 pt = 225 pt, column_points) would force the page down to hold ~1,650 pt.
    ws = Workbook().active
    ws["A1"] = "x" * 300
    ws["D5"] = 1.0
    for letter in "ABCD":
        ws.column_dimensions[letter].width = 10
    assert 4 * column_points(10) == 225.0
    print_setup(ws, "Deal")
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:D1"]
    assert ws["A1"].alignment.wrap_text
    assert ws.row_dimensions[1].height > 15.0  # fit_rows gave it its lines
    ws2 = Workbook().active
    ws2["A1"], ws2["B1"], ws2["D5"] = "x" * 300, "next", 1.0  # clipped by B1: left alone
    contain_overflow(ws2, 1, 4)
    assert not ws2.merged_cells.ranges


def test_a_block_that_would_be_cut_starts_a_new_page() -> None:
    # Landscape A4 holds (8.27 - 1.2) x 72 = 509 pt at 100%: 33 rows of 15 pt. Blocks of
    # rows 1-20 and 21-40: the second would end at 600 pt, so a break after row 20.
    # Ten columns of 10 (562.5 pt): too wide for portrait (538 pt), landscape at 100%.
    ws = Workbook().active
    for row in range(1, 41):
        for col in range(1, 11):
            ws.cell(row=row, column=col, value=row)
    for letter in "ABCDEFGHIJ":
        ws.column_dimensions[letter].width = 10
    assert PRINT_HEIGHT_POINTS["landscape"] // DEFAULT_ROW_POINTS == 33
    print_setup(ws, "Deal", keep_together=[(1, 20), (21, 40)])
    assert (ws.page_setup.orientation, ws.page_setup.scale) == ("landscape", 100)
    assert [b.id for b in ws.row_breaks.brk] == [20]
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # Excel ignores breaks when fitting


def test_a_chart_beside_a_table_prints_on_its_own_page_across() -> None:
    # A 3-column table (portrait) and a chart 24 cm wide (680 pt > 538 pt portrait) at
    # column F: landscape, a column break before F, the scale the widest part allows.
    ws = Workbook().active
    for row in range(1, 11):
        for col in range(1, 4):
            ws.cell(row=row, column=col, value=row * col)
    chart = BarChart()
    chart.width, chart.height = 24.0, 8.0
    ws.add_chart(chart, "F2")
    print_setup(ws, "Deal")
    assert ws.page_setup.orientation == "landscape"
    assert [b.id for b in ws.col_breaks.brk] == [5]  # after column E
    assert 24.0 * CM_POINTS < (11.69 - 0.8) * 72  # fits the landscape width at 100%
    assert ws.page_setup.scale == 100


def test_a_split_table_can_repeat_its_key_column_on_every_page_across() -> None:
    # Column A (20 wide: 108.75 pt) and two parts of 10 columns of 14 (10 x 77.25 pt):
    # each part with A is 881.25 pt; landscape holds (11.69 - 0.8) x 72 = 784 pt at 100%,
    # so the fixed scale is the largest that fits: int(100 x 784.08 / 881.25) = 88.
    ws = Workbook().active
    ws.column_dimensions["A"].width = 20
    for col in range(2, 22):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 14
        ws.cell(row=2, column=col, value=col)
    ws["A2"] = "key"
    print_setup(ws, "Deal", split_after=["K"], repeat_first_column=True)
    assert ws.print_title_cols == "$A:$A"
    assert [b.id for b in ws.col_breaks.brk] == [11]
    assert column_points(20) + 10 * column_points(14) == 881.25
    assert ws.page_setup.scale == int(100 * (11.69 - 0.8) * 72 / 881.25) == 88


def test_a_note_is_wrapped_within_its_printed_part_and_never_over_a_merge() -> None:
    # Excel refuses overlapping merges (the file opens with a repair prompt), and a merge
    # across a column break would print half the note on each page.
    ws = Workbook().active
    for letter in "ABCDEFGH":
        ws.column_dimensions[letter].width = 10
    ws["H9"] = 1.0
    ws["A2"] = "x" * 300
    ws["A5"] = "y" * 300
    ws.merge_cells("C4:C6")
    contain_overflow(ws, 1, 8, split=[5])  # parts A:D and E:H
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A2:D2", "C4:C6"]
    assert not ws["A5"].alignment.wrap_text
