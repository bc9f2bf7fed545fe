"""A table's rows as SpreadsheetML, built by DuckDB and spliced into a workbook xlsxwriter wrote.

xlsxwriter writes a cell at a time in Python: about 45 s for the 1.4 M worker rows of a national
run. DuckDB renders the same `<row>` elements in a fraction of that, so xlsxwriter writes only
what it is good at (formats, widths, frozen headers, filters, charts, the summary) plus one
placeholder row per table sheet, and `splice` swaps each placeholder for the table's rows. The
placeholder row's cells carry the style index xlsxwriter gave each column, which the rendered
cells reuse. The placeholder is the sheet row the table's rows start on: row 2, under the header,
unless a sheet has more above its header (the portal's downloads start with a title).
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from queue import Full, Queue

from xlsxwriter.utility import xl_col_to_name

from pipeline.db import sql_name

# zlib's fastest level: the national workbook's 760 MB of sheet XML deflates in 4 s instead of
# the default level's 11 s, into 88 MB instead of 72 MB.
DEFLATE_LEVEL = 1
# Rows DuckDB renders and hands over at a time, as one string. The national workbook (1.4 M
# workers, 135 k findings): 4.7 s and 0.73 GB with these, 4.9 s and 0.77 GB with 20,000-row
# blocks; the portal's download of the 135 k findings: 1.9 s and 0.21 GB against 2.1 s and 0.42 GB.
BLOCK_ROWS = 4096
MAX_TEXT = 32_767  # Excel's limit on a cell's text (xlsxwriter truncates the same way)
# Control characters XML 1.0 cannot carry; Excel reads them back from `_xHHHH_`.
CONTROL = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20)]]

_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def _text_sql(value: str) -> str:
    """SQL for a value as XML text, escaped as xlsxwriter escapes it for Excel."""
    text = f"left({value}::varchar, {MAX_TEXT})"
    # A literal `_xHHHH_` would be read as an escape: Excel escapes its underscore.
    escaped = f"regexp_replace({text}, '(_x[0-9a-fA-F]{{4}}_)', '_x005F\\1', 'g')"
    text = f"if(contains({text}, '_x'), {escaped}, {text})"
    controls = text
    for char in CONTROL:
        controls = f"replace({controls}, chr({ord(char)}), '_x{ord(char):04X}_')"
    text = f"if(regexp_matches({text}, '[\\x00-\\x08\\x0B-\\x1F]'), {controls}, {text})"
    return f"replace(replace(replace({text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def row_xml_sql(columns: Sequence[tuple[str, bool, str | None]]) -> str:
    """SQL for a row as a `<row>` element, numbered by the text column `r` (its sheet row).

    `columns`: per cell, the column it shows, whether it is a number, and its style index."""
    cells = []
    for i, (name, numeric, style) in enumerate(columns):
        value = sql_name(name)
        start = f"'<c r=\"{xl_col_to_name(i)}' || r || '\"" + (f' s="{style}"' if style is not None else "")
        if numeric:
            # NaN or infinity has no SpreadsheetML form: the cell is left empty, as for null.
            number = f"if(isfinite({value}::double), {value}::varchar, null)"
            cells.append(f"coalesce({start}><v>' || {number} || '</v></c>', '')")
        else:
            inline = f'{start} t="inlineStr"><is><t xml:space="preserve">\''
            cells.append(f"coalesce({inline} || {_text_sql(value)} || '</t></is></c>', '')")
    return f"""'<row r="' || r || '">' || concat({", ".join(cells)}) || '</row>'"""


def xml_blocks(con, sql: str) -> Iterator[bytes]:
    """The `<row>` elements of `sql`'s one column, in its order, up to BLOCK_ROWS to a string.

    DuckDB renders a block while the one before is written, so only a few blocks are held at a
    time; `sql` must be a plain projection or scan, which streams in order (DuckDB preserves
    insertion order). Rendering all of a sheet's rows before handing any over (an ordered
    `string_agg` per block) took the national workbook to 2.78 GB of memory instead of 0.73 GB."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for batch in con.sql(sql).to_arrow_reader(batch_size=BLOCK_ROWS):
        rows = pa.ListArray.from_arrays([0, len(batch)], batch.column(0))
        yield pc.binary_join(rows, "")[0].as_buffer().to_pybytes()


