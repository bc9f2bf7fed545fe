"""Generate a demo landing zone and the truth the pipeline should find in it.

    generate(Path("demo"), employers=20_000, seed=7, period="2026-10", periods=3)

writes `demo/<YYYY-MM>/...` for each month of the window (contract section 1) and
`demo/truth/<YYYY-MM>/` with findings.csv, quarantine.csv, coverage.csv, files.csv and
summary.json. Employers are generated in chunks: every chunk is built, cut into periods, given
its bad rows, judged and appended to the files before the next one starts, so memory stays flat
whatever the size.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.demo import faults
from pipeline.demo import refdata as ref
from pipeline.demo import truth as oracle
from pipeline.demo.landing import PAYROLL, PeriodLanding
from pipeline.demo.model import Chunk, Context, Window, build_chunk, fixed_positions, rng_for
from pipeline.demo.records import LATE_FILE, build_period
from pipeline.demo.roles import CASES, NOTES, ROLE_NAMES
from pipeline.demo.survey import build_survey, coverage
from pipeline.reference import category_codes

CHUNK_SIZE = 10_000
MIN_EMPLOYERS = len(CASES) + 20  # every planted case, plus ordinary employers to borrow from
QUARANTINE_COLUMNS = ["source", "file", "row_number", "reason"]
FILES_COLUMNS = ["file", "rows_received", "rows_accepted", "rows_quarantined"]
Progress = Callable[[str], None]


def generate(
    out: Path,
    employers: int,
    seed: int,
    period: str = "2026-10",
    periods: int = 1,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    regions_file: Path | None = None,
) -> dict[str, Any]:
    """Write `periods` months of landing data ending at `period`, and their truth.

    Returns a summary: the window, the sizes, and per period the finding and quarantine counts.
    """
    _check(employers, period, periods, chunk_size)
    started = time.perf_counter()
    out = Path(out)
    window = Window.ending(period, periods)
    ctx = Context(window, ref.load_regions(ref.find_regions_file(regions_file)), seed)
    _clear(out, window)
    landings = {
        p: PeriodLanding(out, p, window.label(t - 1), rng_for(seed, 10**5, t))
        for t, p in enumerate(window.periods)
    }
    findings: dict[str, list[pd.DataFrame]] = {p: [] for p in window.periods}
    registered: dict[str, list[pd.DataFrame]] = {p: [] for p in window.periods}
    cases: list[dict[str, Any]] = []
    sample = pd.DataFrame()
    for number, start in enumerate(range(0, employers, chunk_size)):
        chunk = build_chunk(ctx, number, start, min(chunk_size, employers - start))
        for t, p in enumerate(window.periods):
            rng = rng_for(seed, number, 1 + t)
            records = build_period(ctx, chunk, t, rng)
            faults.plant(records, chunk, p, rng)
            found, counts = oracle.compute(chunk, records, p, t)
            findings[p].append(found)
            registered[p].append(counts)
            landings[p].write(records)
            if number == 0 and t == 0:
                sample = records.payroll.loc[records.payroll.file == 1].head(200)
        if number == 0:
            cases = _describe_cases(chunk)
        _report(progress, f"employers {start + len(chunk.entities):,} of {employers:,}")
    totals = {p: _registered_per_regency(registered[p]) for p in window.periods}
    survey = build_survey(ctx, totals)
    summaries = {}
    for p in window.periods:
        landings[p].write_survey(survey)
        files = landings[p].close(sample)
        summaries[p] = _write_truth(
            out / "truth" / p,
            p,
            findings[p],
            landings[p].quarantine,
            coverage(ctx, survey, totals[p]),
            files,
            _case_outcomes(cases, findings[p]),
            seed,
            employers,
            window,
        )
        _report(progress, f"period {p} written")
    return {
        "out": str(out),
        "seed": seed,
        "employers": employers,
        "periods": list(window.periods),
        "seconds": round(time.perf_counter() - started, 2),
        "by_period": summaries,
    }


def _check(employers: int, period: str, periods: int, chunk_size: int) -> None:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    if employers < MIN_EMPLOYERS:
        raise ValueError(f"employers must be at least {MIN_EMPLOYERS} to plant every case")
    if periods < 1:
        raise ValueError("periods must be at least 1")
    if chunk_size < MIN_EMPLOYERS:
        raise ValueError(f"chunk_size must be at least {MIN_EMPLOYERS}")


def _clear(out: Path, window: Window) -> None:
    """Only the folders this run writes: stale files would otherwise be ingested as data."""
    for p in window.periods:
        for folder in (out / p, out / "truth" / p):
            if folder.exists():
                shutil.rmtree(folder)


def _report(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _registered_per_regency(parts: list[pd.DataFrame]) -> pd.Series:
    if not parts:
        return pd.Series(dtype=np.int64)
    frame = pd.concat(parts, ignore_index=True)
    return frame.groupby("regency_code").registered_workers.sum().astype(np.int64)


def _describe_cases(chunk: Chunk) -> list[dict[str, Any]]:
    """The first chunk's planted employers, so a reader (or a test) can find each case. Both
    identifiers are listed: which one is the employer key depends on what links them."""
    e = chunk.entities
    rows = []
    for i in fixed_positions(len(e)):
        role = ROLE_NAMES[int(e.role.iat[i])]
        nib = e.nib.iat[i] if isinstance(e.nib.iat[i], str) else None
        npwp16 = e.npwp16.iat[i] if isinstance(e.npwp16.iat[i], str) else None
        rows.append(
            {
                "case": role,
                "note": NOTES[role],
                "employer_name": str(e.name.iat[i]),
                "nib": nib,
                "npwp16": npwp16,
                "npp": str(e.npp0.iat[i]),
                "employer_keys": [k for k in (nib, npwp16) if k is not None],
                "payroll_file": _payroll_file_of(e, i),
                "business_permit": bool(e.has_permit.iat[i]),
                "construction_permits": int(e.n_permits.iat[i]),
            }
        )
    return rows


def _payroll_file_of(e: pd.DataFrame, i: int) -> str | None:
    """Where the case's payroll is, with the period left as a placeholder."""
    if not e.has_payroll.iat[i]:
        return None
    number = LATE_FILE if e.payroll_late.iat[i] else int(e.pay_file.iat[i])
    return PAYROLL[number].format(p="<period>", prev="<previous period>")


