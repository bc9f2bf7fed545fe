"""Rendered sheet rows reach the workbook in order, from a thread that works ahead."""

from __future__ import annotations

import threading

import pytest

from pipeline.publish.sheet_rows import ahead


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
