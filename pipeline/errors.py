"""Errors that stop a run, each with a message an operator can act on."""


class RekonError(Exception):
    """A problem that stops the run; nothing is published."""


class MissingRegistryError(RekonError):
    """registry/employers or registry/participants is missing or unreadable."""


class RegistryGateError(RekonError):
    """A registry delivery that would make every employer a finding: several files for one
    registry, no accepted rows, or far fewer than the previous publication (contract section 4)."""


class UnreadableFileError(Exception):
    """A landing file that cannot be read at all; it is quarantined whole."""
