"""The contract's rules end to end: a hand-made delivery through the real GX suites and DuckDB
models, checked case by case (see tests/scenario.py for what is planted where)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.runner import run_period
from tests import scenario as s


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> s.Published:
    base = tmp_path_factory.mktemp("rules")
    s.build_base_delivery(base / "landing")
    run_period(s.PERIOD, base / "landing", base / "data")
    return s.read_published(base / "data" / "published" / s.PERIOD)


def keys(run: s.Published, category: str) -> set[str]:
    return set(run.findings.loc[run.findings.category == category, "employer_key"])


def quarantined(run: s.Published, file: str) -> dict[str, str]:
    rows = run.quarantine[run.quarantine.file == file]
    return dict(zip(rows.row_number, rows.reason, strict=True))


def test_each_bad_row_gets_its_reason(run: s.Published) -> None:
    assert quarantined(run, "payroll/b_payroll.txt.csv") == {
        "1": "invalid_nik",
        "2": "invalid_nik",
        "3": "invalid_nik",
        "4": "invalid_nik",
        "5": "invalid_wage",
        "6": "invalid_wage",
        "7": "missing_employer_id",
        "8": "missing_required",
        "9": "invalid_code",
        "10": "duplicate",
    }


def test_unreadable_files_are_quarantined_whole_and_the_run_goes_on(run: s.Published) -> None:
    assert quarantined(run, "payroll/c_corrupt.xlsx") == {"": "unreadable_file"}
    assert quarantined(run, "payroll/d_notes.txt") == {"": "unreadable_file"}
    assert not run.findings.empty


def test_every_row_is_accounted_for(run: s.Published) -> None:
    inputs = {i["path"]: i for i in run.manifest["inputs"]}
    assert len(inputs) == 10
    for entry in inputs.values():
        assert entry["rows_received"] == entry["rows_accepted"] + entry["rows_quarantined"]
        assert len(entry["sha256"]) == 64
    bad = inputs["payroll/b_payroll.txt.csv"]
    assert (bad["rows_received"], bad["rows_quarantined"], bad["status"]) == (11, 10, "partially_accepted")
    assert inputs["payroll/c_corrupt.xlsx"]["status"] == "quarantined"
    assert inputs["registry/participants.csv"]["rows_accepted"] == 8
    per_file = run.quarantine[run.quarantine.row_number != ""].groupby("file").size().to_dict()
    for path, entry in inputs.items():
        assert per_file.get(path, 0) == entry["rows_quarantined"]


def test_outputs_in_manifest_match_files(run: s.Published) -> None:
    import hashlib

    for output in run.manifest["outputs"]:
        path = run.folder / output["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == output["sha256"]
    rows = {o["path"]: o["rows"] for o in run.manifest["outputs"]}
    assert rows["findings.csv"] == len(run.findings)
    assert rows["workers.csv"] == len(run.workers)


def test_pds_tk_lists_the_unregistered_workers_only(run: s.Published) -> None:
    e1 = run.finding("PDS_TK", "1111111111111")
    # W3 (same name, other birth date), W4 (registered with E2), W10 and the valid cp1252 row;
    # W1 (by NIK) and W2 (NIK typo, same name and birth date) are registered.
    assert e1 is not None and e1.workers_affected == "4"
    listed = set(run.workers.loc[run.workers.employer_key == "1111111111111", "full_name"])
    assert listed == {"Agus Salim", "Dewi Lestari", "Rina Marlina", "José Pérez"}


def test_nik_typo_is_matched_by_name_and_birth_date(run: s.Published) -> None:
    assert not (run.workers.nik_masked == s.W2_PAYROLL[:6] + "******" + s.W2_PAYROLL[-4:]).any()
    assert {"outcome": "registered", "method": "model", "workers": 1} in run.manifest["linkage"]["workers"]


def test_listed_workers_carry_their_evidence(run: s.Published) -> None:
    e1 = run.workers.loc[run.workers.employer_key == "1111111111111"].set_index("full_name")
    # Agus Salim: same name, but another NIK and another birth date: another person
    agus = e1.loc["Agus Salim"]
    assert agus.evidence.startswith("peserta terdekat: " + s.W3_REGISTRY[:6] + "******" + s.W3_REGISTRY[-4:])
    assert "NIK beda; nama sama; tanggal lahir beda, NIK juga beda" in agus.evidence
    assert float(agus.match_probability) < run.manifest["linkage"]["thresholds"]["review"]
    assert e1.evidence.str.len().gt(0).all()


def test_an_invalid_nik_with_a_name_and_birth_date_goes_to_review(run: s.Published) -> None:
    # b_payroll row 1, "Nik Pendek" (NIK 123456, born 1990-01-01), matches no participant of E1;
    # rows 2-4 have no birth date. Quarantined all the same, and never a finding.
    review = pd.read_csv(run.folder / "review.csv", dtype=str, keep_default_na=False)
    assert review[["employer_key", "nik_masked", "full_name", "reason"]].values.tolist() == [
        ["1111111111111", "**3456", "Nik Pendek", "nik_tidak_valid"]
    ]
    assert "dikarantina: payroll/b_payroll.txt.csv baris 1" in review.evidence[0]
    assert len(review.review_id[0]) == 16
    assert "Nik Pendek" not in set(run.workers.full_name)


def test_identity_linked_only_through_a_third_source(run: s.Published) -> None:
    # Payroll names E4 by NPWP, the registry by NIB; the business permit carries both.
    assert "4444444444444444" not in keys(run, "PWBD") | keys(run, "PDS_TK")
    e4 = run.finding("PDS_TK", "4444444444444")
    assert e4 is not None and e4.workers_affected == "1" and e4.npp == "10000004"
    assert e4.npwp == "4444444444444444"
    assert "permits/business" in e4.evidence


def test_a_worker_counts_once_however_often_the_sources_name_them(tmp_path: Path) -> None:
    """E4's payroll names it by its NPWP in one file and by its NIB in a later one, and the
    registry holds W7 three times (again under E4's NPP at a lower wage, and under a second NPP of
    E4): each worker counts once, by the first payroll row and by the first NPP, then file order."""
    landing = tmp_path / "landing"
    root = s.build_base_delivery(landing)
    s.write_csv(
        root / "payroll/e_payroll.csv",
        [s.payroll_row("4444444444444", "", s.W8, "Hadi Susanto", "1988-08-08", "9000000")],
    )
    employers = root / "registry/employers.csv"
    employers.write_bytes(
        employers.read_bytes()
        + b"10000006,4444444444444,,PT Empat Sekawan Cabang,62.71,,,JKK JKM JHT JP,AKTIF\r\n"
    )
    participants = root / "registry/participants.csv"
    extra = "".join(
        f'"{s.W7}";"Gita Putri";"1987-07-07";"{npp}";"1000000";"AKTIF"\r\n'
        for npp in ("10000006", "10000004")
    )
    participants.write_bytes(participants.read_bytes() + extra.encode())
    run_period(s.PERIOD, landing, tmp_path / "data")
    published = s.read_published(tmp_path / "data" / "published" / s.PERIOD)

    e4 = published.finding("PDS_TK", "4444444444444")
    # W8 once, at the wage of its first payroll row (a_payroll.csv), not 9 M and not both
    assert e4 is not None and e4.workers_affected == "1" and e4.wage_gap_monthly == "4600000"
    assert "1 dari 2 pekerja" in e4.evidence
    assert len(published.workers[published.workers.employer_key == "4444444444444"]) == 1
    # W7 reported at 4,275,000 under its first NPP: exactly 95 %, so no PDS_UPAH from the 1 M rows
    assert published.finding("PDS_UPAH", "4444444444444") is None


def test_15_and_16_digit_npwp_are_one_taxpayer(run: s.Published) -> None:
    assert "0012345678901000" not in keys(run, "PWBD") | keys(run, "PDS_TK")


def test_nonaktif_employer_is_pwbd(run: s.Published) -> None:
    e3 = run.finding("PWBD", "3333333333333")
    assert e3 is not None and e3.workers_affected == "1" and e3.wage_gap_monthly == "4200000"


def test_nonaktif_participant_is_not_a_registered_worker(run: s.Published) -> None:
    e5 = run.finding("PDS_TK", "5555555555555")
    assert e5 is not None and e5.workers_affected == "1"


def test_pwbd_from_permits_and_construction(run: s.Published) -> None:
    pwbd = keys(run, "PWBD")
    assert "6666666666666" in pwbd  # AKTIF permit declaring 4 workers, no payroll
    assert "7777777777777" not in pwbd  # permit revoked (DICABUT)
    assert "8888888888888" not in pwbd  # permit declares no workers
    assert "9999999999999" in pwbd  # contractor of a permit active in the period
    assert "1010101010101" not in pwbd  # its permit ended before the period
    assert "1212121212121" not in pwbd  # payroll only for another period
    assert pwbd == {"3333333333333", "6666666666666", "9999999999999"}


def test_pwbd_without_payroll_is_sized_on_declared_workers_and_minimum_wage(run: s.Published) -> None:
    warung = run.finding("PWBD", "6666666666666")
    minimum_wage_62_2026 = 3_686_138
    assert warung.workers_affected == "4"
    assert int(warung.wage_gap_monthly) == 4 * minimum_wage_62_2026
    # MIKRO: JKK (KBLI 56 -> section I -> class 1, 0.24 %) + JKM 0.30 %
    assert int(warung.estimated_contribution_monthly) == round(4 * minimum_wage_62_2026 * 0.0054)


def test_pds_tk_contribution_uses_the_employers_scale_and_risk_class(run: s.Published) -> None:
    e1 = run.finding("PDS_TK", "1111111111111")
    wages = 3_500_000 + 5_000_000 + 3_700_000 + 4_100_000
    # KECIL: JKK (KBLI 47 -> G -> class 1, 0.24 %) + JKM 0.30 % + JHT 5.7 %
    assert int(e1.estimated_contribution_monthly) == round(wages * (0.0024 + 0.003 + 0.057))
    assert int(e1.wage_gap_monthly) == wages


def test_pds_upah_below_95_percent_only(run: s.Published) -> None:
    assert keys(run, "PDS_UPAH") == {"0012345678901000"}  # E4's worker at exactly 95 % is not listed
    e2 = run.finding("PDS_UPAH", "0012345678901000")
    assert (e2.workers_affected, e2.wage_gap_monthly) == ("1", "400000")
    # MENENGAH, KBLI 41 -> F -> class 4 (1.27 %): JKK + JKM + JHT + JP on the 400,000 difference
    assert int(e2.estimated_contribution_monthly) == round(400_000 * (0.0127 + 0.003 + 0.057 + 0.03))
    worker = run.workers[(run.workers.category == "PDS_UPAH")].iloc[0]
    assert (worker.gross_wage, worker.reported_wage, worker.matched_by) == ("6000000.0", "5600000.0", "nik")


def test_pds_program_takes_scale_from_the_permit(run: s.Published) -> None:
    assert keys(run, "PDS_PROGRAM") == {"5555555555555"}
    e5 = run.finding("PDS_PROGRAM", "5555555555555")
    assert e5.missing_programs == "JP"
    assert e5.workers_affected == "1"  # its one AKTIF participant
    assert int(e5.estimated_contribution_monthly) == round(4_000_000 * 0.03)


def test_proyek_unregistered_active_permits(run: s.Published) -> None:
    assert keys(run, "PROYEK") == {"9999999999999"}  # 002 ended, 003 is registered
    bridge = run.finding("PROYEK", "9999999999999")
    assert bridge.workers_affected == "25"
    by_slice = 100e6 * 0.0024 + 400e6 * 0.0019 + 500e6 * 0.0015 + 1.5e9 * 0.0012
    assert int(bridge.estimated_contribution_monthly) == round(by_slice / 10)  # March..December


def test_published_lists_mask_every_nik(run: s.Published) -> None:
    assert run.workers.nik_masked.str.fullmatch(r"\d{6}\*{6}\d{4}").all()
    text = "".join((run.folder / f).read_text(encoding="utf-8") for f in ("findings.csv", "workers.csv"))
    for full in (s.W3, s.W4, s.W8, s.W10):
        assert full not in text


def test_restricted_file_has_full_niks_outside_the_publication(run: s.Published) -> None:
    restricted = run.folder.parent.parent / "restricted" / s.PERIOD / "workers_full.csv"
    assert s.W8 in restricted.read_text()


def test_coverage_by_regency_and_province(run: s.Published) -> None:
    coverage = run.coverage.set_index("region_code")
    # 62.71: AKTIF participants of AKTIF employers E1 (3), E2 (2), E4 (1); 62.01: E5 (1 of 2 AKTIF)
    assert coverage.loc["62.71", "registered_workers"] == "6"
    assert float(coverage.loc["62.71", "formal_workers"]) == 1500
    assert coverage.loc["62.71", "coverage_pct"] == "0.4"
    assert coverage.loc["62.01", "registered_workers"] == "1"
    assert coverage.loc["62.01", "coverage_pct"] == "0.1"
    assert coverage.loc["62", "level"] == "province"
    assert coverage.loc["62", "registered_workers"] == "7"
    assert float(coverage.loc["62", "formal_workers"]) == 2300
    assert coverage.loc["62.71", "region_name"] == "Kota Palangkaraya"


def test_findings_columns_follow_the_contract(run: s.Published) -> None:
    assert list(run.findings.columns)[:14] == [
        "period",
        "category",
        "employer_key",
        "employer_name",
        "nib",
        "npwp",
        "npp",
        "regency_code",
        "regency_name",
        "workers_affected",
        "wage_gap_monthly",
        "estimated_contribution_monthly",
        "missing_programs",
        "evidence",
    ]
    assert list(run.workers.columns) == [
        "period",
        "category",
        "employer_key",
        "nik_masked",
        "full_name",
        "gross_wage",
        "reported_wage",
        "matched_by",
        "match_probability",
        "evidence",
    ]
    assert run.findings.npwp.str.fullmatch(r"(\d{16})?").all()
    assert run.findings.regency_code.str.fullmatch(r"\d{2}\.\d{2}").all()


def test_rerun_publishes_the_same_lists(tmp_path: Path) -> None:
    s.build_base_delivery(tmp_path / "landing")
    first = tmp_path / "first"
    run_period(s.PERIOD, tmp_path / "landing", first)
    before = {
        f: (first / "published" / s.PERIOD / f).read_bytes()
        for f in ("findings.csv", "workers.csv", "coverage.csv", "quarantine.csv", "manifest.json")
    }
    run_period(s.PERIOD, tmp_path / "landing", first)
    after = {f: (first / "published" / s.PERIOD / f).read_bytes() for f in before}
    assert before == after


@pytest.mark.parametrize(("period", "cap"), [("2026-02", 10_547_400), ("2026-03", 11_086_300)])
def test_jp_wage_cap_in_force_in_the_period(tmp_path: Path, period: str, cap: int) -> None:
    """A wage above the JP cap pays JP on the cap in force on the period's first day."""
    landing = tmp_path / "landing"
    root = s.build_base_delivery(landing, period)
    high = s.nik(15, 5, 1980, 77)
    payroll = root / "payroll/a_payroll.csv"
    payroll.write_text(
        payroll.read_text() + f",0012345678901000,{high},Tinggi Gaji,1980-05-15,20000000,,62.71\r\n"
    )
    run_period(period, landing, tmp_path / "data")
    findings = s.read_published(tmp_path / "data" / "published" / period).findings
    e2 = findings[(findings.category == "PDS_TK") & (findings.employer_key == "0012345678901000")].iloc[0]
    # E2: MENENGAH, KBLI 41 -> F -> JKK 1.27 %; JKM 0.30 %, JHT 5.7 % on the wage, JP 3 % on the cap
    assert int(e2.estimated_contribution_monthly) == round(20_000_000 * (0.0127 + 0.003 + 0.057) + cap * 0.03)
