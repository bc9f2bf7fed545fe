"""The storage root publications are mirrored to: a local folder or an object-store URL (fsspec).

The pipeline computes on a POSIX data folder (DuckDB files, atomic renames, the period lock need
one: locally, or a volume every worker mounts). Where publications must also land in an object
store (`s3://bucket/rekon`, or any fsspec URL; S3 needs the `s3fs` package), the DAG mirrors each
period's publication there after the local swap, when the Airflow Variable `rekon_storage` (or
the environment variable `REKON_STORAGE`) names a root.

Object stores have no rename, so a reader there could see a half-copied folder: the data files
go first and `manifest.json` last, and a reader trusts only files the manifest lists with their
sha256. Files of an older publication that the new one no longer has are removed afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import RekonError
from pipeline.layout import Layout

MANIFEST = "manifest.json"


def is_local(root: str) -> bool:
    return "://" not in root or root.startswith("file://")


def filesystem(root: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for a root URL or local path."""
    from fsspec.core import url_to_fs

    try:
        fs, path = url_to_fs(root)
    except (ImportError, ValueError) as exc:
        raise RekonError(f"cannot open storage root {root}: {exc}") from exc
    return fs, path.rstrip("/")


def mirror_publication(data: str | Path, root: str, period: str) -> dict[str, Any]:
    """Copy `<data>/published/<period>/` to `<root>/published/<period>/`, manifest last."""
    source = Layout(Path(data), period).published
    manifest = source / MANIFEST
    if not manifest.is_file():
        raise RekonError(f"{period} has no publication to mirror: {manifest} is missing")
    fs, base = filesystem(root)
    target = f"{base}/published/{period}"
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.name != MANIFEST)
    fs.makedirs(target, exist_ok=True)
    for path in files:
        remote = f"{target}/{path.relative_to(source).as_posix()}"
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(path), remote)
    fs.put_file(str(manifest), f"{target}/{MANIFEST}")
    keep = {f"{target}/{p.relative_to(source).as_posix()}" for p in files} | {f"{target}/{MANIFEST}"}
    stale = [p for p in fs.find(target) if _strip(fs, p) not in {_strip(fs, k) for k in keep}]
    if stale:
        fs.rm(stale)
    return {
        "url": f"{root.rstrip('/')}/published/{period}",
        "files": len(files) + 1,
        "removed": len(stale),
        "outputs": len(json.loads(manifest.read_text())["outputs"]),
    }


def _strip(fs: Any, path: str) -> str:
    return fs._strip_protocol(path).rstrip("/")
