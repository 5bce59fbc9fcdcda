"""README.md and docs/*.md point only at files and names that exist.

Every repository path they mention (``addin/...``, ``tests/...``, ``benchmarks/...``,
``workbooks/...``, ``docs/...``, ``tools/...``, ``.ci/...``), in text, code or a link,
must name an existing file or folder, and every dotted name (``addin.io.intake.read_intake``)
an importable module or one of its attributes, so a move of a module shows up here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOTTED = re.compile(r"(?<![\w/.-])addin(?:\.\w+)+")
PATH = re.compile(
    r"(?<![\w/.-])(?:\.\./)*((?:addin|tests|benchmarks|workbooks|docs|tools|\.ci)/[\w./-]*)"
)


def mentioned_paths(text: str) -> set[str]:
    """Repository paths in a markdown text, without a sentence's closing full stop."""
    return {match.rstrip(".") for match in PATH.findall(text)}


def test_the_pattern_finds_paths_in_text_code_and_links() -> None:
    text = "See `addin/log.py`. Also [memo](docs/memo.md), ../workbooks/x.xlsx and addin/model/."
    found = {"addin/log.py", "docs/memo.md", "workbooks/x.xlsx", "addin/model/"}
    assert mentioned_paths(text) == found
    assert mentioned_paths("https://example.com/tests/x.py and my_addin/y.py") == set()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_path_mentioned_exists(document: Path) -> None:
    paths = mentioned_paths(document.read_text(encoding="utf-8"))
    assert paths, document  # each document names at least one file
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], f"{document.name} mentions missing paths: {missing}"


def resolves(dotted: str) -> bool:
    """Whether ``addin.a.b.c`` is a module, or attributes of the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_resolves_modules_and_their_attributes() -> None:
    assert resolves("addin.io.intake.read_intake")
    assert not resolves("addin.intake.read_intake")  # the module before the reorganisation
    assert not resolves("addin.io.intake.no_such_function")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_dotted_name_mentioned_exists(document: Path) -> None:
    names = set(DOTTED.findall(document.read_text(encoding="utf-8")))
    missing = sorted(name for name in names if not resolves(name))
    assert missing == [], f"{document.name} mentions missing names: {missing}"
