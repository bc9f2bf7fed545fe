"""Bad rows, planted one fault per row so the quarantine reason is never in doubt.

Faults go only into rows of ordinary employers (never a planted case's rows, never a
contractor's registration or permit: an unregistered contractor without payroll or permit would
be a case the contract leaves open). A quarantined row is left out of the truth, so planting one
can change the findings, which is the point: the truth shows what excluding it means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.demo import refdata as ref
from pipeline.demo.model import Chunk
from pipeline.demo.records import PeriodRecords
from pipeline.demo.roles import NORMAL, ROLE

TEXT_PAYROLL_FILES = (1, 2, 4, 5, 6, 7)
Mutation = Callable[[pd.DataFrame, np.ndarray], None]


@dataclass(frozen=True)
class Fault:
    source: str
    reason: str
    rate: float
    mutate: Mutation
    files: tuple[int, ...] | None = None  # payroll files where the fault can be written


def _cycle(rows: np.ndarray, n: int) -> list[np.ndarray]:
    return [rows[i::n] for i in range(n)]


def _bad_nik(frame: pd.DataFrame, rows: np.ndarray) -> None:
    nik = frame.loc[rows, "nik"].astype(str)
    short, zero, month, province = _cycle(np.arange(len(rows)), 4)
    out = nik.to_numpy().copy()
    out[short] = nik.iloc[short].str[:15].to_numpy()
    out[zero] = (nik.iloc[zero].str[:12] + "0000").to_numpy()
    out[month] = (nik.iloc[month].str[:8] + "13" + nik.iloc[month].str[10:]).to_numpy()
    out[province] = ("99" + nik.iloc[province].str[2:]).to_numpy()
    frame.loc[rows, "nik"] = out
    if "nik_style" in frame:
        frame.loc[rows, "nik_style"] = 0


def _bad_wage(column: str, text_column: str | None) -> Mutation:
    def mutate(frame: pd.DataFrame, rows: np.ndarray) -> None:
        zero, negative, missing, text = _cycle(rows, 4)
        frame.loc[zero, column] = 0.0
        frame.loc[negative, column] = -frame.loc[negative, column]
        frame.loc[np.concatenate([missing, text]), column] = np.nan
        if text_column is not None:
            frame.loc[text, text_column] = "belum diisi"

    return mutate


def _blank(*columns: str) -> Mutation:
    """Blank one required column per row, taking the columns in turn."""

    def mutate(frame: pd.DataFrame, rows: np.ndarray) -> None:
        for column, part in zip(columns, _cycle(rows, len(columns)), strict=True):
            frame.loc[part, column] = None

    return mutate


def _set_codes(*changes: tuple[str, str]) -> Mutation:
    def mutate(frame: pd.DataFrame, rows: np.ndarray) -> None:
        for (column, value), part in zip(changes, _cycle(rows, len(changes)), strict=True):
            frame.loc[part, column] = value

    return mutate


def _no_employer_id(frame: pd.DataFrame, rows: np.ndarray) -> None:
    frame.loc[rows, ["nib", "npwp"]] = None
    frame.loc[rows, ["has_nib", "has_npwp"]] = False


FAULTS: tuple[Fault, ...] = (
    Fault("payroll", "invalid_nik", 0.0004, _bad_nik, (1, 2, 3, 4)),
    Fault("payroll", "invalid_wage", 0.0004, _bad_wage("wage", "wage_text"), (1, 2, 4)),
    Fault("payroll", "invalid_wage", 0.0001, _bad_wage("wage", None), (3,)),
    Fault("payroll", "missing_employer_id", 0.0004, _no_employer_id, (1, 2, 3, 4)),
    Fault("payroll", "missing_required", 0.0004, _blank("full_name"), (1, 2, 3, 4)),
    Fault("payroll", "invalid_code", 0.0004, _set_codes(("work_regency_code", ref.UNKNOWN_REGENCY)), (1, 3)),
    Fault("participants", "invalid_nik", 0.0003, _bad_nik),
    Fault("participants", "invalid_wage", 0.0003, _bad_wage("reported_wage", None)),
    Fault("participants", "missing_required", 0.0003, _blank("full_name", "npp")),
    Fault("participants", "invalid_code", 0.0003, _set_codes(("status", "PENDING"))),
    Fault("employers", "missing_required", 0.002, _blank("employer_name", "npp")),
    Fault(
        "employers",
        "invalid_code",
        0.003,
        _set_codes(
            ("scale", "SEDANG"),
            ("status", "DIBEKUKAN"),
            ("programs_text", "JKK;JKN"),
            ("regency_code", ref.UNKNOWN_REGENCY),
        ),
    ),
    Fault("business", "missing_required", 0.002, _blank("business_name", "nib")),
    Fault(
        "business",
        "invalid_code",
        0.003,
        _set_codes(("scale", "SEDANG"), ("status", "BATAL"), ("regency_code", ref.UNKNOWN_REGENCY)),
    ),
    Fault("construction", "missing_required", 0.01, _blank("project_name", "start_on")),
    Fault("construction", "invalid_wage", 0.01, _bad_wage("contract_value", "value_text")),
    Fault("construction", "invalid_code", 0.01, _set_codes(("regency_code", ref.UNKNOWN_REGENCY))),
    Fault("projects", "missing_required", 0.01, _blank("permit_number")),
)

DUPLICATE_RATE = 0.0004


def plant(records: PeriodRecords, chunk: Chunk, period: str, rng: np.random.Generator) -> None:
    """Plant every fault in the period's records, at least once in the first chunk."""
    frames = records.frames()
    at_least = 1 if chunk.number == 0 else 0
    _planted_cases(records, chunk, period)
    for fault in FAULTS:
        frame = frames[fault.source]
        eligible = _eligible(frame, chunk, fault, period)
        count = min(len(eligible), max(at_least, int(round(fault.rate * len(frame)))))
        if count:
            rows = np.sort(rng.choice(eligible, count, replace=False))
            fault.mutate(frame, rows)
            frame.loc[rows, "bad"] = fault.reason
    records.payroll = _duplicates(records.payroll, chunk, period, rng, at_least)


