"""`rekon serve` and `rekon user ...`: the portal's command line (argparse only, imports nothing heavy)."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the portal's subcommands on the `rekon` parser."""
