"""Headless LibreOffice: PDF export of memos, and full recalculation for the tests.

LibreOffice runs with a private user profile (one per process, in the temp folder) whose
settings force a full recalculation of every formula on load (``OOXMLRecalcMode`` and
``ODFRecalcMode`` = 0, "always recalculate"), so converted files never carry stale values
and parallel runs do not share a profile.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from addin.io.xlsx import publish
from addin.model.errors import AddinError

TIMEOUT_SECONDS = 300
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
_profile: Path | None = None


class OfficeError(AddinError):
    """LibreOffice is missing or a conversion failed."""


def find_soffice() -> str | None:
    """Path of the ``soffice`` program, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile_dir() -> Path:
    global _profile
    if _profile is None or not _profile.exists():
        _profile = Path(tempfile.mkdtemp(prefix="gpucredit-lo-"))
        (_profile / "user").mkdir()
        (_profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


def convert(paths: list[Path], to: str, outdir: Path) -> list[Path]:
    """Convert files with headless LibreOffice, recalculating every formula on load.

    Parameters
    ----------
    paths : list of Path
        Workbooks to convert (one LibreOffice start for all of them).
    to : str
        Target format: ``"xlsx"`` (recalculated copy) or ``"pdf"``.
    outdir : Path
        Folder for the results, named like the inputs with the new suffix.

    Returns
    -------
    list of Path
        The converted files, in the order of ``paths``.
    """
    soffice = find_soffice()
    if soffice is None:
        raise OfficeError("LibreOffice (soffice) is not installed; it is needed for --pdf")
    target = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}[to]
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        soffice,
        f"-env:UserInstallation={_profile_dir().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *(str(p) for p in paths),
    ]
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=env
        )
    except subprocess.TimeoutExpired:
        raise OfficeError(f"LibreOffice took over {TIMEOUT_SECONDS} s converting") from None
    results = [outdir / (p.stem + "." + to) for p in paths]
    missing = [r.name for r in results if not r.exists()]
    if done.returncode != 0 or missing:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise OfficeError(f"LibreOffice could not convert {', '.join(missing)}: {detail[0]}")
    return results


def export_pdf(workbook: Path, pdf: Path, force: bool = False) -> Path:
    """Export a workbook to PDF next to it (temporary folder, then moved into place)."""

    with tempfile.TemporaryDirectory(dir=pdf.parent, prefix=".pdf-") as work:
        staged = Path(work) / (pdf.stem + ".xlsx")
        shutil.copyfile(workbook, staged)
        (made,) = convert([staged], "pdf", Path(work))
        publish(made, pdf, force)
    return pdf
