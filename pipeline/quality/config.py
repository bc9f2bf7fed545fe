"""Thresholds and severities of the batch expectations: documented defaults, operator overrides."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("defaults.toml")
SEVERITIES = ("warning", "error")


@dataclass(frozen=True)
class QualityConfig:
    checks: dict[str, dict[str, Any]]

    def severity(self, check: str) -> str:
        return self.checks.get(check, {}).get("severity", "warning")

    def value(self, check: str, key: str) -> Any:
        return self.checks[check][key]


def load_config(data: Path | None = None) -> QualityConfig:
    """The defaults, overridden key by key by `<data>/rekon.toml` when it exists."""
    checks = tomllib.loads(DEFAULTS.read_text())["checks"]
    override = data / "rekon.toml" if data else None
    if override and override.exists():
        for name, values in tomllib.loads(override.read_text()).get("checks", {}).items():
            if name not in checks:
                raise ValueError(f"{override}: unknown check {name!r}; known: {', '.join(sorted(checks))}")
            checks[name] = {**checks[name], **values}
    for name, values in checks.items():
        if values.get("severity") not in SEVERITIES:
            raise ValueError(
                f"check {name!r}: severity must be one of {SEVERITIES}, got {values.get('severity')!r}"
            )
    return QualityConfig(checks)
