"""The storage root: deliveries come from it and publications go to it, on a local folder or an
object store reached through fsspec (`s3://bucket/rekon`; S3 and S3-compatible stores such as
MinIO through `s3fs`).

Layout under the root:

    <root>/landing/<YYYY-MM>/...     a delivery, laid out like a local landing folder (with `_READY`)
    <root>/published/<YYYY-MM>/...   the publication, `manifest.json` written last

The pipeline still computes on POSIX folders: DuckDB needs a real file, publishing swaps folders
by atomic rename, and the period claim relies on an exclusive file lock, none of which an object
store offers. So a delivery is first *staged*, copied into the local landing folder
(`<landing>/<period>/`), where ingest reads it as it always has; and after the local publish the
publication is *mirrored* to the root. The data folder stays local (in docker compose, a volume
every worker mounts).

Chosen by the Airflow Variable `rekon_storage` (else the environment variable `REKON_STORAGE`)
for the DAG, and by `rekon run --storage URL` on the command line. Credentials and the endpoint
come from the backend's usual environment, for S3: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_ENDPOINT_URL` (MinIO, any S3-compatible store), `AWS_DEFAULT_REGION`.

Object stores have no rename, so a reader there could see a half-copied folder: the data files
go first and `manifest.json` last, and a reader trusts only files the manifest lists with their
sha256. Files of an older publication that the new one no longer has are removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import RekonError
from pipeline.layout import Layout
from pipeline.publication import MANIFEST

# Kept in the staged copy of a delivery: the version of each file when it was copied. A dot name,
# which ingest never takes for an extract.
STAGED = ".rekon-staged.json"
# Where a file is downloaded before it is renamed into place: a dot name, which ingest never
# takes for an extract, should a crash leave one behind (the next staging removes it).
PARTIAL = ".{}.staging"
# The storage backends' own errors (a refused connection is not an OSError in botocore).
_BACKENDS = ("fsspec", "s3fs", "botocore", "aiobotocore", "aiohttp")


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


def landing_url(root: str, period: str) -> str:
    """The period's delivery under a root URL, or under the filesystem path `filesystem` gives."""
    return f"{root.rstrip('/')}/landing/{period}"


def published_url(root: str, period: str) -> str:
    return f"{root.rstrip('/')}/published/{period}"


@contextmanager
def _storage_errors(what: str) -> Iterator[None]:
    """Report the backend's errors (network, credentials, permissions) as RekonError, so that
    `rekon run` prints one line and exits 2 rather than a traceback; Airflow retries either."""
    try:
        yield
    except RekonError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in _BACKENDS:
            raise RekonError(f"{what}: {type(exc).__name__}: {exc}") from exc
        raise


@dataclass(frozen=True)
class Remote:
    """One file of a delivery in the storage root."""

    size: int
    # Changes whenever the file is written again: S3's ETag, else the modification time; None
    # where the backend gives neither.
    version: str | None


def list_delivery(root: str, period: str) -> dict[str, Remote]:
    """Every file under `<root>/landing/<period>/`, by its '/'-separated path relative to that
    folder; empty when there is none (object stores have no empty folders)."""
    fs, base = filesystem(root)
    prefix = landing_url(base, period)
    with _storage_errors(f"cannot list {landing_url(root, period)}"):
        # Listings are cached per filesystem instance, and a worker's instance lives for days.
        fs.invalidate_cache(prefix)
        try:
            found = fs.find(prefix, detail=True)
        except FileNotFoundError:
            return {}
    start = len(_strip(fs, prefix)) + 1
    listing = {}
    for path, info in found.items():
        rel = _strip(fs, path)[start:]
        # S3 "folder" placeholder objects (keys ending in /) are not files of the delivery.
        if rel and info.get("type", "file") == "file" and not path.endswith("/"):
            listing[rel] = Remote(int(info["size"]), _version(info))
    return listing


