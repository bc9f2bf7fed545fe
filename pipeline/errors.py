"""Errors that stop a run, each with a message an operator can act on."""


class RekonError(Exception):
    """A problem that stops the run; nothing is published."""


class MissingRegistryError(RekonError):
    """registry/employers or registry/participants is missing or unreadable."""


class UnreadableFileError(Exception):
    """A landing file that cannot be read at all; it is quarantined whole."""


# What `rekon run` answers with exit status 2 and an Airflow task fails on at once, without retry:
# the same inputs would give the same error again (pipeline/orchestration/failfast.py).
DATA_ERRORS: tuple[type[Exception], ...] = (RekonError, ValueError)
