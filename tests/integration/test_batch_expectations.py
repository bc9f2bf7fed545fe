"""Batch-level expectations fire at their severity: warnings are reported, errors hold a file
back, and an error on the registry stops the run with the previous publication intact."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import RekonError
from pipeline.runner import run_period
from tests import scenario as s


def report(data: Path, source: str, period: str = s.PERIOD) -> dict:
    return json.loads(
        (data / "work" / period / "validation" / f"{source.replace('/', '__')}.json").read_text()
    )


def failed_checks(data: Path, source: str) -> dict[tuple[str, str | None], str]:
    return {
        (r["check"], r["file"]): r["severity"]
        for r in report(data, source)["batch_expectations"]
        if not r["success"]
    }


def quarantine(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "published" / s.PERIOD / "quarantine.csv", dtype=str, keep_default_na=False)


@pytest.fixture()
def delivery(tmp_path: Path) -> tuple[Path, Path]:
    landing, data = tmp_path / "landing", tmp_path / "data"
    s.build_base_delivery(landing)
    return landing, data


def test_missing_required_column_holds_the_file_back(delivery) -> None:
    landing, data = delivery
    s.write_csv(
        landing / s.PERIOD / "payroll/e_no_wage.csv",
        [dict(nib="1111111111111", nik=s.nik(3, 3, 1993, 30), nama="Tanpa Gaji")],
    )
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "payroll")[("required_columns", "payroll/e_no_wage.csv")] == "error"
    rows = quarantine(data)
    held = rows[rows.file == "payroll/e_no_wage.csv"]
    assert held[["row_number", "reason"]].values.tolist() == [["", "unreadable_file"]]
    assert "gross_wage" in held.detail.iloc[0] or "expect_table_columns_to_match_set" in held.detail.iloc[0]
    entry = next(f for f in report(data, "payroll")["files"] if f["path"] == "payroll/e_no_wage.csv")
    assert (entry["status"], entry["rows_received"], entry["rows_quarantined"]) == ("held_back", 1, 1)


def test_quarantine_share_is_a_warning_by_default(delivery) -> None:
    landing, data = delivery
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "payroll")[("quarantine_share", "payroll/b_payroll.txt.csv")] == "warning"
    # still used: its one valid row (José Pérez) is among E1's unregistered workers
    workers = pd.read_csv(data / "published" / s.PERIOD / "workers.csv", dtype=str)
    assert "José Pérez" in set(workers.full_name)


def test_quarantine_share_as_error_holds_the_file_back(delivery) -> None:
    landing, data = delivery
    data.mkdir()
    (data / "rekon.toml").write_text('[checks.quarantine_share]\nseverity = "error"\nmax_share = 0.2\n')
    run_period(s.PERIOD, landing, data)
    rows = quarantine(data)
    held = rows[rows.file == "payroll/b_payroll.txt.csv"]
    assert held[["row_number", "reason"]].values.tolist() == [["", "quarantine_share"]]
    workers = pd.read_csv(data / "published" / s.PERIOD / "workers.csv", dtype=str)
    assert "José Pérez" not in set(workers.full_name)
    manifest = json.loads((data / "published" / s.PERIOD / "manifest.json").read_text())
    entry = next(i for i in manifest["inputs"] if i["path"] == "payroll/b_payroll.txt.csv")
    assert (entry["status"], entry["rows_accepted"], entry["rows_quarantined"]) == ("held_back", 0, 11)


def test_implausible_wage_median_is_reported(delivery) -> None:
    landing, data = delivery
    s.write_csv(
        landing / s.PERIOD / "payroll/f_thousands.csv",
        [
            dict(nib="1111111111111", nik=s.nik(4, 4, 1994, 40 + i), nama=f"Pekerja {i}", gaji="4500")
            for i in range(3)
        ],
    )
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "payroll")[("wage_median", "payroll/f_thousands.csv")] == "warning"


def test_row_count_band_against_the_previous_period(delivery) -> None:
    landing, data = delivery
    s.build_base_delivery(landing, "2026-09")
    run_period("2026-09", landing, data)
    participants = landing / s.PERIOD / "registry/participants.csv"
    lines = participants.read_text(encoding="utf-8-sig").splitlines()
    participants.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # 2 of 8 rows left
    # a registry under half of last month's stops the run (registry_shrink) unless the operator
    # expects it
    (data / "rekon.toml").write_text('[checks.registry_shrink]\nseverity = "warning"\n')
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "registry/participants")[("row_count_band", None)] == "warning"


def test_row_count_band_error_on_the_registry_stops_the_run(delivery) -> None:
    landing, data = delivery
    s.build_base_delivery(landing, "2026-09")
    run_period("2026-09", landing, data)
    run_period(s.PERIOD, landing, data)
    before = (data / "published" / s.PERIOD / "findings.csv").read_bytes()
    (data / "rekon.toml").write_text('[checks.row_count_band]\nseverity = "error"\nband = 0.1\n')
    employers = landing / s.PERIOD / "registry/employers.csv"
    employers.write_text("\n".join(employers.read_text().splitlines()[:2]) + "\n")
    with pytest.raises(RekonError, match="row_count_band"):
        run_period(s.PERIOD, landing, data)
    assert (data / "published" / s.PERIOD / "findings.csv").read_bytes() == before


def test_unknown_participant_npps_are_reported(delivery) -> None:
    landing, data = delivery
    participants = landing / s.PERIOD / "registry/participants.csv"
    text = participants.read_text(encoding="utf-8-sig").replace('"10000005"', '"99999999"')
    participants.write_text(text, encoding="utf-8")
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "registry/participants")[("participants_npp_known", None)] == "warning"


def test_unknown_survey_regency_is_reported(delivery) -> None:
    landing, data = delivery
    survey = landing / s.PERIOD / "survey/labor_force.csv"
    survey.write_text(survey.read_text() + "99.98,G,10\r\n")
    run_period(s.PERIOD, landing, data)
    assert failed_checks(data, "survey/labor_force")[
        ("survey_regencies_known", "survey/labor_force.csv")
    ] == ("warning")
    assert "invalid_code" in set(quarantine(data).reason)
    # A rule over values has no one observed value: the report says how many rows failed.
    (check,) = [
        r
        for r in report(data, "survey/labor_force")["batch_expectations"]
        if r["check"] == "survey_regencies_known"
    ]
    rows = sum(f["rows_received"] for f in report(data, "survey/labor_force")["files"])
    assert check["observed_value"] == f"1 of {rows} rows fail"
    html = (data / "published" / s.PERIOD / "quality.html").read_text()
    assert f"<td>1 of {rows} rows fail</td>" in html
