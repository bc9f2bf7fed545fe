"""Find each source's files in a period's delivery.

The rules work on paths relative to the delivery's folder (`classify`), so the same rules judge a
local landing folder (`discover`) and an object-store listing (pipeline/storage.py) alike.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.contract import FILE_SUFFIXES, REGISTRY_SOURCES, SOURCES
from pipeline.errors import MissingRegistryError, RekonError


@dataclass(frozen=True)
class Delivery:
    """The files of one period's delivery, by source, in a stable order."""

    root: Path  # <landing>/<period>
    files: dict[str, list[Path]]
    ignored: tuple[str, ...] = ()  # control files (`_READY`, `.DS_Store`), relative to root

    def sources(self) -> list[str]:
        return sources_in(self.files)

    def require_registry(self) -> None:
        require_registry(self.files, str(self.root))

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def sources_in(files: Mapping[str, Sequence[object]]) -> list[str]:
    """The sources that have at least one file, in the contract's order."""
    return [name for name in SOURCES if files.get(name)]


def require_registry(files: Mapping[str, Sequence[object]], where: str) -> None:
    """Raise MissingRegistryError unless every registry source has a file (`where`: for the message)."""
    missing = [name for name in REGISTRY_SOURCES if not files.get(name)]
    if missing:
        expected = ", ".join(f"{m}.csv|.xlsx|.parquet" for m in missing)
        raise MissingRegistryError(
            f"the delivery in {where} has no {expected}: the registry is required "
            "to reconcile anything, so nothing was published"
        )


def is_control(rel: str) -> bool:
    """Markers (`_READY`) and editor or OS litter (`.DS_Store`, `~$book.xlsx`, a `_old/` folder)
    are control files, not extracts (contract section 4): any part of the path may say so."""
    return any(part.startswith((".", "_", "~$")) for part in PurePosixPath(rel).parts)


def control_files(paths: Iterable[str]) -> list[str]:
    """The control files among a delivery's paths, sorted: listed as ignored in the report."""
    return sorted(rel for rel in paths if is_control(rel))


def classify(paths: Iterable[str]) -> dict[str, list[str]]:
    """Each source's files among a delivery's files, given as '/'-separated paths relative to the
    delivery's folder: `payroll/` holds any number of files with any names, anywhere below it; any
    other source is one `<folder>/<name>.csv|.xlsx|.parquet` file (or several, by suffix)."""
    files: dict[str, list[PurePosixPath]] = {name: [] for name in SOURCES}
    for rel in paths:
        path = PurePosixPath(rel)
        if is_control(rel):
            continue
        for name, source in SOURCES.items():
            if source.many_files:
                folder = PurePosixPath(name).parts
                if len(path.parts) > len(folder) and path.parts[: len(folder)] == folder:
                    files[name].append(path)
            elif (
                path.parent == PurePosixPath(name).parent
                and path.name.startswith(f"{PurePosixPath(name).name}.")
                and path.suffix.lower() in FILE_SUFFIXES
            ):
                files[name].append(path)
    # Path order (by components), as the folder walk has always given: ingest follows it.
    return {name: [p.as_posix() for p in sorted(found)] for name, found in files.items()}


def local_files(root: Path) -> list[str]:
    """Every entry below a local delivery folder that could be a data file, relative to it, as
    `classify` takes them: regular files, and also symbolic links, devices, sockets and folders
    named like a data file (`employers.csv/`), which ingest quarantines as not regular files.
    Nothing is followed: a symbolic link is listed, never read through or descended into."""
    found: list[str] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False) and path.suffix.lower() not in FILE_SUFFIXES:
                    folders.append(path)
                else:
                    found.append(path.relative_to(root).as_posix())
    return sorted(found)


def is_regular_file(path: Path) -> bool:
    """A regular file itself, not a symbolic link to one (the link is never followed)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def discover(landing: Path, period: str) -> Delivery:
    root = landing / period
    if not root.is_dir():
        raise RekonError(f"no delivery for {period}: {root} does not exist")
    listing = local_files(root)
    found = classify(listing)
    return Delivery(
        root,
        {name: [root / rel for rel in rels] for name, rels in found.items()},
        tuple(control_files(listing)),
    )
