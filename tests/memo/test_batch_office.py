"""`gpucredit memo --pdf` through a real headless LibreOffice: the PDF stage on the progress
display, and `--live --pdf` without a page of #NAME? (issue 14, item 10).

Without LibreOffice these tests skip, except when the environment variable CI is set,
where they fail (as tests/memo/test_memo_office.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from addin.cli import main
from addin.memo.batch import ANALYSIS, PDF, SIMULATION, WORKBOOK
from tests.deals import EXAMPLES
from tests.printing import need_soffice

pytestmark = pytest.mark.office


@pytest.fixture(autouse=True, scope="module")
def _need_soffice() -> None:
    need_soffice()


def test_live_pdf_has_no_name_errors_and_shows_the_pdf_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = EXAMPLES / "neocloud_h100.toml"
    args = ["memo", str(path), "-o", str(tmp_path), "--jobs", "1", "--pdf", "--live"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    stages = re.findall(r"neocloud_h100\.toml: (\S+)$", err, re.M)
    assert stages == [ANALYSIS, SIMULATION, WORKBOOK, PDF]  # the export is announced as it starts
    done = re.search(r"neocloud_h100\.toml: ok in .* PDF (\d+\.\d\d) s\)$", err, re.M)
    assert done is not None
    assert float(done.group(1)) > 0
    text = "\n".join(
        page.extract_text() for page in PdfReader(tmp_path / "neocloud_h100_memo.pdf").pages
    )
    assert "#NAME?" not in text  # before: a page of them, from the Live sheet
    assert "Live add-in functions" not in text  # the Live sheet's title: not printed
    assert "Cash flow" in text  # the other sheets are
    assert "leave out the Live sheet" in out
    book = openpyxl.load_workbook(tmp_path / "neocloud_h100_memo.xlsx")
    assert book["Live"].sheet_state == "visible"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no copy left
