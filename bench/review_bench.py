"""Perlu Tinjauan at scale: how long the review page's reads and a decision's write take with a
large review list and a long decision store.

Writes a synthetic `review.parquet` of R rows over 514 regencies and a decision store of D rows
(as `portal.csv` would grow) into a temporary folder, then times, in this process:
- `decisions.latest` (every decision file read, the latest per review_id);
- one page of the list for a supervisor of one province and for an admin, with the count;
- the undecided count of the summary page;
- appending one decision (the whole store rewritten under its lock, fsynced, renamed).

    .venv/bin/python bench/review_bench.py [--rows 500000] [--decisions 50000] [--repeat 5]

500,000 rows is 5 % of 10 M payroll rows, the most review.csv may hold (issue 27)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make(folder: Path, rows: int, decided: int) -> Path:
    import duckdb

    from pipeline.reference import regency_codes

    data = folder / "data"
    (data / "published" / "2026-10").mkdir(parents=True)
    (data / "decisions").mkdir()
    con = duckdb.connect()
    con.execute(
        "create table regencies as select code, row_number() over (order by code) - 1 as k "
        "from (select unnest($codes::varchar[]) as code)",
        {"codes": regency_codes()},
    )
    n = len(regency_codes())
    con.execute(
        f"""copy (
            select printf('%016x', hash(i)) as review_id, '2026-10' as period,
                   printf('%013d', i // 7) as employer_key, 'PT Contoh ' || (i // 7) as employer_name,
                   r.code as regency_code,
                   '627101******' || printf('%04d', i % 10000) as nik_masked,
                   'Pekerja ' || i as full_name, 3000000.0 + (i % 1000) * 1000 as gross_wage,
                   case when i % 10 = 0 then 'nik_tidak_valid' else 'kemungkinan_cocok' end as reason,
                   0.1 + (i % 80) / 100.0 as match_probability,
                   '627101******' || printf('%04d', (i + 1) % 10000) as candidate_nik_masked,
                   'Peserta ' || i as candidate_full_name,
                   'NIK beda satu digit; nama mirip; tanggal lahir sama' as evidence
            from range({rows}) t(i) join regencies r on r.k = i % {n}
            order by i
        ) to '{data}/published/2026-10/review.parquet' (format parquet)"""
    )
    con.execute(
        f"""copy (
            select printf('%016x', hash(i * 7)) as review_id,
                   case when i % 3 = 0 then 'BEDA' else 'SAMA' end as decision, 'sup62' as decided_by,
                   strftime(timestamp '2026-11-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') as decided_on,
                   'dicek' as note
            from range({decided}) t(i)
        ) to '{data}/decisions/portal.csv' (format csv, header true)"""
    )
    con.close()
    return data


def timed(label: str, repeat: int, fn) -> None:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    print(f"{label:<48} median {statistics.median(times) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from pipeline.portal import decisions, review
    from pipeline.portal.published import Publications
    from pipeline.portal.scope import Scope

    with tempfile.TemporaryDirectory(prefix="rekon-review-bench-") as tmp:
        started = time.perf_counter()
        data = make(Path(tmp), args.rows, args.decisions)
        made = time.perf_counter() - started
        print(f"review rows {args.rows:,}, decisions {args.decisions:,}: made in {made:.1f} s")
        pubs = Publications(data)
        province, everything = Scope.of(("62",)), Scope.everything()
        current = decisions.latest(data)
        print(f"decisions that count: {current.num_rows:,}")
        timed("decisions.latest", args.repeat, lambda: decisions.latest(data))
        for name, scope in (("province 62", province), ("admin, all regions", everything)):
            for filters in (
                review.ReviewFilters(),
                review.ReviewFilters(cari="pekerja 4711", urut="peluang"),
            ):
                label = f"page 1 + count, {name}, {'search' if filters.cari else 'undecided'}"
                timed(
                    label,
                    args.repeat,
                    lambda s=scope, f=filters: review.review_page(pubs, "2026-10", s, f, current, 1, 50),
                )
        timed(
            "summary count (latest + counts), admin",
            args.repeat,
            lambda: review.pending(pubs, data, "2026-10", everything),
        )
        store = data / "decisions" / decisions.PORTAL_FILE
        size = store.stat().st_size
        timed(
            f"append one decision ({size / 1e6:.1f} MB store)",
            args.repeat,
            lambda: decisions.append(
                data, decisions.Decision("abc", "SAMA", "sup62", decisions.now_utc(), "x")
            ),
        )


if __name__ == "__main__":
    main()
