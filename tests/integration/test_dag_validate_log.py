"""A validate task's log holds what an operator needs, not Great Expectations' chatter (D14).

Runs a real validation (real GX suite) of a demo delivery's registry/employers with the logging
an Airflow task has (the root logger at INFO, warnings routed to logging) and counts what GX and
the warnings it triggers would add to the task's log.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

PERIOD = "2026-10"


def test_a_validate_task_logs_no_great_expectations_noise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pipeline.demo.generate import generate
    from pipeline.orchestration.quiet import quiet_great_expectations
    from pipeline.steps import ingest, validate

    landing, data = tmp_path / "landing", tmp_path / "data"
    generate(landing, employers=60, seed=7, period=PERIOD)
    for source in ("registry/employers", "registry/participants"):
        ingest(PERIOD, landing, data, source)
    logging.captureWarnings(True)
    caplog.set_level(logging.DEBUG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            with quiet_great_expectations():
                result = validate(PERIOD, data, "registry/participants")
    finally:
        logging.captureWarnings(False)
    assert result["rows_accepted"] > 0
    noise = [r for r in caplog.records if r.name.startswith(("great_expectations", "py.warnings"))]
    assert noise == [], [f"{r.name}: {r.getMessage()[:120]}" for r in noise[:10]]
