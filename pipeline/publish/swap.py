"""Replace a period's publication in one step, so readers see the old one or the new one."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from pipeline.publish import modes


def staging_dir(target: Path) -> Path:
    """A fresh folder beside `target` on the same file system, where the new version is written."""
    path = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:8]}"
    return modes.folder(path)


def recover(target: Path) -> None:
    """Undo an interrupted swap: if the target vanished but its previous version is kept, restore it."""
    previous = target.parent / f".{target.name}.previous"
    if not target.exists() and previous.exists():
        os.rename(previous, target)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def swap_into_place(staging: Path, target: Path) -> None:
    """Two renames on one file system: the window without `target` is a few microseconds, and
    `recover` closes it after a crash."""
    previous = target.parent / f".{target.name}.previous"
    if previous.exists():
        shutil.rmtree(previous)
    if target.exists():
        os.rename(target, previous)
    os.rename(staging, target)
    shutil.rmtree(previous, ignore_errors=True)