def _placeholder(sheet_xml: bytes, first_row: int) -> re.Match[bytes]:
    row = re.search(rb'<row r="%d"[^>]*>.*?</row>' % first_row, sheet_xml, re.S)
    if row is None:
        raise ValueError(f"the sheet has no placeholder row (row {first_row})")
    return row


def placeholder_styles(sheet_xml: bytes, columns: int, first_row: int = 2) -> list[str | None]:
    """The style index of each column's cell in the placeholder row."""
    row = _placeholder(sheet_xml, first_row)[0]
    found = {m[1].decode(): m[2] for m in re.finditer(rb'<c r="([A-Z]+)%d"(?: s="(\d+)")?' % first_row, row)}
    return [(found.get(xl_col_to_name(i)) or b"").decode() or None for i in range(columns)]


def filled(
    sheet_xml: bytes, rows: Iterable[bytes], count: int, columns: int, first_row: int = 2
) -> Iterator[bytes]:
    """The sheet's XML with its placeholder row replaced by `rows` (`count` of them)."""
    row = _placeholder(sheet_xml, first_row)
    last = count + first_row - 1
    dimension = f'<dimension ref="A1:{xl_col_to_name(columns - 1)}{last}"/>'.encode()
    yield _DIMENSION.sub(dimension, sheet_xml[: row.start()], count=1)
    yield from rows
    yield sheet_xml[row.end() :]


def rendered(
    con, sheet_xml: bytes, rows_sql: str, columns: Sequence[tuple[str, bool]], count: int, first_row: int = 2
) -> Iterator[bytes]:
    """The sheet's XML with its placeholder row replaced by the `count` rows of `rows_sql`, which
    numbers each by its sheet row in the text column `r`, rendered by DuckDB (`xml_blocks`).

    `columns`: per cell, the column of `rows_sql` it shows and whether it is a number; each cell
    takes the style of the placeholder's cell in its column."""
    styles = placeholder_styles(sheet_xml, len(columns), first_row)
    cells = [(name, numeric, style) for (name, numeric), style in zip(columns, styles, strict=True)]
    blocks = xml_blocks(con, f"select {row_xml_sql(cells)} from ({rows_sql})")
    return filled(sheet_xml, blocks, count, len(columns), first_row)


def splice(path: Path, members: dict[str, Callable[[bytes], Iterable[bytes]]]) -> None:
    """Rewrite the workbook at `path`: each member named in `members` becomes what its function
    yields from the member's XML; the others are copied. Member order and dates are kept, so the
    same workbook gives the same bytes. Members are deflated at DEFLATE_LEVEL."""
    spliced = path.with_suffix(".splicing")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(spliced, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, member.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = DEFLATE_LEVEL  # `compress_level` from Python 3.13, which keeps this
            data = source.read(member)
            if member.filename not in members:
                target.writestr(info, data)
                continue
            with target.open(info, "w", force_zip64=True) as out:
                for piece in ahead(members[member.filename](data)):
                    out.write(piece)
    spliced.replace(path)


def ahead(pieces: Iterable[bytes], depth: int = 4) -> Iterator[bytes]:
    """`pieces`, produced by a thread up to `depth` pieces ahead: DuckDB renders the next block of
    rows while zlib deflates this one (both release the GIL), so the two overlap on two cores."""
    queue: Queue = Queue(depth)
    stop = threading.Event()
    end = object()

    def hand(item: object) -> bool:
        """Queue `item` unless the consumer has stopped (then never block)."""
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                pass
        return False

    def produce() -> None:
        try:
            for piece in pieces:
                if not hand(piece):
                    return
            hand(end)
        except BaseException as error:  # handed to the consumer, raised there
            hand(error)

    producer = threading.Thread(target=produce, name="sheet-rows", daemon=True)
    producer.start()
    try:
        while (piece := queue.get()) is not end:
            if isinstance(piece, BaseException):
                raise piece
            yield piece
    finally:
        stop.set()
        producer.join()
