"""The Great Expectations wrapper: failing rows come back by `_row_id`, and no batch is hashed."""

from __future__ import annotations

import pandas as pd
import pytest
from great_expectations.execution_engine import pandas_execution_engine

from pipeline.validate.gx_runner import ROW_ID, Validator

NOT_NULL = {
    "type": "expect_column_values_to_not_be_null",
    "kwargs": {"column": "nik"},
    "meta": {"reason": "invalid_nik"},
}


def test_failing_rows_come_back_with_their_reason_and_no_frame_is_fingerprinted(monkeypatch) -> None:
    hashed = []
    # raising=True (the default): if GX renames its fingerprint function, this test says so.
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", lambda df: hashed.append(len(df)))
    validator = Validator()
    frame = pd.DataFrame({ROW_ID: [10, 11, 12], "nik": ["3171010101900001", None, None]})

    failures, summary, _ = validator.run("payroll:test.csv", frame, [NOT_NULL], {})

    assert failures[ROW_ID].tolist() == [11, 12]
    assert set(failures.reason) == {"invalid_nik"}
    assert [(s["success"], s["unexpected_count"]) for s in summary] == [(False, 2)]
    # Hashing every row of every batch was most of a validation's time at 1 M rows.
    assert hashed == []


@pytest.mark.parametrize("rows", [0, 1])
def test_frames_with_no_failures_give_an_empty_failure_table(rows: int) -> None:
    frame = pd.DataFrame({ROW_ID: list(range(rows)), "nik": ["3171010101900001"] * rows})
    failures, summary, _ = Validator().run("payroll:test.csv", frame, [NOT_NULL], {})
    assert failures.empty and list(failures.columns) == [ROW_ID, "reason", "check"]
    assert summary[0]["success"]
