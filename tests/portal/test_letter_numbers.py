"""Letter numbers: one per branch, year and sequence step, never repeated, even when 20 requests
issue letters at the same moment (threads on Postgres, where transactions really overlap, and on
SQLite); the same letter asked for twice at once is issued once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest

import pipeline.portal.case_tables  # noqa: F401 (registers the tables)
from pipeline.portal.db import connect
from pipeline.portal.letters import numbering
from tests.portal.conftest import postgres_schema

DAY = dt.date(2026, 12, 10)


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    with postgres_schema("followup_letters") as url:
        yield url


def _issue_all(
    engine, cases: list[tuple[str, str]], kind: str = "SP1"
) -> list[tuple[numbering.Letter, bool]]:
    start = Barrier(len(cases))

    def one(case: tuple[str, str]) -> tuple[numbering.Letter, bool]:
        start.wait()  # all 20 enter the transaction together
        return numbering.issue(engine, case[0], case[1], kind, "KC-PLKR", DAY, None, "2026-10", "uji", {})

    with ThreadPoolExecutor(len(cases)) as pool:
        return list(pool.map(one, cases))


def test_twenty_concurrent_letters_get_twenty_numbers(db_url: str) -> None:
    engine = connect(db_url)
    results = _issue_all(engine, [(f"{i:013d}", "PDS_TK") for i in range(20)])
    numbers = [letter.number for letter, _ in results]
    assert len(set(numbers)) == 20 and all(new for _, new in results)
    assert sorted(letter.content["number"] for letter, _ in results) == sorted(numbers)
    assert sorted(n.split("/")[0] for n in numbers) == [f"{i:04d}" for i in range(1, 21)]
    assert all(n.endswith("/SP1/KC-PLKR/XII/2026") for n in numbers)
    # Another branch and another year have sequences of their own.
    other, _ = numbering.issue(engine, "9", "PWBD", "SP1", "KC-SMPT", DAY, None, "2026-10", "uji", {})
    next_year, _ = numbering.issue(
        engine, "9", "PDS_TK", "SP1", "KC-PLKR", dt.date(2027, 1, 4), None, "2026-12", "uji", {}
    )
    assert other.number.startswith("0001/") and next_year.number == "0001/SP1/KC-PLKR/I/2027"
    engine.dispose()


def test_the_same_letter_twenty_times_at_once_is_issued_once(db_url: str) -> None:
    engine = connect(db_url)
    results = _issue_all(engine, [("1111111111111", "PDS_TK")] * 20, kind="SP2")
    assert len({letter.number for letter, _ in results}) == 1
    assert sum(new for _, new in results) == 1
    # Asked again later: the same letter, not a new number.
    again, new = numbering.issue(
        engine, "1111111111111", "PDS_TK", "SP2", "KC-PLKR", DAY, None, "2026-10", "x", {}
    )
    assert not new and again.number == results[0][0].number
    engine.dispose()


def _issue_in_process(args: tuple[str, int]) -> list[str]:
    url, worker = args
    engine = connect(url)
    numbers = [
        numbering.issue(
            engine, f"{worker}{i:012d}", "PWBD", "SP1", "KC-PLKR", DAY, None, "2026-10", "uji", {}
        )[0].number
        for i in range(5)
    ]
    engine.dispose()
    return numbers


def test_four_processes_on_one_sqlite_file_share_no_number(tmp_path: Path) -> None:
    """Several portal processes on the embedded SQLite file: SQLite's own locking, not the
    in-process queue, keeps the numbers apart."""
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    connect(url).dispose()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        numbers = [n for batch in pool.map(_issue_in_process, [(url, w) for w in range(4)]) for n in batch]
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert sorted(n.split("/")[0] for n in numbers) == [f"{i:04d}" for i in range(1, 21)]
