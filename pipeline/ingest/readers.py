"""Read a landing file as agencies really send it, as text columns.

Every reader returns the raw header and the rows in file order as text columns c0..cN: a stream
of Arrow record batches (CSV, XLSX), or for Parquet a DuckDB query that also numbers the rows
and carries the columns that are already numbers or dates typed as well (t0..tN), so they need
no parsing. Typing and cleaning come later (standardise.py), so nothing the sender wrote is lost
or guessed at here. A file that cannot be read raises UnreadableFileError.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pipeline.db import sql_name, sql_path
from pipeline.errors import UnreadableFileError

_SNIFF_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 24


@dataclass
class RawFile:
    header: list[str]
    batches: Iterator[pa.RecordBatch] | None = None  # columns named c0..cN, all strings
    query: str | None = None  # or a DuckDB select of the same columns and `_row_number`
    typed: dict[int, str] = field(default_factory=dict)  # position -> "number" or "date": t{i} in `query`


HeaderTest = Callable[[list[str]], bool]


def read_raw(path: Path, is_header: HeaderTest = lambda _: True) -> RawFile:
    """Read `path`. In a workbook the header is the first non-empty row that `is_header`
    accepts (title rows above it are skipped), or else the first non-empty row."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix == ".xlsx":
            return _read_xlsx(path, is_header)
        if suffix == ".parquet":
            return _read_parquet(path)
    except UnreadableFileError:
        raise
    except Exception as exc:  # any parser failure means the file as a whole is unusable
        raise UnreadableFileError(f"{type(exc).__name__}: {_arrow_problem(exc)}") from exc
    raise UnreadableFileError(f"unsupported file type {suffix or '(none)'}: expected .csv, .xlsx or .parquet")


def _positional(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


# --- CSV ----------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252."""
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK_BYTES):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte, so nothing is refused here.
    return "latin-1"


def _sniff_header(path: Path, encoding: str) -> tuple[list[str], str, int]:
    """The header fields, the delimiter and how many physical lines precede the data."""
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as f:
        head = f.read(_SNIFF_BYTES)
    lines = head.splitlines()
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    if skip == len(lines):
        raise UnreadableFileError("the file is empty")
    line = lines[skip]
    # The delimiter is the candidate that splits the header into the most fields.
    delimiter = max((",", ";", "\t"), key=lambda d: len(next(csv.reader([line], delimiter=d))))
    header = next(csv.reader([line], delimiter=delimiter))
    return header, delimiter, skip + 1


def _read_csv(path: Path) -> RawFile:
    import pyarrow.csv as pcsv

    encoding = detect_encoding(path)
    header, delimiter, skip = _sniff_header(path, encoding)
    names = _positional(len(header))
    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(
            encoding="utf8" if encoding == "utf-8" else encoding,
            skip_rows=skip,
            column_names=names,
            block_size=1 << 25,
        ),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        ),
    )
    return RawFile(header, _checked(reader, delimiter, len(header)))


def _checked(reader, delimiter: str, width: int) -> Iterator[pa.RecordBatch]:
    # A row with the wrong number of fields (typically a truncated file) makes the whole file
    # unusable: guessing which fields were lost would put wrong values in the right columns.
    offset = 0
    try:
        for batch in reader:
            _no_swallowed_records(batch, delimiter, width, offset)
            offset += batch.num_rows
            yield batch
    except pa.ArrowInvalid as exc:
        raise UnreadableFileError(f"malformed CSV: {_arrow_problem(exc)}") from exc


def _arrow_problem(exc: Exception) -> str:
    """Arrow's parse error without the record it quotes (row values stay out of reports)."""
    message = str(exc)
    if found := re.search(r"Expected (\d+) columns, got (\d+)", message):
        return f"CSV parse error: a record has {found[2]} fields where the header has {found[1]}"
    return message


def _no_swallowed_records(batch: pa.RecordBatch, delimiter: str, width: int, offset: int) -> None:
    """A stray `"` opens a quoted value that runs on across line breaks until the next `"`: the
    records in between become one value, and the file is silently shorter. A value that spans a
    line break and holds a whole record's worth of delimiters is that: the file's quoting cannot
    be resolved, so it is quarantined whole (contract section 4). A value that only spans lines
    (an address typed on two) is kept."""
    import pyarrow.compute as pc

    if width < 2:
        return
    for column in batch.columns:
        spans = pc.or_(pc.match_substring(column, "\n"), pc.match_substring(column, "\r"))
        if not pc.any(spans).as_py():
            continue
        swallowed = pc.and_(spans, pc.greater_equal(pc.count_substring(column, delimiter), width - 1))
        if pc.any(swallowed).as_py():
            record = offset + pc.index(swallowed, True).as_py() + 1
            raise UnreadableFileError(
                f"unbalanced quote: a quoted value from data row {record} runs across later records, "
                "which would be lost"
            )


# --- XLSX ---------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_TITLE_ROWS_MAX = 20


