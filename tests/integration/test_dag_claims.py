"""Two runs of one period never interleave: `rekon run` (one process, a lock) against DAG runs
(many processes, a claim). See pipeline/claim.py for the design."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.claim import PeriodBusy, check_claim, claim_file, exclusive, read_claim, release, try_claim
from pipeline.layout import Layout
from pipeline.runner import period_lock, run_period

PERIOD = "2026-10"
RUN_A = "airflow:rekon_monthly:scheduled__2026-11-01T00:00:00+00:00"
RUN_B = "airflow:rekon_monthly:backfill__2026-11-01T00:00:00+00:00"


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "data", PERIOD)


def test_a_claim_is_exclusive_reentrant_and_released_by_its_owner_only(layout: Layout) -> None:
    assert try_claim(layout, RUN_A) is None
    # A cleared task of the same run takes its own claim again.
    assert try_claim(layout, RUN_A) is None
    assert "claimed by " + RUN_A in (try_claim(layout, RUN_B) or "")
    check_claim(layout, RUN_A)
    with pytest.raises(PeriodBusy, match="does not own"):
        check_claim(layout, RUN_B)
    assert release(layout, RUN_B) is False
    assert read_claim(layout)["owner"] == RUN_A
    assert release(layout, RUN_A) is True
    assert not claim_file(layout).exists()
    assert try_claim(layout, RUN_B) is None


def test_a_claim_of_a_finished_run_is_taken_over(layout: Layout) -> None:
    assert try_claim(layout, RUN_A) is None
    # RUN_A failed without its teardown (a killed worker): its claim is stale.
    assert try_claim(layout, RUN_B, is_stale=lambda owner: owner == RUN_A) is None
    assert read_claim(layout)["owner"] == RUN_B
    with pytest.raises(PeriodBusy):
        check_claim(layout, RUN_A)


def test_a_dag_run_cannot_claim_while_rekon_run_works(layout: Layout) -> None:
    with period_lock(layout):
        assert "`rekon run`" in (try_claim(layout, RUN_A) or "")
    assert try_claim(layout, RUN_A) is None


def test_rekon_run_stops_at_once_on_a_claimed_period(layout: Layout, tmp_path: Path) -> None:
    assert try_claim(layout, RUN_A) is None
    with pytest.raises(PeriodBusy, match=re.escape(f"claimed by {RUN_A}")):
        run_period(PERIOD, tmp_path / "no-landing-needed", layout.data)
    assert read_claim(layout)["owner"] == RUN_A
    assert not layout.published.exists()


def test_two_cli_runs_still_exclude_each_other(layout: Layout) -> None:
    with exclusive(layout):
        with pytest.raises(PeriodBusy, match="in progress"):
            with period_lock(layout):
                pass
