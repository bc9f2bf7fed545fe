"""Rekon: reconciles payroll, permits and surveys with the BPJS Ketenagakerjaan registry."""

__version__ = "0.1.0"
