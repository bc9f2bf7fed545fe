"""Record linkage through `rekon run` (CONTRACT.md sections 5 and 7): an undecided worker goes to
review.csv and into no figure, a decision in <data>/decisions/ settles it in the next run, and the
outputs do not depend on the order of the input rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.linkage import harness
from pipeline.linkage.decisions import read_store, record_decision
from pipeline.linkage.labelled import generate
from pipeline.runner import run_period
from tests import scenario as s

HENDRA_REGISTRY, HENDRA_PAYROLL, E1 = s.HENDRA_REGISTRY, s.HENDRA_PAYROLL, s.E1
add_hendra = s.add_undecided_pair


def published(data: Path) -> s.Published:
    return s.read_published(data / "published" / s.PERIOD)


def review_rows(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "published" / s.PERIOD / "review.csv", dtype=str, keep_default_na=False)


def test_an_undecided_worker_is_reviewed_and_a_decision_settles_it(tmp_path: Path) -> None:
    landing, data = tmp_path / "landing", tmp_path / "data"
    add_hendra(s.build_base_delivery(landing))

    run_period(s.PERIOD, landing, data)
    review = review_rows(data)
    assert list(review.columns) == [
        "review_id",
        "period",
        "employer_key",
        "employer_name",
        "regency_code",
        "nik_masked",
        "full_name",
        "gross_wage",
        "reason",
        "match_probability",
        "candidate_nik_masked",
        "candidate_full_name",
        "evidence",
    ]
    hendra = review.loc[review.full_name == "Hendra"]
    assert len(hendra) == 1
    row = hendra.iloc[0]
    assert row.reason == "kemungkinan_cocok" and row.employer_key == E1
    assert row.candidate_full_name == "Hendra Wijaya"
    assert row.candidate_nik_masked == HENDRA_REGISTRY[:6] + "******" + HENDRA_REGISTRY[-4:]
    assert "(peluang sama orang 90.9 %): NIK beda; nama sebagian sama; tanggal lahir sama" in row.evidence
    thresholds = published(data).manifest["linkage"]["thresholds"]
    assert thresholds["review"] <= float(row.match_probability) < thresholds["match"]
    # never a finding, counted in no figure: E1 still lists its four unregistered workers
    before = published(data)
    assert "Hendra" not in set(before.workers.full_name)
    assert before.finding("PDS_TK", E1).workers_affected == "4"
    first_id = row.review_id

    # an operator's file: SAMA registers the worker through that participant
    decisions = data / "decisions"
    decisions.mkdir()
    with (decisions / "cabang_palangkaraya.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["review_id", "decision", "decided_by", "decided_on", "note"])
        writer.writerow([first_id, "SAMA", "petugas1", "2026-11-05T10:00:00Z", "KTP dicek"])
    (decisions / "rusak.csv").write_bytes(b"\xff\xfe\x00garbage")  # reported, the run goes on
    run_period(s.PERIOD, landing, data)
    after = published(data)
    assert "Hendra" not in set(review_rows(data).full_name)
    assert "Hendra" not in set(after.workers.full_name)
    linkage = after.manifest["linkage"]
    assert linkage["decisions"]["applied"] == 1
    assert [u["file"] for u in linkage["decisions"]["files_unreadable"]] == ["rusak.csv"]
    assert {"outcome": "registered", "method": "keputusan", "workers": 1} in linkage["workers"]

    # a later BEDA from the portal takes the candidate out: with no one else to compare, listed
    record_decision(
        data, first_id, "BEDA", "supervisor", "orang lain", dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
    )
    assert read_store(data).latest[first_id]["decision"] == "BEDA"
    run_period(s.PERIOD, landing, data)
    last = published(data)
    listed = last.workers.loc[last.workers.full_name == "Hendra"]
    assert len(listed) == 1 and listed.iloc[0].category == "PDS_TK"
    assert last.finding("PDS_TK", E1).workers_affected == "5"
    assert "Hendra" not in set(review_rows(data).full_name)
    # the review_id names the pair, not the run: the same in every run
    assert (
        json.loads((data / "published" / s.PERIOD / "manifest.json").read_text())["linkage"]["decisions"][
            "in_store"
        ]
        == 1
    )


@pytest.fixture(scope="module")
def labelled():
    return generate(seed=11, employers=25)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_shuffling_input_rows_changes_no_output_byte(labelled, random) -> None:
    expected = harness.outcomes(labelled.payroll, labelled.participants).to_csv(index=False).encode()
    payroll = labelled.payroll.sample(frac=1.0, random_state=random.randrange(2**32)).reset_index(drop=True)
    participants = labelled.participants.sample(frac=1.0, random_state=random.randrange(2**32))
    shuffled = harness.outcomes(payroll, participants.reset_index(drop=True)).to_csv(index=False).encode()
    assert shuffled == expected


def shuffle_rows(path: Path, random) -> None:
    """The file's data rows in another order (these files have one record a line)."""
    header, *rows = path.read_bytes().split(b"\r\n")
    rows = [row for row in rows if row]
    random.shuffle(rows)
    path.write_bytes(b"\r\n".join([header, *rows]) + b"\r\n")


PUBLISHED = (
    "findings.csv",
    "workers.csv",
    "review.csv",
    "coverage.csv",
    "findings.parquet",
    "review.parquet",
)


@pytest.fixture(scope="module")
def unshuffled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    base = tmp_path_factory.mktemp("unshuffled")
    add_hendra(s.build_base_delivery(base / "landing"))
    run_period(s.PERIOD, base / "landing", base / "data")
    return {name: (base / "data/published" / s.PERIOD / name).read_bytes() for name in PUBLISHED}


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_shuffled_delivery_publishes_the_same_bytes(unshuffled, tmp_path_factory, random) -> None:
    base = tmp_path_factory.mktemp("shuffled")
    root = s.build_base_delivery(base / "landing")
    add_hendra(root)
    for name in ("payroll/a_payroll.csv", "registry/participants.csv", "registry/employers.csv"):
        shuffle_rows(root / name, random)
    run_period(s.PERIOD, base / "landing", base / "data")
    for name, expected in unshuffled.items():
        assert (base / "data/published" / s.PERIOD / name).read_bytes() == expected, name
