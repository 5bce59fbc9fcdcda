"""Helpers of the LibreOffice tests: is soffice here, and what a printed PDF shows."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from addin.io.office import find_soffice


def need_soffice() -> None:
    """Skip without LibreOffice, or fail under CI (the variable CI set): .ci/run installs it."""
    if find_soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required under CI; .ci/run installs it")
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        )


def metric_font() -> bool:
    """Whether LibreOffice prints Calibri with a metric-equal face (Carlito), as Excel would;
    without it a wider substitute shrinks every page that is fitted to its width. Under CI
    the font is required (.ci/run installs it): its absence fails the test."""
    found = shutil.which("fc-match")
    face = (
        ""
        if found is None
        else subprocess.run([found, "Calibri"], capture_output=True, text=True, check=False).stdout
    )
    if "Carlito" not in face and os.environ.get("CI"):
        pytest.fail("the Carlito font is required under CI; .ci/run installs it")
    return "Carlito" in face


def page_sheets_and_text_points(pdf: Path, title: str) -> list[tuple[str, float]]:
    """Each page's sheet (from the page header, "title  sheet") and its smallest text,
    in points as printed (font size times the text and page scale)."""
    pages = []
    for page in PdfReader(pdf).pages:
        header = page.extract_text().splitlines()[0]
        assert header.startswith(title), header
        sizes: list[float] = []
        page.extract_text(visitor_text=partial(_text_points, sizes))
        pages.append((header[len(title) :].strip(), min(sizes)))
    return pages


def _text_points(sizes: list[float], text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
    """Record a text run's printed size: a unit vector through the text and page matrices."""
    if text.strip():
        x = tm[0] * cm[0] + tm[1] * cm[2]
        y = tm[0] * cm[1] + tm[1] * cm[3]
        sizes.append(size * math.hypot(x, y))
