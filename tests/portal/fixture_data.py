"""Test publications for the portal: period 2026-10 of region 62, a second region (Karawang,
32.15) added to it, and a copy as 2026-09 for the history across periods.

The region-62 tables in data/ are what `rekon run` published for tests/scenario.py's delivery
(kept as CSV text, typed here; quality.html is written by the pipeline's own report writer, so it
follows the report as it is now): the portal's tests then need neither a pipeline run (slow, and
being changed by others) nor GX, and test_fixture_matches_the_publisher guards against drift.
The serving tables and the manifest's expectation results are written here as publish writes
them, from those tables, the run's permits and its validation report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from pipeline import publication
from pipeline.publish.run import expectations_of
from pipeline.publish.serving import write_serving

DATA = Path(__file__).with_name("data")
PERIOD = "2026-10"
EARLIER = "2026-09"
KARAWANG_KEY = "3215000000001"
KARAWANG_NAME = "PT Karawang Makmur Sentosa"
KARAWANG_BRANCH = "KC-KRWG"
KARAWANG_NIK = "3215010101900099"
KARAWANG_NIK_MASKED = "321501******0099"
KEY_62 = "1111111111111"  # PT Satu Jaya, Palangka Raya: PDS_TK with four unregistered workers
# review.csv (data/review.csv): six rows in region 62 (one without a candidate), one of Karawang,
# one without a regency (admins only). The earlier period has no review file.
REVIEW_AGUS = "3f1c9a7e52b04d18"  # PT Satu Jaya, Agus Salim against a participant Agus Salim
REVIEW_NO_CANDIDATE = "6a0e2c8f4b1d9375"  # nik_tidak_valid, no participant like it
REVIEW_KARAWANG = "7c3a9e1f5d0b2468"
REVIEW_NO_REGENCY = "0b8d4f2a6c9e1357"

# Column types of the published Parquet files; every other column is text (identifiers keep zeros).
TYPES = {
    "findings": {
        c: "bigint"
        for c in (
            "workers_affected",
            "wage_gap_monthly",
            "estimated_contribution_monthly",
            "months_listed",
            "priority",
        )
    },
    "workers": {"gross_wage": "double", "reported_wage": "double"},
    "coverage": {"formal_workers": "double", "registered_workers": "bigint", "coverage_pct": "double"},
    "resolved": {},
    "quarantine": {"row_number": "bigint"},
    "review": {"gross_wage": "double", "match_probability": "double"},
    "silver__permits__business": {"declared_workers": "double", "issued_on": "timestamp"},
    "silver__permits__construction": {
        "contract_value": "double",
        "declared_workers": "double",
        "start_on": "timestamp",
        "end_on": "timestamp",
    },
    "silver__registry__projects": {},
}


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _add_karawang(folder: Path, restricted: Path) -> None:
    """Append a 32.15 employer (PWBD and PDS_TK, one worker) to every table of a publication."""
    con = duckdb.connect()
    findings = folder / "findings.parquet"
    con.execute(
        f"""create table f as select * from read_parquet({_q(findings)})
            union all by name
            select * replace (
                '{KARAWANG_KEY}' as employer_key, '{KARAWANG_NAME}' as employer_name,
                '{KARAWANG_KEY}' as nib, null as npwp, '20000001' as npp, '32.15' as regency_code,
                'Kabupaten Karawang' as regency_name, '{KARAWANG_BRANCH}' as branch_code,
                'Kantor Cabang Karawang' as branch_name, 'Karawang: bukti rahasia' as evidence)
            from read_parquet({_q(findings)})
            where (category = 'PWBD' and employer_key = '3333333333333')
               or (category = 'PDS_TK' and employer_key = '{KEY_62}')"""
    )
    con.execute(f"copy f to {_q(findings)} (format parquet)")
    con.execute(f"copy f to {_q(folder / 'findings.csv')} (format csv, header true)")
    workers = folder / "workers.parquet"
    con.execute(
        f"""create table w as select * from read_parquet({_q(workers)})
            union all select '{PERIOD}', 'PDS_TK', '{KARAWANG_KEY}', '{KARAWANG_NIK_MASKED}',
                             'Ujang Karawang', 5900000.0, null, null, null, null"""
    )
    con.execute(f"copy w to {_q(workers)} (format parquet)")
    con.execute(f"copy w to {_q(folder / 'workers.csv')} (format csv, header true)")
    full = restricted / "workers_full.csv"
    con.execute(
        f"""create table wf as select * from read_csv({_q(full)}, header = true, all_varchar = true)
            union all select '{PERIOD}', 'PDS_TK', '{KARAWANG_KEY}', '{KARAWANG_NIK}', 'Ujang Karawang',
                             '5900000.0', null, null, null, null"""
    )
    con.execute(f"copy wf to {_q(full)} (format csv, header true)")
    coverage = folder / "coverage.parquet"
    con.execute(
        f"""create table c as select * from read_parquet({_q(coverage)})
            union all select 'province', '32', 'Jawa Barat', 900000.0, 450000, 50.0
            union all select 'regency', '32.15', 'Kabupaten Karawang', 300000.0, 120000, 40.0"""
    )
    con.execute(f"copy c to {_q(coverage)} (format parquet)")
    con.close()


def _copy_as_period(data: Path, source: str, target: str) -> None:
    """A copy of a publication relabelled as another period (the portal reads `period` columns)."""
    src, dst = data / "published" / source, data / "published" / target
    # The earlier period is an older publication, from before review.csv existed.
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("review.*"))
    con = duckdb.connect()
    for name in ("findings", "workers", "resolved"):
        path = dst / f"{name}.parquet"
        con.execute(
            f"copy (select * replace ('{target}' as period) from read_parquet({_q(path)})) to {_q(path)} "
            "(format parquet)"
        )
    con.close()
    (data / "restricted" / target).mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "restricted" / source / "workers_full.csv", data / "restricted" / target)


def serve(folder: Path, period: str, silver: Path | None = None) -> None:
    """(Re)write a publication's serving tables from its Parquet files, as publish does, with
    the permits and projects in the `silver` folder of a run (none without one)."""
    shutil.rmtree(folder / publication.SERVING, ignore_errors=True)
    files = {
        "business": "permits__business",
        "construction": "permits__construction",
        "projects": "registry__projects",
    }
    write_serving(folder, {k: silver / f"{v}.parquet" for k, v in files.items()} if silver else {}, period)


def _typed_parquet(con: duckdb.DuckDBPyConnection, name: str, target: Path) -> None:
    source = DATA / f"{name}.csv"
    columns = con.execute(f"select * from read_csv({_q(source)}, all_varchar = true) limit 0").description
    select = ", ".join(
        f"cast({c[0]} as {TYPES[name][c[0]]}) as {c[0]}" if c[0] in TYPES[name] else c[0] for c in columns
    )
    con.execute(
        f"copy (select {select} from read_csv({_q(source)}, all_varchar = true, header = true)) "
        f"to {_q(target)} (format parquet)"
    )


def _quality_report(data: Path, published: Path) -> None:
    """The pipeline's quality.html for the fixture, written by the pipeline's own report writer from
    the manifest's inputs and the payroll validation report (no quarantine files, no Data Docs)."""
    from pipeline.layout import Layout
    from pipeline.quality.report import write_quality_report

    inputs = json.loads((published / "manifest.json").read_text())["inputs"]
    write_quality_report(Layout(data, PERIOD), published / "quality.html", inputs, data_docs={})


