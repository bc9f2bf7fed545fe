"""The review decision store, <data>/decisions/ (pipeline/linkage/decisions.py)."""

from __future__ import annotations

import csv
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.linkage.decisions import read_store, record_decision

A, B = "0123456789abcdef", "fedcba9876543210"


def write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["review_id", "decision", "decided_by", "decided_on", "note"], *rows])


def test_the_latest_decision_counts_whatever_file_it_is_in(tmp_path: Path) -> None:
    write(tmp_path / "decisions/b.csv", [[A, "SAMA", "x", "2026-11-02T08:00:00Z", ""]])
    write(
        tmp_path / "decisions/a.csv",
        [[A, "BEDA", "y", "2026-11-03T08:00:00Z", "orang lain"], [B, "sama", "y", "2026-11-01", ""]],
    )
    store = read_store(tmp_path)
    assert store.latest[A]["decision"] == "BEDA" and store.latest[A]["decided_by"] == "y"
    assert store.latest[B]["decision"] == "SAMA"
    assert store.files == ["a.csv", "b.csv"] and not store.unreadable


def test_bad_files_and_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    write(
        tmp_path / "decisions/ok.csv",
        [[A, "SAMA", "x", "2026-11-02", ""], ["nope", "SAMA", "x", "2026-11-02", ""]],
    )
    write(tmp_path / "decisions/maybe.csv", [[B, "MUNGKIN", "x", "2026-11-02", ""]])
    (tmp_path / "decisions/binary.csv").write_bytes(b"\xff\xfe\x00\x81")
    (tmp_path / "decisions/columns.csv").write_text("id,keputusan\n1,SAMA\n")
    store = read_store(tmp_path)
    assert set(store.latest) == {A}
    assert store.rejected_rows == 2
    assert sorted(u["file"] for u in store.unreadable) == ["binary.csv", "columns.csv"]


def test_no_store_is_an_empty_store(tmp_path: Path) -> None:
    assert read_store(tmp_path).latest == {}


def test_record_decision_appends_under_a_lock(tmp_path: Path) -> None:
    when = dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC)
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: record_decision(tmp_path, A, "SAMA", f"user{i}", "ok,\nbaris", when), range(40)
            )
        )
    rows = list(csv.DictReader((tmp_path / "decisions/portal.csv").open(encoding="utf-8")))
    assert len(rows) == 40 and {r["decided_on"] for r in rows} == {"2026-11-05T09:30:00Z"}
    assert rows[0]["note"] == "ok, baris"
    assert read_store(tmp_path).latest[A]["decision"] == "SAMA"
    with pytest.raises(ValueError):
        record_decision(tmp_path, A, "MUNGKIN", "x")
    with pytest.raises(ValueError):
        record_decision(tmp_path, "not-an-id", "SAMA", "x")
