"""Validate: run each source's expectation suite with Great Expectations; split accepted rows
from quarantined ones, every row accounted for."""
