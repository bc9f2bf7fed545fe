"""Rendered sheet rows reach the workbook in order, in blocks, from a thread that works ahead."""

from __future__ import annotations

import threading

import duckdb
import pytest

from pipeline.publish.sheet_rows import BLOCK_ROWS, ahead, xml_blocks


def test_a_sorted_table_streams_its_row_id_range_in_order() -> None:
    # What the workbook relies on: rows sorted into a table keep that order as their row ids,
    # across row groups (122,880 rows each) and threads, and a range of them streams in order.
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(
        "create temp table sorted_rows as "
        "select * from (select (i * 7919) % 300000 as k from range(300000) as t(i)) order by k"
    )
    sql = "select '<' || k || '>' from sorted_rows where rowid >= 100000 and rowid < 250000"
    blocks = list(xml_blocks(con, sql))
    assert b"".join(blocks) == b"".join(b"<%d>" % k for k in range(100_000, 250_000))
    # in blocks of at most BLOCK_ROWS rows (a row group's end can cut one short)
    assert len(blocks) > 1 and max(block.count(b"<") for block in blocks) <= BLOCK_ROWS


def test_pieces_come_in_order_from_another_thread() -> None:
    threads = set()

    def pieces():
        for i in range(100):
            threads.add(threading.current_thread().name)
            yield str(i).encode()

    assert list(ahead(pieces(), depth=3)) == [str(i).encode() for i in range(100)]
    assert threads == {"sheet-rows"}


def test_a_failure_while_rendering_reaches_the_writer() -> None:
    def pieces():
        yield b"<row/>"
        raise RuntimeError("DuckDB ran out of memory")

    received = []
    with pytest.raises(RuntimeError, match="out of memory"):
        for piece in ahead(pieces()):
            received.append(piece)
    assert received == [b"<row/>"]


def test_a_writer_that_stops_early_does_not_leave_the_renderer_blocked() -> None:
    rendered = []

    def pieces():
        for i in range(1000):
            rendered.append(i)
            yield b"x"

    stream = ahead(pieces(), depth=2)
    assert next(stream) == b"x"
    stream.close()  # as when writing the workbook fails: joins the producer, which must not hang
    assert len(rendered) < 1000
    assert not any(t.name == "sheet-rows" for t in threading.enumerate())