def _ordinary(frame: pd.DataFrame, chunk: Chunk) -> np.ndarray:
    ent = frame.ent.to_numpy()
    role = chunk.entities.role.to_numpy()[np.maximum(ent, 0)]
    return (ent >= 0) & (role == NORMAL) & frame.bad.isna().to_numpy()


def _eligible(frame: pd.DataFrame, chunk: Chunk, fault: Fault, period: str) -> np.ndarray:
    ok = _ordinary(frame, chunk)
    contractor = chunk.entities.contractor.to_numpy()[np.maximum(frame.ent.to_numpy(), 0)]
    if fault.source in ("employers", "business"):
        ok &= ~contractor
    if fault.source == "payroll":
        ok &= (frame.period.to_numpy() == period) & np.isin(frame.file.to_numpy(), fault.files)
    return np.flatnonzero(ok)


def _planted_cases(records: PeriodRecords, chunk: Chunk, period: str) -> None:
    """The faults that belong to a planted case of the first chunk."""
    role = chunk.entities.role.to_numpy()
    emp = records.employers
    mine = np.flatnonzero(role[emp.ent.to_numpy()] == ROLE["bad_registry_row"])
    emp.loc[mine, "scale"] = "SEDANG"
    emp.loc[mine, "bad"] = "invalid_code"
    pay = records.payroll
    sinar = np.flatnonzero(
        (role[pay.ent.to_numpy()] == ROLE["xlsx_sinar"]) & (pay.period.to_numpy() == period)
    )
    if len(sinar) >= 6:
        pay.loc[sinar[2], "full_name"] = None
        pay.loc[sinar[2], "bad"] = "missing_required"
        pay.loc[sinar[4], "wage_text"] = "belum diisi"
        pay.loc[sinar[4], "wage"] = np.nan
        pay.loc[sinar[4], "bad"] = "invalid_wage"


def _duplicates(
    pay: pd.DataFrame, chunk: Chunk, period: str, rng: np.random.Generator, at_least: int
) -> pd.DataFrame:
    """Second rows for the same employer, NIK and period: later in file 01, or in file 03,
    which comes after 01 in any file order; both copies say exactly the same thing."""
    ok = _ordinary(pay, chunk) & (pay.period.to_numpy() == period) & (pay.file.to_numpy() == 1)
    eligible = np.flatnonzero(ok)
    count = min(len(eligible) // 2, max(at_least, int(round(DUPLICATE_RATE * len(pay)))))
    if count == 0:
        return pay
    chosen = rng.choice(eligible, 2 * count, replace=False)
    same_file = pay.loc[np.sort(chosen[:count])].copy()
    other_file = pay.loc[np.sort(chosen[count:])].copy()
    other_file["file"] = 3
    copies = pd.concat([same_file, other_file], ignore_index=True)
    copies["bad"] = "duplicate"
    return pd.concat([pay, copies], ignore_index=True)
