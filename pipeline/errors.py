"""Errors that stop a run, each with a message an operator can act on."""

import re

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_DIGITS = re.compile(r"\d{8,}")


def without_values(text: str) -> str:
    """A parser's message as reports and logs may carry it (contract section 4): quoted text
    (a cell, a record) is left out, and a run of 8 or more digits (a NIK, an NPWP) is masked to
    its last 4 digits."""
    text = _QUOTED.sub("'…'", text)
    return _DIGITS.sub(lambda m: "*" * (len(m[0]) - 4) + m[0][-4:], text)


class RekonError(Exception):
    """A problem that stops the run; nothing is published."""


class MissingRegistryError(RekonError):
    """registry/employers or registry/participants is missing or unreadable."""


class RegistryGateError(RekonError):
    """A registry delivery that would make every employer a finding: several files for one
    registry, no accepted rows, or far fewer than the previous publication (contract section 4)."""


class UnreadableFileError(Exception):
    """A landing file that cannot be read at all; it is quarantined whole."""


class PublishWriteError(RekonError):
    """The publication could not be written (a full disk, an unwritable folder); the previous
    publication stays in force and nothing of the new one is left."""


# What `rekon run` answers with exit status 2 and an Airflow task fails on at once, without retry:
# the same inputs would give the same error again (pipeline/orchestration/failfast.py).
DATA_ERRORS: tuple[type[Exception], ...] = (RekonError, ValueError)
