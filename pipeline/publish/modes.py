"""File modes of what Rekon publishes, set explicitly so that the process umask never matters:
folders 0750, published files 0640, files with full NIKs (the referral files) 0600."""

from __future__ import annotations

import os
from pathlib import Path

FOLDER = 0o750
FILE = 0o640
SECRET = 0o600


def folder(path: Path) -> Path:
    """Create `path` (and missing parents) as 0750 folders; an existing one is set to 0750."""
    missing = []
    for parent in (path, *path.parents):
        if parent.exists():
            break
        missing.append(parent)
    for created in reversed(missing):
        try:
            # created without group or other write even under umask 000, before any file is inside
            os.mkdir(created, FOLDER)
        except FileExistsError:
            pass
        os.chmod(created, FOLDER)
    os.chmod(path, FOLDER)
    return path


def seal(tree: Path, file_mode: int = FILE) -> None:
    """Set every folder under `tree` (itself included) to 0750 and every file to `file_mode`."""
    os.chmod(tree, FOLDER)
    for root, dirs, files in os.walk(tree):
        for name in dirs:
            os.chmod(os.path.join(root, name), FOLDER)
        for name in files:
            os.chmod(os.path.join(root, name), file_mode)
