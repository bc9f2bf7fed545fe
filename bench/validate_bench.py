"""Ingest and validation throughput on generated payroll: rows per second and peak memory.

    python bench/validate_bench.py --rows 1000000 10000000 [--files 10] [--workdir /tmp/rekon-bench]

For each size it writes a payroll delivery (CSV files, 1 % bad rows) plus a small registry, then
times `ingest` and `validate` of the payroll source, each in a fresh process whose whole process
tree (validation workers included) is sampled for resident memory. Target on the 2-core
reference machine: 10 M rows ingested and validated in at most 60 s, peak at most 6 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

PERIOD = "2026-10"
REGENCIES = ["62.71", "62.01", "62.02", "62.03", "32.15"]


def make_payroll(root: Path, rows: int, files: int, seed: int = 7) -> None:
    """Write `rows` payroll rows in `files` CSV files, vectorised, in blocks of 1 M rows."""
    rng = np.random.default_rng(seed)
    folder = root / PERIOD / "payroll"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-rows // files)
    written = 0
    for index in range(files):
        size = min(per_file, rows - written)
        if size <= 0:
            break
        with pcsv.CSVWriter(folder / f"payroll_{index:02d}.csv", _schema()) as writer:
            done = 0
            while done < size:
                block = min(1_000_000, size - done)
                writer.write_table(_block(rng, block, written + done))
                done += block
        written += size
    registry = root / PERIOD / "registry"
    registry.mkdir(parents=True, exist_ok=True)
    (registry / "employers.csv").write_text(
        "npp,nib,nama_perusahaan,kode_wilayah,program,status\n"
        "10000001,1000000000001,PT Bench,62.71,JKK JKM JHT JP,AKTIF\n"
    )
    (registry / "participants.csv").write_text(
        "nik,nama,npp,upah,status\n6271010101900001,Budi,10000001,4000000,AKTIF\n"
    )


def _schema() -> pa.Schema:
    return pa.schema(
        [(n, pa.string()) for n in ("npwp", "nib", "nik", "nama", "tgl_lahir", "gaji", "lokasi_kerja")]
    )


def _block(rng: np.random.Generator, n: int, offset: int) -> pa.Table:
    serial = np.char.zfill((np.arange(offset, offset + n) % 9999 + 1).astype(str), 4)
    day = rng.integers(1, 29, n)
    female = rng.random(n) < 0.5
    month = rng.integers(1, 13, n)
    year = rng.integers(60, 100, n)
    region = rng.choice(REGENCIES, n)
    region_digits = np.char.replace(region, ".", "")
    district = np.char.zfill(rng.integers(1, 20, n).astype(str), 2)
    birth = np.char.add(
        np.char.add(np.char.zfill((day + 40 * female).astype(str), 2), np.char.zfill(month.astype(str), 2)),
        np.char.zfill(year.astype(str), 2),
    )
    nik = np.char.add(np.char.add(np.char.add(region_digits, district), birth), serial)
    employer = rng.integers(0, max(n // 20, 1), n) + offset
    nib = np.char.zfill(employer.astype(str), 13)
    wage = np.round(rng.lognormal(15.2, 0.4, n), -3).astype(np.int64).astype(str)
    bad = rng.random(n)
    nik = np.where(bad < 0.004, np.char.add("12", nik.astype("U3")), nik)  # invalid_nik
    wage = np.where((bad >= 0.004) & (bad < 0.007), "-1", wage)  # invalid_wage
    nib = np.where((bad >= 0.007) & (bad < 0.01), "", nib)  # missing_employer_id
    born = np.char.add(
        np.char.add(np.char.add("19", year.astype(str)), "-"), np.char.zfill(month.astype(str), 2)
    )
    born = np.char.add(np.char.add(born, "-"), np.char.zfill(day.astype(str), 2))
    return pa.table(
        {
            "npwp": pa.array(np.full(n, ""), pa.string()),
            "nib": pa.array(nib, pa.string()),
            "nik": pa.array(nik, pa.string()),
            "nama": pa.array(np.char.add("Pekerja ", serial), pa.string()),
            "tgl_lahir": pa.array(born, pa.string()),
            "gaji": pa.array(wage, pa.string()),
            "lokasi_kerja": pa.array(region, pa.string()),
        },
        schema=_schema(),
    )


STEP = """
import json, sys, time
from pipeline import steps
period, landing, data, step = sys.argv[1:5]
started = time.perf_counter()
if step == "ingest":
    result = steps.ingest(period, landing, data, "payroll")
else:
    result = steps.validate(period, data, "payroll")
print(json.dumps({"seconds": time.perf_counter() - started, "result": result}))
"""


def measure(step: str, landing: Path, data: Path) -> dict:
    """Run one step in a fresh process; sample the whole process tree's memory every 0.1 s."""
    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", STEP, PERIOD, str(landing), str(data), step], stdout=subprocess.PIPE, text=True
    )
    parent = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"{step} failed with exit status {process.returncode}")
    report = json.loads(out.strip().splitlines()[-1])
    return {"wall": time.perf_counter() - started, "step": report["seconds"], "peak_gb": peak / 1e9, **report}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rekon-bench"))
    args = parser.parse_args()
    print(f"{'rows':>12} {'phase':>9} {'wall s':>8} {'rows/s':>12} {'peak GB':>8}")
    for rows in args.rows:
        landing, data = args.workdir / f"landing-{rows}", args.workdir / f"data-{rows}"
        if not (landing / PERIOD / "payroll").exists():
            t0 = time.perf_counter()
            make_payroll(landing, rows, args.files)
            print(f"{rows:>12,} generated in {time.perf_counter() - t0:.1f} s", flush=True)
        total = 0.0
        for step in ("ingest", "validate"):
            figures = measure(step, landing, data)
            total += figures["wall"]
            print(
                f"{rows:>12,} {step:>9} {figures['wall']:>8.1f} {rows / figures['wall']:>12,.0f} "
                f"{figures['peak_gb']:>8.2f}",
                flush=True,
            )
        print(f"{rows:>12,} {'both':>9} {total:>8.1f} {rows / total:>12,.0f}", flush=True)


if __name__ == "__main__":
    main()
