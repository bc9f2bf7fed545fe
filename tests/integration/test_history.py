"""History over three consecutive periods: BARU, BERULANG, SELESAI, first_seen_period, priority."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.runner import run_period
from tests import scenario as s

PERIODS = ["2026-08", "2026-09", "2026-10"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("history")
    for period in PERIODS:
        # The same delivery each month; its one payroll row dated 2026-09 lists employer
        # 1212121212121 (PWBD) in September only.
        s.build_base_delivery(base / "landing", period)
        run_period(period, base / "landing", base / "data")
    return {p: base / "data" / "published" / p for p in PERIODS}


def findings(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "findings.csv", dtype=str, keep_default_na=False).set_index(
        ["category", "employer_key"]
    )


def test_first_period_everything_is_new(published) -> None:
    first = findings(published["2026-08"])
    assert set(first.status) == {"BARU"}
    assert set(first.first_seen_period) == {"2026-08"}


def test_second_period_repeats_and_new(published) -> None:
    second = findings(published["2026-09"])
    assert second.loc[("PWBD", "1212121212121"), "status"] == "BARU"
    repeated = second.drop(index=("PWBD", "1212121212121"))
    assert set(repeated.status) == {"BERULANG"}
    assert set(repeated.first_seen_period) == {"2026-08"}


def test_third_period_resolved_and_persistence(published) -> None:
    third = findings(published["2026-10"])
    assert ("PWBD", "1212121212121") not in third.index
    assert set(third.months_listed) == {"3"}
    assert set(third.status) == {"BERULANG"}
    resolved = pd.read_csv(published["2026-10"] / "resolved.csv", dtype=str)
    # 1212121212121 had payroll for September only; 1010101010101's construction permit ended
    # on 30 September.
    assert resolved[["category", "employer_key", "status", "last_listed_period"]].values.tolist() == [
        ["PROYEK", "1010101010101", "SELESAI", "2026-09"],
        ["PWBD", "1010101010101", "SELESAI", "2026-09"],
        ["PWBD", "1212121212121", "SELESAI", "2026-09"],
    ]


def test_priority_ranks_each_branch_by_arrears(published) -> None:
    third = pd.read_csv(published["2026-10"] / "findings.csv", dtype={"employer_key": str})
    for _, branch in third.groupby("branch_code"):
        assert sorted(branch.priority) == list(range(1, len(branch) + 1))
        ordered = branch.sort_values("priority")
        arrears = (ordered.estimated_contribution_monthly * ordered.months_listed).tolist()
        assert arrears == sorted(arrears, reverse=True)
    assert set(third.branch_code) == {"KC-PLKR", "KC-PBUN"}


def test_workbook_lists_the_resolved(published) -> None:
    book = openpyxl.load_workbook(published["2026-10"] / "kepatuhan_2026-10.xlsx")
    resolved = pd.read_csv(published["2026-10"] / "resolved.csv", dtype=str)
    shown = [row[:2] + row[-2:] for row in book["Selesai"].iter_rows(min_row=2, values_only=True)]
    columns = ["category", "employer_key", "first_seen_period", "last_listed_period"]
    assert shown == [tuple(row) for row in resolved[columns].values.tolist()]
    assert set(resolved.branch_name) == {"Kantor Cabang Palangka Raya"}
    notes = [c.value for c in book["Ringkasan"]["A"] if c.value and "lembar Selesai" in str(c.value)]
    assert notes == ["3 temuan periode lalu tidak tercatat lagi periode ini (lembar Selesai)."]
