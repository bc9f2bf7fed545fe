"""Hostile deliveries, each run through `rekon run` as an operator would: a subprocess.

One base delivery (tests/scenario.py) is published once per session; each test copies that
landing and data folder, spoils the delivery one way and runs the period again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import publication
from tests import scenario as s

REPO = Path(__file__).resolve().parents[2]

# Runs `rekon` as a child and reports the child's peak memory (a fresh process, so the figure
# is the run's own and not an earlier test's).
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_kib: int

    def error_lines(self) -> list[str]:
        """What the operator is told on failure: stderr without the log lines."""
        return [line for line in self.stderr.splitlines() if line.startswith("rekon:")]


@dataclass
class Case:
    landing: Path
    data: Path
    period: str = s.PERIOD

    @property
    def delivery(self) -> Path:
        return self.landing / self.period

    @property
    def published(self) -> Path:
        return self.data / "published" / self.period

    def snapshot(self, period: str | None = None) -> dict[str, bytes]:
        """Every published file by its path; the portal's serving database by the manifest's
        record of it only (a DuckDB file's bytes differ from one write to the next; the manifest
        names it by its version, pipeline/publish/serving.py)."""
        folder = self.data / "published" / (period or self.period)
        if not folder.exists():
            return {}
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != publication.SERVING_DATABASE
        }

    def run(self, *extra: str, period: str | None = None, timeout: float = 600) -> Run:
        return rekon(
            "run",
            "--period",
            period or self.period,
            "--landing",
            str(self.landing),
            "--data",
            str(self.data),
            *extra,
            timeout=timeout,
        )

    def manifest(self) -> dict:
        return json.loads((self.published / "manifest.json").read_text())

    def quarantine(self) -> list[dict[str, str]]:
        import csv

        with (self.published / "quarantine.csv").open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    def input(self, path: str) -> dict:
        return next(i for i in self.manifest()["inputs"] if i["path"] == path)


def rekon(*args: str, timeout: float = 600) -> Run:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    peak = Path(os.environ.get("TMPDIR", "/tmp")) / f"rekon-hostile-peak-{os.getpid()}-{time.time_ns()}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(peak), sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )
    seconds = time.perf_counter() - started
    peak_kib = int(peak.read_text()) if peak.exists() else 0
    peak.unlink(missing_ok=True)
    return Run(done.returncode, done.stdout, done.stderr, seconds, peak_kib)


def accounted(case: Case) -> None:
    """Every input file: rows received = accepted + quarantined, and quarantine.csv has a line
    for each quarantined row (or one for a file quarantined whole)."""
    per_file: dict[str, int] = {}
    whole: set[str] = set()
    for row in case.quarantine():
        if row["row_number"]:
            per_file[row["file"]] = per_file.get(row["file"], 0) + 1
        else:
            whole.add(row["file"])
    for entry in case.manifest()["inputs"]:
        assert entry["rows_received"] == entry["rows_accepted"] + entry["rows_quarantined"], entry
        if entry["status"] in ("quarantined", "held_back"):
            assert entry["path"] in whole, entry
        else:
            assert per_file.get(entry["path"], 0) == entry["rows_quarantined"], entry


def one_line_error(run: Run, *words: str) -> str:
    """Exit status 2, no traceback, and one line saying what went wrong."""
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-2000:]
    lines = run.error_lines()
    assert len(lines) == 1, run.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="session")
def base_publication(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("hostile-base")
    case = Case(root / "landing", root / "data")
    s.build_base_delivery(case.landing)
    run = case.run()
    assert run.code == 0, run.stderr[-3000:]
    return case


@pytest.fixture()
def case(base_publication: Case, tmp_path: Path) -> Iterator[Case]:
    """A copy of the published base: spoil its delivery, run, compare with `before`."""
    copy = Case(tmp_path / "landing", tmp_path / "data")
    shutil.copytree(base_publication.landing, copy.landing, symlinks=True)
    shutil.copytree(base_publication.data, copy.data, symlinks=True)
    yield copy