def _case_outcomes(cases: list[dict[str, Any]], found: list[pd.DataFrame]) -> list[dict]:
    frame = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=oracle.FINDING_COLUMNS)
    by_key = frame.groupby("employer_key").category.agg(lambda s: sorted(set(s))).to_dict()
    return [{**case, "categories": {k: by_key.get(k, []) for k in case["employer_keys"]}} for case in cases]


def _write_truth(
    folder: Path,
    period: str,
    found: list[pd.DataFrame],
    quarantine: list[tuple],
    coverage_rows: pd.DataFrame,
    files: list[dict],
    cases: list[dict],
    seed: int,
    employers: int,
    window: Window,
) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    findings = _sorted_findings(found)
    findings.to_csv(folder / "findings.csv", index=False)
    q = pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS)
    q["row_number"] = q.row_number.astype("Int64")
    q = q.sort_values(["file", "row_number"], na_position="first", kind="stable")
    q.to_csv(folder / "quarantine.csv", index=False)
    coverage_rows.to_csv(folder / "coverage.csv", index=False)
    files_frame = pd.DataFrame(files, columns=FILES_COLUMNS)
    files_frame.to_csv(folder / "files.csv", index=False)
    summary = {
        "period": period,
        "seed": seed,
        "employers": employers,
        "window": list(window.periods),
        "findings": {c: int((findings.category == c).sum()) for c in category_codes()},
        "estimated_contribution_monthly": {
            c: int(findings.loc[findings.category == c, "estimated_contribution_monthly"].sum())
            for c in category_codes()
        },
        "quarantine": {str(k): int(v) for k, v in q.reason.value_counts().sort_index().items()},
        "files": len(files_frame),
        "rows_received": int(files_frame.rows_received.sum()),
        "rows_quarantined": int(files_frame.rows_quarantined.sum()),
        "coverage_regions": len(coverage_rows),
        "cases": cases,
    }
    (folder / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {k: v for k, v in summary.items() if k != "cases"}


def _sorted_findings(found: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=oracle.FINDING_COLUMNS)
    order = {c: i for i, c in enumerate(category_codes())}
    frame = frame.assign(_order=frame.category.map(order))
    frame = frame.sort_values(["_order", "employer_key"], kind="stable").drop(columns="_order")
    return frame[oracle.FINDING_COLUMNS].reset_index(drop=True)
