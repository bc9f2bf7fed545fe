"""The decision store's file (contract section 5): one row per decision, the header once, safe
for concurrent writers in threads and processes, never seen half-written, the latest counting."""

from __future__ import annotations

import csv
import io
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.portal import decisions
from pipeline.portal.decisions import Decision

# A note that needs quoting: commas, quotes, a line break and a tab (cleaned to one line).
NOTE = 'slip gaji, KTP "asli"\ndicek\tdi kantor'
CLEAN_NOTE = 'slip gaji, KTP "asli" dicek di kantor'


def parse(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(decisions.COLUMNS)
    assert all(len(r) == len(decisions.COLUMNS) for r in rows), "a row was torn"
    assert text.endswith("\n") and text.count("\n") == len(rows)  # one line per row
    return [dict(zip(decisions.COLUMNS, r, strict=True)) for r in rows[1:]]


def _writer(data: str, worker: int, count: int) -> None:
    """Appends from two threads of one process."""

    def one(thread: int) -> None:
        for i in range(count):
            review_id = f"w{worker}-t{thread}-{i:03d}"
            decision = "SAMA" if i % 2 else "BEDA"
            decisions.append(
                Path(data), Decision(review_id, decision, f"user{worker}", decisions.now_utc(), NOTE)
            )

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, range(2)))


def test_concurrent_writers_lose_and_tear_nothing(tmp_path: Path) -> None:
    processes, per_thread = 4, 15
    target = tmp_path / "decisions" / decisions.PORTAL_FILE
    seen: list[int] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        # Every read while writers run is a whole file: header, complete rows, nothing torn.
        while not stop.is_set():
            if target.is_file():
                try:
                    seen.append(len(parse(target)))
                except BaseException as exc:  # reported below
                    errors.append(exc)

    watcher = threading.Thread(target=reader)
    watcher.start()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w, per_thread)) for w in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    stop.set()
    watcher.join()
    assert all(w.exitcode == 0 for w in workers)
    assert not errors, errors[0]
    rows = parse(target)
    expected = {f"w{w}-t{t}-{i:03d}" for w in range(processes) for t in range(2) for i in range(per_thread)}
    assert len(rows) == len(expected) and {r["review_id"] for r in rows} == expected
    assert {r["note"] for r in rows} == {CLEAN_NOTE}
    assert seen == sorted(seen) and seen, "reads saw the file grow, never shrink"
    # Nothing left behind but the store and its lock.
    assert sorted(p.name for p in target.parent.iterdir()) == [f".{decisions.PORTAL_FILE}.lock", "portal.csv"]


def test_the_latest_decision_counts_across_files_and_rows(tmp_path: Path) -> None:
    def add(review_id: str, decision: str, on: str, by: str = "sup62") -> None:
        decisions.append(tmp_path, Decision(review_id, decision, by, on, ""))

    add("000000000000000a", "SAMA", "2026-11-02T09:00:00Z")
    add("000000000000000a", "BEDA", "2026-11-02T10:00:00Z")
    add("000000000000000b", "BEDA", "2026-11-03T08:00:00Z")
    add("000000000000000b", "SAMA", "2026-11-03T08:00:00Z", by="kedua")  # same second: the later row counts
    add("000000000000000c", "SAMA", "2026-11-05T08:00:00Z")
    folder = tmp_path / "decisions"
    # A team's file: a date without a time, lower case, one newer and one older than the portal's.
    (folder / "tim.csv").write_text(
        "review_id,decision,decided_by,decided_on,note\n000000000000000c,beda,tim,2026-11-04,lama\n000000000000000d,sama,tim,2026-11-04,\n"
        "e,MUNGKIN,tim,2026-11-04,\n"
    )
    (folder / "rusak.csv").write_bytes(b'\xff\xfe\x00 bukan csv "')  # unreadable: left out
    latest = {
        r["review_id"]: (r["decision"], r["decided_by"]) for r in decisions.latest(tmp_path).to_pylist()
    }
    assert latest == {
        "000000000000000a": ("BEDA", "sup62"),
        "000000000000000b": ("SAMA", "kedua"),
        "000000000000000c": ("SAMA", "sup62"),
        "000000000000000d": ("SAMA", "tim"),
    }


def test_header_once_and_a_file_without_a_final_newline(tmp_path: Path) -> None:
    folder = tmp_path / "decisions"
    folder.mkdir()
    # Edited by hand and saved without a final line break: the next row still starts a line.
    (folder / decisions.PORTAL_FILE).write_text(
        "review_id,decision,decided_by,decided_on,note\nx,SAMA,tim,2026-11-01,"
    )
    decisions.append(tmp_path, Decision("y", "BEDA", "sup62", "2026-11-02T00:00:00Z", "catatan"))
    assert [r["review_id"] for r in parse(folder / decisions.PORTAL_FILE)] == ["x", "y"]


def test_a_note_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    decisions.append(
        tmp_path, Decision("x", "SAMA", "sup62", "2026-11-02T00:00:00Z", '=HYPERLINK("http://x")')
    )
    decisions.append(tmp_path, Decision("y", "BEDA", "sup62", "2026-11-02T00:00:00Z", "\t@SUM(A1)"))
    notes = [r["note"] for r in parse(tmp_path / "decisions" / decisions.PORTAL_FILE)]
    assert notes == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]


def test_only_sama_or_beda_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        decisions.append(tmp_path, Decision("x", "YA", "sup62", decisions.now_utc()))
    assert not (tmp_path / "decisions" / decisions.PORTAL_FILE).exists()


def test_latest_is_read_again_only_when_a_file_changes(tmp_path: Path) -> None:
    import os

    decisions.append(tmp_path, Decision("000000000000000a", "SAMA", "sup62", "2026-11-02T09:00:00Z"))
    store_file = tmp_path / "decisions" / decisions.PORTAL_FILE
    os.utime(store_file, (1_700_000_000, 1_700_000_000))  # long unchanged
    first = decisions.latest(tmp_path)
    assert decisions.latest(tmp_path) is first  # kept
    team = tmp_path / "decisions" / "tim.csv"
    team.write_text("review_id,decision,decided_by,decided_on,note\n000000000000000a,BEDA,tim,2026-11-03,\n")
    assert decisions.latest(tmp_path).to_pylist()[0]["decision"] == "BEDA"  # a new file is read
    # A file just written is read afresh each time, whatever its size and time say.
    team.write_text("review_id,decision,decided_by,decided_on,note\n000000000000000a,SAMA,tim,2026-11-03,\n")
    assert decisions.latest(tmp_path).to_pylist()[0]["decision"] == "SAMA"
