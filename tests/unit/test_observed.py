"""Observed values of batch expectations, as the run summary and quality.html show them."""

from __future__ import annotations

import pytest

from pipeline.quality.report import observed_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.16666666666666666, "0.1667"),
        (3250000.0, "3,250,000"),
        (12, "12"),
        (None, "-"),
        ("2 of 9 rows fail", "2 of 9 rows fail"),
    ],
)
def test_observed_values_read_as_an_operator_expects(value: object, text: str) -> None:
    assert observed_text(value) == text
