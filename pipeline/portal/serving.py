"""How the portal reads a publication: the one way every page and download gets at it.

Each process keeps one in-memory DuckDB with each period's serving database attached read-only
(pipeline/publish/serving.py), and each worker thread its own cursor on it, so requests read in
parallel instead of queueing on one connection. A new publication (its manifest changes) is
attached beside the old one, which requests already under way keep reading.

A publication made before the serving tables existed gets them built once into the portal's
cache folder (`<data>/portal-cache/`), from its Parquet files: without the permits, which are in
the publication only in its serving tables.

Every publication has an id, a hash of its manifest (which lists the hash of every file it
holds): the validators of responses and the keys of cached answers start with it, so a new
publication invalidates them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, func, select

from pipeline import publication
from pipeline.portal import db, followup
from pipeline.portal.published import Publications
from pipeline.portal.scope import Scope
from pipeline.publish import serving as layout

CACHE = "portal-cache"
MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class Served:
    """One publication of a period as this process reads it."""

    period: str
    id: str  # hash of the manifest: changes with any published file
    schema: str  # the attached database's name, for SQL: `{schema}.findings`
    files: Path  # the whole-scope files written at publish
    cache: Path  # where this process and its siblings keep files built on demand

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"


class Reader:
    def __init__(self, pubs: Publications, threads: int = 1) -> None:
        self.pubs = pubs
        self.cache_root = pubs.data_dir / CACHE
        # Pages read a few row groups each: a bounded buffer per worker process, not DuckDB's
        # default of most of the machine's memory in every process.
        self._db = duckdb.connect(config={"threads": threads, "memory_limit": MEMORY_LIMIT})
        self._db.execute("set enable_progress_bar = false")
        self._lock = threading.Lock()
        self._local = threading.local()
        # period -> (manifest stat, Served); and the attachments no longer current, kept for
        # requests still reading them until the next publication of the period
        self._current: dict[str, tuple[tuple, Served]] = {}
        self._retired: dict[str, list[str]] = {}

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """This thread's cursor: opened once per thread, it sees every attached publication."""
        con = getattr(self._local, "con", None)
        if con is None:
            with self._lock:
                con = self._local.con = self._db.cursor()
        yield con

    def own_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one streamed answer, closed by its caller (its blocks may be read on
        any thread, while that thread's own cursor serves another request)."""
        with self._lock:
            return self._db.cursor()

    def served(self, period: str) -> Served:
        """The period's current publication, attached if new (a stat of its manifest per call)."""
        manifest = self.pubs.root / period / publication.MANIFEST
        stat = os.stat(manifest)
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = self._current.get(period)
        if known and known[0] == key:
            return known[1]
        with self._lock:
            known = self._current.get(period)
            if known and known[0] == key:
                return known[1]
            served = self._attach(period, manifest)
            if known and known[1].schema != served.schema:
                old = self._retired.setdefault(period, [])
                for schema in old:
                    self._db.execute(f"detach database if exists {schema}")
                old[:] = [known[1].schema]
            self._current[period] = (key, served)
            return served

    def _attach(self, period: str, manifest: Path) -> Served:
        pub_id = hashlib.sha256(manifest.read_bytes()).hexdigest()[:24]
        known = self._current.get(period)
        if known and known[1].id == pub_id:
            return known[1]
        folder = manifest.parent / publication.SERVING
        database = folder / publication.SERVING_DATABASE
        cache = self.cache_root / period / pub_id
        if not _current_version(database):
            database = self._built(period, cache)
        schema = f"pub_{period.replace('-', '_')}_{pub_id[:12]}_{uuid.uuid4().hex[:6]}"
        self._db.execute(f"attach '{_quoted(database)}' as {schema} (read_only)")
        _forget_other_caches(self.cache_root / period, pub_id)
        return Served(period, pub_id, schema, folder / publication.SERVING_FILES, cache)

    def _built(self, period: str, cache: Path) -> Path:
        """The serving database of an older publication, built once per publication from its
        Parquet files; other processes wait on a lock file instead of building it again."""
        database = cache / publication.SERVING_DATABASE
        if _current_version(database):
            return database
        cache.mkdir(parents=True, exist_ok=True)
        with (cache / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _current_version(database):
                staging = cache / f".{uuid.uuid4().hex}.duckdb"
                layout.build_database(staging, self.pubs.root / period, {})
                os.replace(staging, database)
        return database


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _current_version(database: Path) -> bool:
    if not database.is_file():
        return False
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute("select max(version) from meta").fetchone()[0] == layout.VERSION
    except duckdb.Error:
        return False


def _forget_other_caches(folder: Path, keep: str) -> None:
    """Files cached for earlier publications of the period are never served again."""
    if folder.is_dir():
        for other in folder.iterdir():
            if other.name != keep and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


# The follow-up records change between publications: their table is fetched again only when a
# record was added (the largest event id or the number of current rows changes).
@dataclass(frozen=True)
class Followups:
    table: pa.Table
    version: str  # part of every validator and cache key of an answer that shows follow-up


# engine -> (count and last event id, the current records, their table as each scope sees it)
_followups: dict[int, tuple[tuple, list[tuple], dict[Scope, pa.Table]]] = {}
_followups_lock = threading.Lock()
MAX_SCOPES = 1000


def followups(engine: Engine, scope: Scope) -> Followups:
    """The current follow-up stages as `scope` sees them (notes of other branches left out),
    with a version that changes whenever a record is added. Each scope's table is made once per
    version: the same table object, so that what is built from it (queries.with_followups'
    index) is made once too."""
    fc = db.followup_current
    with engine.connect() as con:
        count, last = con.execute(select(func.count(), func.max(fc.c.event_id))).one()
    key, version = (count, last), f"{count}-{last or 0}"
    known = _followups.get(id(engine))
    if not (known and known[0] == key):
        with _followups_lock:
            known = _followups.get(id(engine))
            if not (known and known[0] == key):
                known = (key, followup.all_current(engine), {})
                _followups[id(engine)] = known
    tables = known[2]
    table = tables.get(scope)
    if table is None:
        if len(tables) > MAX_SCOPES:
            tables.clear()
        table = tables[scope] = followup.visible_table(known[1], scope)
    return Followups(table, version)
