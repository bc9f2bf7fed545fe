"""Property tests over the readers, the standardiser and validation: whatever bytes arrive, no
exception escapes, every row is accounted for, and a NIK is never shown whole."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import UnreadableFileError, without_values
from pipeline.ingest.readers import read_raw
from pipeline.ingest.run import ingest_file
from pipeline.quality.report import _mask_nik

PERIOD = "2026-10"
NIK = "6271010101900001"

HEADERS = ["nib", "npwp", "nik", "nama", "tgl_lahir", "gaji", "periode", "lokasi_kerja", "", "Gaji", "NIK "]
cells = st.one_of(
    st.sampled_from(["", "1111111111111", NIK, "Budi", "01/02/91", "2026-13", "1e20", "-5", "Rp 4.500.000"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.text(alphabet='",;\t\r\n x', max_size=6),  # quoting and separators out of place
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def _csv_bytes(
    header: list[str], rows: list[list[str]], delimiter: str, quoting: int, encoding: str
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 1), max_size=8))
    data = _csv_bytes(
        header,
        rows,
        draw(st.sampled_from([",", ";", "\t"])),
        draw(
            st.sampled_from(
                [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE if False else csv.QUOTE_MINIMAL]
            )
        ),
        draw(encodings),
    )
    cut = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(data))))  # truncated
    data = data if cut is None else data[:cut]
    if draw(st.booleans()):  # a stray quote somewhere
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + b'"' + data[at:]
    return data


def _read_all(path: Path) -> int | None:
    """Rows read, or None when the file is refused as unreadable; anything else escapes."""
    try:
        raw = read_raw(path)
        if raw.batches is None:
            return None
        return sum(batch.num_rows for batch in raw.batches)
    except UnreadableFileError:
        return None


@given(st.binary(max_size=2048), st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_random_bytes_are_read_or_refused(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory(prefix="rekon-fuzz-") as folder:
        path = Path(folder) / f"f{suffix}"
        path.write_bytes(data)
        _read_all(path)


@given(csv_files())
def test_any_csv_is_ingested_whole_or_quarantined_whole(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="rekon-fuzz-") as folder:
        path, out = Path(folder) / "payroll.csv", Path(folder) / "out.parquet"
        path.write_bytes(data)
        entry = ingest_file(path, "payroll/payroll.csv", "payroll", out, PERIOD)
        assert entry["status"] in ("read", "unreadable")
        if entry["status"] == "read":
            import pyarrow.parquet as pq

            table = pq.read_table(out)
            assert table.num_rows == entry["rows_received"]
            assert table.column("_row_number").to_pylist() == list(range(1, table.num_rows + 1))
        else:
            assert entry["rows_received"] == 0
            assert NIK not in entry["detail"]


@given(
    st.text(max_size=60), st.sampled_from([NIK, "3201234567890123", "0012345678901000"]), st.text(max_size=60)
)
def test_masked_values_stay_masked(before: str, digits: str, after: str) -> None:
    text = f"{before} '{digits}' {digits} {after}"
    assert digits not in without_values(text)
    masked = _mask_nik(digits)
    assert masked[:6] == digits[:6] and masked[-4:] == digits[-4:] and digits[6:12] not in masked[6:12]


@settings(max_examples=6)
@given(st.lists(csv_files(), min_size=1, max_size=3))
def test_validation_accounts_for_every_row(files: list[bytes]) -> None:
    """Ingest and validate a payroll delivery of spoiled files: for every file, rows received =
    accepted + quarantined, and no exception escapes."""
    from pipeline.ingest.run import ingest_source
    from pipeline.layout import Layout
    from pipeline.validate.run import validate_source

    with tempfile.TemporaryDirectory(prefix="rekon-fuzz-") as folder:
        landing, layout = Path(folder) / "landing", Layout(Path(folder) / "data", PERIOD)
        for i, data in enumerate(files):
            path = landing / PERIOD / "payroll" / f"p{i}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        ingested = ingest_source(landing, layout, "payroll")
        result = validate_source(layout, "payroll")
        assert ingested["rows_received"] == result["rows_received"]
        assert result["rows_received"] == result["rows_accepted"] + result["rows_quarantined"]
        import json

        report = json.loads(layout.validation_report("payroll").read_text())
        for entry in report["files"]:
            assert entry["rows_received"] == entry["rows_accepted"] + entry["rows_quarantined"]
        assert NIK not in layout.validation_report("payroll").read_text()


def test_arrow_is_importable() -> None:  # the readers' batches are Arrow's
    assert pa.string() == pa.string()
