"""Writing outputs safely (issue 11, items 5-7): no symlink followed, no orphan workers,
nothing partial left, and environment errors named with their path and reason."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from addin.cli import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, main
from addin.io import xlsx
from addin.io.xlsx import remove_stale_temporaries, save_workbook
from addin.model.errors import OutputError
from tests.deals import EXAMPLES

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"


def test_a_symlink_planted_at_the_temporary_name_is_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "memos"
    out.mkdir()
    # The old predictable names, for this pid and 400 others: all ignored now.
    for pid in range(os.getpid() - 200, os.getpid() + 200):
        (out / f".neocloud_h100_memo.xlsx.{pid}.tmp").symlink_to(victim)
    # And the very name the temporary file would take first: mkstemp (O_EXCL) skips it.
    real = tempfile._get_candidate_names()  # type: ignore[attr-defined]
    names = iter(["planted", "fresh", *(next(real) for _ in range(1000))])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    planted = out / f"{xlsx.TEMPORARY_PREFIX}{os.getpid()}-planted.tmp"
    planted.symlink_to(victim)
    assert main(["memo", str(NEOCLOUD), "-o", str(out), "--jobs", "1"]) == 0
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (out / "neocloud_h100_memo.xlsx").stat().st_size > 10_000
    assert not list(out.glob(f"{xlsx.TEMPORARY_PREFIX}*fresh*"))


def test_an_environment_error_names_the_path_and_reason_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full_disk(temp: Path, path: Path, force: bool) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(xlsx, "publish", full_disk)
    with pytest.raises(
        OutputError, match=r"book.xlsx: cannot be written \(No space left on device\)"
    ):
        save_workbook(Workbook(), tmp_path / "book.xlsx")
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == EXIT_ENVIRONMENT
    err = capsys.readouterr().err
    assert "neocloud_h100_memo.xlsx: cannot be written (No space left on device)" in err
    assert err.count("No space left") == 1  # printed once
    assert list(tmp_path.iterdir()) == [tmp_path / "book.xlsx"] or not any(
        p.suffix in (".xlsx", ".tmp") for p in tmp_path.iterdir()
    )


def test_a_memo_name_too_long_for_the_file_system_is_an_environment_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deal = tmp_path / ("d" * 250 + ".toml")  # its memo name has 260 characters
    deal.write_bytes(NEOCLOUD.read_bytes())
    out = tmp_path / "out"
    assert main(["memo", str(deal), "-o", str(out), "--jobs", "1"]) == EXIT_ENVIRONMENT
    assert "cannot be written (File name too long)" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_an_output_folder_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "memos"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["memo", str(NEOCLOUD), "-o", str(target)]) == EXIT_BAD_INPUT
    assert "-o: got" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_a_failed_pdf_leaves_no_memo_that_blocks_the_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from addin.io import office

    def broken(workbook: Path, pdf: Path, force: bool = False) -> Path:
        raise office.OfficeError("LibreOffice could not convert: crashed")

    monkeypatch.setattr(office, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(office, "export_pdf", broken)
    assert (
        main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--pdf", "--jobs", "1"]) == EXIT_BAD_INPUT
    )
    assert not (tmp_path / "neocloud_h100_memo.xlsx").exists()
    monkeypatch.undo()
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == 0


def test_temporaries_of_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    dead = tmp_path / f"{xlsx.TEMPORARY_PREFIX}999999999-x1y2.tmp"
    live = tmp_path / f"{xlsx.TEMPORARY_PREFIX}{os.getpid()}-a1b2.tmp"
    dead.write_bytes(b"half")
    live.write_bytes(b"in progress")
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert live.exists()
    assert not dead.exists()
    dead.write_bytes(b"half")
    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == 0
    assert not dead.exists()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def many_deals(tmp_path: Path) -> list[str]:
    paths = []
    for i in range(8):
        path = tmp_path / f"deal{i}.toml"
        path.write_bytes(NEOCLOUD.read_bytes())
        paths.append(str(path))
    return paths


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_workers_stop_when_the_parent_is_killed(tmp_path: Path, many_deals: list[str]) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-m", "addin.cli", "memo", *many_deals, "-o", str(tmp_path / "out"),
         "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = _children(parent.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the pool never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed = time.monotonic()
    while any(Path(f"/proc/{w}").exists() and "Z" not in _state(w) for w in workers):
        assert time.monotonic() - killed < 10, "workers outlived their parent"
        time.sleep(0.05)
    print(f"workers stopped {time.monotonic() - killed:.2f} s after the parent was killed")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