def _version(info: dict[str, Any]) -> str | None:
    # Each fsspec backend names these differently: S3 `ETag` (a content hash for plain uploads),
    # local `mtime`, S3 `LastModified`, memory `created`.
    for key in ("ETag", "etag", "mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if value is not None:
            return str(value).strip('"')
    return None


def stage_delivery(root: str, period: str, landing: str | Path) -> dict[str, Any]:
    """Make `<landing>/<period>/` a copy of `<root>/landing/<period>/` for ingest to read.

    A file already staged (same size, and the same version as recorded in `.rekon-staged.json`
    when it was copied) is skipped: a corrected file re-delivered at the same size is not. The
    others are downloaded under a temporary name and renamed into place, so ingest never reads
    half a file. Files the delivery no longer has are removed, so a re-delivery is honoured.
    Afterwards the staged folder must hold exactly the listed files with their sizes, else
    RekonError."""
    url = landing_url(root, period)
    listing = list_delivery(root, period)
    if not listing:
        # Never mirror an empty listing (a typo in the root, a deleted prefix) onto a staged copy.
        raise RekonError(f"no delivery for {period}: nothing under {url}")
    if STAGED in listing:
        raise RekonError(f"{url}/{STAGED} is a name Rekon keeps for itself in the staged copy")
    target = Path(landing) / period
    expected = {rel: remote.size for rel, remote in listing.items()}
    summary = {"url": url, "folder": str(target), "files": len(listing), "bytes": sum(expected.values())}
    fs, base = filesystem(root)
    source = landing_url(base, period)
    if is_local(root) and Path(source).resolve() == target.resolve():
        # The root's landing folder is the landing folder itself: nothing to copy, nothing to delete.
        return {**summary, "copied": 0, "removed": 0}

    record = _read_record(target / STAGED)
    copied = 0
    with _storage_errors(f"cannot stage {url}"):
        for rel, remote in sorted(listing.items()):
            dest = target / rel
            if dest.is_file() and dest.stat().st_size == remote.size and record.get(rel) == remote.version:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(PARTIAL.format(dest.name))
            fs.get_file(f"{source}/{rel}", str(partial))
            if partial.stat().st_size != remote.size:
                partial.unlink()
                raise RekonError(
                    f"{url}/{rel} changed while it was copied ({remote.size} bytes listed): "
                    "the delivery is still being written"
                )
            os.replace(partial, dest)
            copied += 1
    # Written after the copies: a crash in between only makes the next staging copy more.
    _write_record(target / STAGED, {rel: remote.version for rel, remote in listing.items()})

    removed, staged = 0, {}
    for path in sorted(target.rglob("*"), reverse=True):  # children before their folders
        rel = path.relative_to(target).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel in listing:
            staged[rel] = path.stat().st_size
        elif rel != STAGED:
            path.unlink()
            removed += 1

    # Nothing lost or left over: the same files with the same sizes as the listing.
    if staged != expected:
        differ = sorted(set(staged.items()) ^ set(expected.items()))[:5]
        raise RekonError(f"the staged copy of {url} in {target} differs from the delivery: {differ}")
    return {**summary, "copied": copied, "removed": removed}


def _read_record(path: Path) -> dict[str, str | None]:
    try:
        record = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}  # never staged here, or a damaged record: copy everything again
    return record if isinstance(record, dict) else {}


def _write_record(path: Path, record: dict[str, str | None]) -> None:
    partial = path.with_name(PARTIAL.format(path.name))
    partial.write_text(json.dumps(record, indent=1, sort_keys=True))
    os.replace(partial, path)


def mirror_publication(data: str | Path, root: str, period: str) -> dict[str, Any]:
    """Copy `<data>/published/<period>/` to `<root>/published/<period>/`, manifest last."""
    source = Layout(Path(data), period).published
    manifest = source / MANIFEST
    if not manifest.is_file():
        raise RekonError(f"{period} has no publication to mirror: {manifest} is missing")
    fs, base = filesystem(root)
    target = f"{base}/published/{period}"
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.name != MANIFEST)
    with _storage_errors(f"cannot mirror the publication to {published_url(root, period)}"):
        fs.makedirs(target, exist_ok=True)
        for path in files:
            remote = f"{target}/{path.relative_to(source).as_posix()}"
            fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), remote)
        fs.put_file(str(manifest), f"{target}/{MANIFEST}")
        keep = {_strip(fs, f"{target}/{p.relative_to(source).as_posix()}") for p in files}
        keep.add(_strip(fs, f"{target}/{MANIFEST}"))
        fs.invalidate_cache(target)
        stale = [p for p in fs.find(target) if _strip(fs, p) not in keep]
        if stale:
            fs.rm(stale)
    return {
        "url": published_url(root, period),
        "files": len(files) + 1,
        "removed": len(stale),
        "outputs": len(json.loads(manifest.read_text())["outputs"]),
    }


def _strip(fs: Any, path: str) -> str:
    return fs._strip_protocol(path).rstrip("/")
