"""Benchmark: how fast the add-in starts, against the issue's 0.5 s target.

Times, as wall clock of a fresh process (median of several runs), ``gpucredit --help``,
``gpucredit --version`` (the installed console script) and ``python -c "import addin"``,
next to a bare ``python -c pass`` for the interpreter's own start-up. Then checks, in a
fresh interpreter each, that neither pandas nor scipy is loaded after ``import addin`` or
``--help``. Run: ``uv run python benchmarks/bench_startup.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5
HEAVY = ("pandas", "scipy")
PROBE = (
    "import contextlib, io, sys\n"
    "{code}\n"
    "print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy})))"
)


def gpucredit() -> str:
    """The ``gpucredit`` console script beside this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name("gpucredit")
    found = str(beside) if beside.exists() else shutil.which("gpucredit")
    if found is None:
        raise SystemExit("gpucredit is not installed: run `uv sync` first")
    return found


def median_wall_s(command: list[str], runs: int) -> float:
    """Median wall time of a command, seconds, after one unmeasured run (warm file cache)."""
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_after(code: str) -> str:
    """The heavy modules a fresh interpreter holds after running ``code`` ("" for none)."""
    script = PROBE.format(code=code, heavy=set(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    runs = parser.parse_args().runs
    script = gpucredit()
    commands = {
        "python -c pass (interpreter only)": [sys.executable, "-c", "pass"],
        'python -c "import addin"': [sys.executable, "-c", "import addin"],
        "gpucredit --version": [script, "--version"],
        "gpucredit --help": [script, "--help"],
    }
    print(f"wall time, median of {runs} runs (target <= {TARGET_S} s)")
    print(f"  {'command':<36} {'seconds':>8}  verdict")
    ok = True
    for label, command in commands.items():
        seconds = median_wall_s(command, runs)
        meets = seconds <= TARGET_S
        ok &= meets
        print(f"  {label:<36} {seconds:>8.3f}  {'ok' if meets else 'OVER TARGET'}")
    help_code = (
        "from addin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    print("heavy modules loaded (should be none)")
    for label, code in {"import addin": "import addin", "gpucredit --help": help_code}.items():
        heavy = heavy_after(code)
        ok &= heavy == ""
        print(f"  {label:<36} {heavy or 'none'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
