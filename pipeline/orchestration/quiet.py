"""A validate task's log holds what an operator needs: the suite's outcome, not Great
Expectations' own chatter (its INFO lines per expectation, metric and data-context step, and the
warnings pandas and GX raise about their own APIs)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

NOISY = ("great_expectations", "great_expectations_core", "py.warnings", "tzlocal", "posthog", "altair")


@contextmanager
def quiet_great_expectations() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in NOISY]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=DeprecationWarning)
            warnings.simplefilter("ignore", category=FutureWarning)
            warnings.simplefilter("ignore", category=UserWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
