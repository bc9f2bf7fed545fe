"""The portal's settings: embedded defaults, overridden by the environment for production."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    # SQLite beside the publications needs no server; production sets a Postgres URL instead.
    db_url: str
    # Off only for plain-HTTP development: browsers then drop Secure cookies and nobody can log in.
    cookie_secure: bool = True
    session_hours: float = 8.0
    idle_minutes: float = 60.0
    page_size: int = 50
    # Failed logins within the window that block further attempts (per name+address, per name,
    # per address): the per-name limit stops a slow distributed guess at one account.
    login_window_minutes: float = 15.0
    max_failures_per_user_and_ip: int = 5
    max_failures_per_user: int = 20
    max_failures_per_ip: int = 30
    # A script using HTTP Basic sends its password on every request; argon2 is slow on purpose, so
    # a verified password is remembered (as a keyed hash) for this long.
    basic_auth_cache_seconds: float = 300.0
    # Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed: the client address of the login throttle and the audit log is the first address
    # from the right of X-Forwarded-For that is not one of them. None (the default): the address
    # of the connection itself, whatever headers a request carries.
    trusted_proxies: tuple[str, ...] = ()
    # Serving: worker processes (`rekon serve`), request threads per process (each reads the
    # publication with its own DuckDB cursor), and argon2 hashes computed at a time per process.
    workers: int = field(default_factory=lambda: default_workers())
    threads: int = 64
    hash_threads: int = 1
    duckdb_threads: int = 1


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'portal.db').resolve()}"


def settings_from_env(data_dir: Path, **overrides: object) -> Settings:
    """Settings for `rekon serve`: REKON_PORTAL_DB (an SQLAlchemy URL such as
    `postgresql+psycopg://rekon@db/rekon`), REKON_PORTAL_INSECURE_COOKIES=1 for plain HTTP,
    REKON_PORTAL_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. `127.0.0.1` for a
    reverse proxy on the same host), and REKON_PORTAL_WORKERS, REKON_PORTAL_THREADS,
    REKON_PORTAL_HASH_THREADS for serving."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "db_url": os.environ.get("REKON_PORTAL_DB") or default_db_url(data_dir),
        "cookie_secure": os.environ.get("REKON_PORTAL_INSECURE_COOKIES", "") not in ("1", "true", "yes"),
        "trusted_proxies": parse_proxies(os.environ.get("REKON_PORTAL_TRUSTED_PROXIES", "")),
    }
    for name in ("workers", "threads", "hash_threads"):
        value = os.environ.get(f"REKON_PORTAL_{name.upper()}")
        if value:
            values[name] = int(value)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def parse_proxies(value: str) -> tuple[str, ...]:
    """`10.0.0.5, 10.1.0.0/16` -> the addresses and networks, each checked (ValueError if not one)."""
    import ipaddress

    proxies = tuple(p.strip() for p in value.split(",") if p.strip())
    for proxy in proxies:
        ipaddress.ip_network(proxy, strict=False)
    return proxies
