"""Find each source's files in a period's landing folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.contract import FILE_SUFFIXES, REGISTRY_SOURCES, SOURCES
from pipeline.errors import MissingRegistryError, RekonError


@dataclass(frozen=True)
class Delivery:
    """The files of one period's delivery, by source, in a stable order."""

    root: Path  # <landing>/<period>
    files: dict[str, list[Path]]

    def sources(self) -> list[str]:
        return [name for name in SOURCES if self.files.get(name)]

    def require_registry(self) -> None:
        missing = [name for name in REGISTRY_SOURCES if not self.files.get(name)]
        if missing:
            expected = ", ".join(f"{m}.csv|.xlsx|.parquet" for m in missing)
            raise MissingRegistryError(
                f"the delivery in {self.root} has no {expected}: the registry is required "
                "to reconcile anything, so nothing was published"
            )

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _visible(path: Path) -> bool:
    # Markers (`_READY`) and editor or OS litter (`.DS_Store`, `~$book.xlsx`) are not extracts.
    return path.is_file() and not path.name.startswith((".", "_", "~$"))


def discover(landing: Path, period: str) -> Delivery:
    root = landing / period
    if not root.is_dir():
        raise RekonError(f"no delivery for {period}: {root} does not exist")
    files: dict[str, list[Path]] = {}
    for name, source in SOURCES.items():
        if source.many_files:
            folder = root / name
            found = sorted(p for p in folder.rglob("*") if _visible(p)) if folder.is_dir() else []
        else:
            folder, stem = (root / name).parent, Path(name).name
            found = (
                sorted(
                    p for p in folder.glob(f"{stem}.*") if _visible(p) and p.suffix.lower() in FILE_SUFFIXES
                )
                if folder.is_dir()
                else []
            )
        files[name] = found
    return Delivery(root, files)