# A workbook is bounded before it is parsed (contract section 4): what it would unpack to is read
# from the zip's central directory, so a "zip bomb" is refused in the time and memory of a listing.
SHEET_ROWS_MAX = 1_048_576  # what a spreadsheet program holds
XLSX_UNPACKED_MAX = 1 << 30  # 1 GiB of XML in all: about 2 M rows of 20 short cells
XLSX_RATIO_MAX = 100  # deflated XML of real cells packs 5-20 times; far more is filler
XLSX_RATIO_FROM = 16 << 20  # the ratio is judged on entries that unpack to more than 16 MiB
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d+(?::[A-Z]*(\d+))?\"")


def check_xlsx_bounds(path: Path) -> None:
    """Raise UnreadableFileError for a workbook that would unpack to an unreasonable size, at a
    filler's compression ratio, or to a sheet of more rows than a spreadsheet holds."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return  # not a zip at all: the workbook reader says why, without unpacking anything
    with archive:
        entries = archive.infolist()
        unpacked = sum(e.file_size for e in entries)
        if unpacked > XLSX_UNPACKED_MAX:
            raise UnreadableFileError(
                f"the workbook would unpack to {unpacked / (1 << 20):,.0f} MiB, "
                f"over the limit of {XLSX_UNPACKED_MAX / (1 << 20):,.0f} MiB"
            )
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size > XLSX_RATIO_FROM and ratio > XLSX_RATIO_MAX:
                raise UnreadableFileError(
                    f"{entry.filename} would unpack {ratio:,.0f} times its packed size "
                    f"(at most {XLSX_RATIO_MAX}): a zip bomb, not a workbook"
                )
        for entry in entries:
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                with archive.open(entry) as sheet:
                    found = _DIMENSION.search(sheet.read(4096))
                if found and found[1] and int(found[1]) > SHEET_ROWS_MAX:
                    raise UnreadableFileError(
                        f"{entry.filename} declares {int(found[1]):,} rows, more than a spreadsheet "
                        f"holds ({SHEET_ROWS_MAX:,})"
                    )


def _first_visible_sheet(book) -> int:
    from python_calamine import SheetVisibleEnum

    for index, meta in enumerate(book.sheets_metadata):
        if meta.visible == SheetVisibleEnum.Visible:
            return index
    raise UnreadableFileError("the workbook has no visible sheet")


def _read_xlsx(path: Path, is_header: HeaderTest) -> RawFile:
    from python_calamine import CalamineWorkbook

    check_xlsx_bounds(path)
    book = CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(_first_visible_sheet(book))
    if sheet.total_height > SHEET_ROWS_MAX:
        raise UnreadableFileError(f"the sheet has {sheet.total_height:,} rows, more than a spreadsheet holds")
    rows = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    rows = [row for row in rows if any(v.strip() for v in row)]
    if not rows:
        raise UnreadableFileError("the first sheet is empty")
    start = next((i for i, row in enumerate(rows[:_TITLE_ROWS_MAX]) if is_header(row)), 0)
    header, data = rows[start], rows[start + 1 :]
    width = len(header)
    columns = [[row[i] if i < len(row) else "" for row in data] for i in range(width)]
    names = _positional(width)
    batch = pa.record_batch([pa.array(c, pa.string()) for c in columns], names=names)
    return RawFile(header, iter([batch]))


# --- Parquet ------------------------------------------------------------------------------------


def _read_parquet(path: Path) -> RawFile:
    """A Parquet file is read by DuckDB itself, on every core: a stream of batches through Python
    took 35 s for 11 M participants, this 25 s. Only the footer is read here."""
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(path).schema_arrow
    texts = ", ".join(f"{_as_text(field)} as c{i}" for i, field in enumerate(schema))
    typed = {i: kind for i, field in enumerate(schema) if (kind := _typed_kind(field.type))}
    values = "".join(f", {sql_name(schema.field(i).name)} as t{i}" for i in typed)
    query = (
        f"select {texts}{values}, file_row_number + 1 as _row_number "
        f"from read_parquet({sql_path(path)}, file_row_number = true)"
    )
    return RawFile(list(schema.names), query=query, typed=typed)


def _typed_kind(data_type: pa.DataType) -> str | None:
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return "number"
    if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
        return "date"
    return None


def _as_text(field: pa.Field) -> str:
    """SQL for a typed Parquet column as the text a person would have typed ('' for null)."""
    column = sql_name(field.name)
    if pa.types.is_floating(field.type):
        # 4500000.0 -> "4500000"; beyond BIGINT a double keeps its own spelling.
        whole = f"{column} = trunc({column}) and abs({column}) < 1e18"
        text = f"if({whole}, {column}::bigint::varchar, {column}::varchar)"
    elif pa.types.is_timestamp(field.type):
        text = f"strftime({column}, '%Y-%m-%d %H:%M:%S')"
    else:
        text = f"{column}::varchar"
    return f"coalesce({text}, '')"
