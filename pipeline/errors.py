"""Errors that stop a run, each with a message an operator can act on."""


class RekonError(Exception):
    """A problem that stops the run; nothing is published."""


class MissingRegistryError(RekonError):
    """registry/employers or registry/participants is missing or unreadable."""


class UnreadableFileError(Exception):
    """A landing file that cannot be read at all; it is quarantined whole."""


class PublishWriteError(RekonError):
    """The publication could not be written (a full disk, an unwritable folder); the previous
    publication stays in force and nothing of the new one is left."""
