"""Fatal problems stop the run with a clear message, a non-zero exit and nothing published,
and the previous publication of the period stays intact."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from tests import scenario as s


@pytest.fixture()
def published(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    landing, data = tmp_path / "landing", tmp_path / "data"
    s.build_base_delivery(landing)
    assert main(["run", "--period", s.PERIOD, "--landing", str(landing), "--data", str(data)]) == 0
    return landing, data, _files(data / "published" / s.PERIOD)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a publication (the portal's serving files are in a folder of their own)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _unchanged(data: Path, before: dict[str, bytes]) -> bool:
    return _files(data / "published" / s.PERIOD) == before


@pytest.mark.parametrize("source", ["employers", "participants"])
def test_missing_registry_stops_the_run(published, source: str, capsys: pytest.CaptureFixture) -> None:
    landing, data, before = published
    (landing / s.PERIOD / "registry" / f"{source}.csv").unlink()
    capsys.readouterr()
    code = main(["run", "--period", s.PERIOD, "--landing", str(landing), "--data", str(data)])
    assert code == 2
    assert f"registry/{source}" in capsys.readouterr().err
    assert _unchanged(data, before)


def test_unreadable_registry_stops_the_run(published, capsys: pytest.CaptureFixture) -> None:
    landing, data, before = published
    registry = landing / s.PERIOD / "registry"
    (registry / "participants.csv").unlink()
    (registry / "participants.xlsx").write_bytes(b"not a workbook at all")
    code = main(["run", "--period", s.PERIOD, "--landing", str(landing), "--data", str(data)])
    assert code == 2
    assert "could not be read" in capsys.readouterr().err
    assert _unchanged(data, before)


def test_a_missing_delivery_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["run", "--period", "2026-11", "--landing", str(tmp_path), "--data", str(tmp_path / "d")])
    assert code == 2
    assert "no delivery for 2026-11" in capsys.readouterr().err
    assert not (tmp_path / "d" / "published" / "2026-11").exists()


def test_bad_period_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "--period", "2026-13", "--landing", str(tmp_path), "--data", str(tmp_path)]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_console_script_exit_status(published) -> None:
    """The installed `rekon` entry point reports failure through its exit status."""
    landing, data, _ = published
    shutil.rmtree(landing / s.PERIOD / "registry")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            "--period",
            s.PERIOD,
            "--landing",
            str(landing),
            "--data",
            str(data),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "nothing was published" in result.stderr