def build(root: Path) -> Path:
    """Lay out a data folder as `rekon run` leaves it, add the second region; returns the folder."""
    data = root / "data"
    published, restricted = data / "published" / PERIOD, data / "restricted" / PERIOD
    work = data / "work" / PERIOD
    for folder in (published, restricted, work / "silver", work / "validation"):
        folder.mkdir(parents=True)
    con = duckdb.connect()
    for name in ("findings", "workers", "coverage", "resolved", "quarantine", "review"):
        _typed_parquet(con, name, published / f"{name}.parquet")
        shutil.copy(DATA / f"{name}.csv", published)
    for name in ("permits__business", "permits__construction", "registry__projects"):
        _typed_parquet(con, f"silver__{name}", work / "silver" / f"{name}.parquet")
    con.close()
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    manifest["expectations"] = expectations_of(
        json.loads((DATA / "validation__payroll.json").read_text(encoding="utf-8"))
    )
    (published / publication.MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    shutil.copy(DATA / "workers_full.csv", restricted)
    shutil.copy(DATA / "validation__payroll.json", work / "validation" / "payroll.json")
    _quality_report(data, published)
    _add_karawang(published, restricted)
    _copy_as_period(data, PERIOD, EARLIER)
    serve(published, PERIOD, work / "silver")
    serve(data / "published" / EARLIER, EARLIER)  # a run of its own, whose permits are gone
    return data


def full_niks(data: Path) -> set[str]:
    """Every full NIK the restricted files hold: none may appear in anything an analis gets."""
    con = duckdb.connect()
    rows = con.execute(
        f"select distinct nik from read_csv({_q(data / 'restricted' / PERIOD / 'workers_full.csv')}, "
        "header = true, all_varchar = true)"
    ).fetchall()
    con.close()
    return {r[0] for r in rows}
