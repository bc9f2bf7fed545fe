"""A next period for the follow-up cycle's tests: the same publication a month later, without one
finding, which its resolved list then carries as SELESAI (what `rekon run` publishes when an
employer registered its workers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.portal.fixture_data import _q, serve


def publish_next_period(data: Path, source: str, target: str, gone: tuple[str, str]) -> None:
    src, dst = data / "published" / source, data / "published" / target
    staging = data / "published" / f".{target}.tmp"
    shutil.copytree(src, staging)
    key, category = gone
    con = duckdb.connect()
    findings = _q(src / "findings.parquet")
    keep = f"not (employer_key = '{key}' and category = '{category}')"
    con.execute(
        f"copy (select * replace ('{target}' as period, 'BERULANG' as status, "
        "months_listed + 1 as months_listed) "
        f"from read_parquet({findings}) where {keep}) to {_q(staging / 'findings.parquet')} (format parquet)"
    )
    con.execute(
        f"copy (select * replace ('{target}' as period) from read_parquet({_q(src / 'workers.parquet')}) "
        f"where {keep}) to {_q(staging / 'workers.parquet')} (format parquet)"
    )
    con.execute(
        f"""copy (select '{target}' as period, category, employer_key, employer_name, regency_code,
                         branch_code, branch_name, 'SELESAI' as status, first_seen_period,
                         '{source}' as last_listed_period
                  from read_parquet({findings}) where not ({keep}))
            to {_q(staging / "resolved.parquet")} (format parquet)"""
    )
    con.close()
    serve(staging, target)
    (data / "restricted" / target).mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "restricted" / source / "workers_full.csv", data / "restricted" / target)
    staging.rename(dst)  # the portal sees the period only once it is complete
