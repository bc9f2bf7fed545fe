"""Find each source's files in a period's delivery.

The rules work on paths relative to the delivery's folder (`classify`), so the same rules judge a
local landing folder (`discover`) and an object-store listing (pipeline/storage.py) alike.
"""

from __future__ import annotations

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


def _extract(name: str) -> bool:
    # Markers (`_READY`) and editor or OS litter (`.DS_Store`, `~$book.xlsx`) are not extracts.
    return not name.startswith((".", "_", "~$"))


def classify(paths: Iterable[str]) -> dict[str, list[str]]:
    """Each source's files among a delivery's files, given as '/'-separated paths relative to the
    delivery's folder: `payroll/` holds any number of files with any names, anywhere below it; any
    other source is one `<folder>/<name>.csv|.xlsx|.parquet` file (or several, by suffix)."""
    files: dict[str, list[PurePosixPath]] = {name: [] for name in SOURCES}
    for rel in paths:
        path = PurePosixPath(rel)
        if not _extract(path.name):
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
    """Every file below a local delivery folder, relative to it, as `classify` takes them."""
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]


def discover(landing: Path, period: str) -> Delivery:
    root = landing / period
    if not root.is_dir():
        raise RekonError(f"no delivery for {period}: {root} does not exist")
    found = classify(local_files(root))
    return Delivery(root, {name: [root / rel for rel in rels] for name, rels in found.items()})
