"""Data errors fail a task at once; everything else is left to Airflow's retries.

A data error is what `rekon run` answers with exit status 2 (pipeline.errors.DATA_ERRORS: a
missing or unreadable registry, a failing `error` expectation, a period claimed by another run,
...): the same delivery gives the same answer on every try, so retrying only holds the period
for an hour. Anything else (an OSError, a lost database connection, a killed worker) may pass,
and is retried with backoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.errors import DATA_ERRORS


@contextmanager
def data_errors_fail_fast() -> Iterator[None]:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except DATA_ERRORS as error:
        raise AirflowFailException(f"{type(error).__name__}: {error} (a data error: not retried)") from error
