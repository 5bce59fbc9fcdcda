"""The log of unexpected errors: where it goes, rotation, and what it never holds."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs
import pytest
from platformdirs.api import PlatformDirsABC
from platformdirs.macos import MacOS
from platformdirs.unix import Unix
from platformdirs.windows import Windows

from addin import log
from addin.excel.udfs import excel_errors

SECRET = "Example Neocloud Inc. owes 85000000"


@excel_errors
def BROKEN(deal, rate):  # type: ignore[no-untyped-def]
    """A function with a bug whose message quotes a deal value."""
    raise KeyError(deal[0][1])


def test_an_unexpected_error_is_logged_without_any_value(fresh_log: Path) -> None:
    assert not fresh_log.exists()  # created on first use only
    cell = BROKEN([["borrower", SECRET], ["loan_amount", 85e6]], 0.11)
    assert cell == f"#VALUE! internal error in BROKEN; details logged in {fresh_log}"
    text = fresh_log.read_text(encoding="utf-8")
    assert "unexpected error in BROKEN(range 2x2, float): KeyError" in text
    assert "raise KeyError(deal[0][1])" in text  # the traceback's code line
    for value in ("Example Neocloud", "85000000", "85e6", "8.5e7", "0.11"):
        assert value not in text, value


def test_the_log_rotates_at_1_mb_keeping_3_copies(fresh_log: Path) -> None:
    BROKEN([["borrower", SECRET]], 0.1)
    handlers = logging.getLogger(log.LOGGER_NAME).handlers
    rotating = [h for h in handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(rotating) == 1, handlers
    assert (rotating[0].maxBytes, rotating[0].backupCount) == (1_000_000, 3)
    assert Path(rotating[0].baseFilename) == fresh_log


# Each platform's folder as platformdirs resolves it (platformdirs picks its class for the
# running platform when imported, so another platform's class is put in its place here).
# On Windows the folder is the shell's local AppData (%LOCALAPPDATA%); off Windows
# platformdirs reads it from WIN_PD_OVERRIDE_LOCAL_APPDATA.
@pytest.mark.parametrize(
    ("platform", "dirs", "env", "expected"),
    [
        ("win32", Windows, {"WIN_PD_OVERRIDE_LOCAL_APPDATA": "C:/Users/a/AppData/Local"},
         Path("C:/Users/a/AppData/Local/GPUCreditDesk/Logs/gpucredit.log")),
        ("darwin", MacOS, {}, Path.home() / "Library/Logs/GPUCreditDesk/gpucredit.log"),
        ("linux", Unix, {"XDG_STATE_HOME": "/x/state"},
         Path("/x/state/GPUCreditDesk/log/gpucredit.log")),
        ("emscripten", Unix, {}, None),
    ],
)  # fmt: skip
def test_where_the_log_is(
    platform: str,
    dirs: type[PlatformDirsABC],
    env: dict[str, str],
    expected: Path | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GPUCREDIT_LOG_DIR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(log.sys, "platform", platform)
    monkeypatch.setattr(platformdirs, "PlatformDirs", dirs)
    assert log.log_path() == expected


def test_the_override_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPUCREDIT_LOG_DIR", str(tmp_path / "logs"))
    assert log.log_path() == tmp_path / "logs" / "gpucredit.log"
    assert not (tmp_path / "logs").exists()
