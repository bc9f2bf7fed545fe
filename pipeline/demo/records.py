"""One period's records per source, still typed, rendered to files later.

Each frame carries `ent` (the entity it belongs to) and `bad` (the quarantine
reason planted in the row, or missing). Identifier presence flags (`has_nib`, `has_npwp`) are
kept next to the rendered identifier text so the truth never has to parse it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.demo import identifiers as ids
from pipeline.demo import refdata as ref
from pipeline.demo.model import NIB, NPWP, Chunk, Context
from pipeline.demo.roles import NORMAL

LATE_FILE = 7  # payroll/07_koreksi_<previous period>.csv


@dataclass
class PeriodRecords:
    employers: pd.DataFrame
    participants: pd.DataFrame
    payroll: pd.DataFrame
    business: pd.DataFrame
    construction: pd.DataFrame
    projects: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "employers": self.employers,
            "participants": self.participants,
            "payroll": self.payroll,
            "business": self.business,
            "construction": self.construction,
            "projects": self.projects,
        }


def registry_state(chunk: Chunk, t: int) -> np.ndarray:
    """0 = not in the registry, 1 = AKTIF, 2 = NONAKTIF, per entity, in month t."""
    e = chunk.entities
    absent = t < e.reg_from.to_numpy()
    inactive = t >= e.dereg_at.to_numpy()
    return np.where(absent, 0, np.where(inactive, 2, 1))


def npwp_text(e: pd.DataFrame, style: np.ndarray) -> pd.Series:
    """The NPWP as a source writes it: 16 digits, 15 punctuated, or 15 plain."""
    n16 = pd.Series(e.npwp16.to_numpy(), dtype=object)
    n15 = pd.Series(e.npwp15.to_numpy(), dtype=object)
    has15 = n15.notna().to_numpy()
    punct = ids.punctuate_npwp15(n15.fillna("0" * 15))
    out = n16.where(~((style == 1) & has15), punct)
    return out.where(~((style == 2) & has15), n15)


def build_period(ctx: Context, chunk: Chunk, t: int, rng: np.random.Generator) -> PeriodRecords:
    state = registry_state(chunk, t)
    return PeriodRecords(
        employers=_employers(chunk, state),
        participants=_participants(ctx, chunk, state, t),
        payroll=_payroll(ctx, chunk, t, rng),
        business=_business(chunk),
        construction=_construction(chunk),
        projects=_projects(chunk),
    )


def _employers(chunk: Chunk, state: np.ndarray) -> pd.DataFrame:
    e = chunk.entities
    present = np.flatnonzero(state > 0)
    second = present[e.n_npp.to_numpy()[present] == 2]
    ent = np.concatenate([present, second])
    slot = np.concatenate([np.zeros(len(present), np.int64), np.ones(len(second), np.int64)])
    order = np.lexsort((slot, ent))
    ent, slot = ent[order], slot[order]
    sub = e.iloc[ent].reset_index(drop=True)
    # The second NPP of an employer is a branch registered under the NPWP alone.
    carried = np.where(slot == 1, NPWP, sub.reg_ids.to_numpy())
    style = np.where(slot == 1, 1, sub.reg_npwp_style.to_numpy())
    npwp = npwp_text(sub, style)
    scale = sub.reg_scale.to_numpy()
    return pd.DataFrame(
        {
            "ent": ent,
            "slot": slot,
            "npp": np.where(slot == 1, sub.npp1, sub.npp0),
            "nib": sub.nib.where(carried & NIB > 0, None).to_numpy(),
            "npwp": npwp.where(carried & NPWP > 0, None).to_numpy(),
            "has_nib": carried & NIB > 0,
            "has_npwp": carried & NPWP > 0,
            "employer_name": sub.name.to_numpy(),
            "regency_code": sub.regency.to_numpy(),
            "kbli": sub.kbli.where(~sub.reg_kbli_missing, None).to_numpy(),
            "scale": pd.Series(ref.SCALES[np.maximum(scale, 0)]).where(scale >= 0, None).to_numpy(),
            "programs": sub.programs.to_numpy(),
            "programs_text": None,
            "status": np.where(state[ent] == 1, "AKTIF", "NONAKTIF"),
            "registered_on": sub.registered_on.to_numpy(),
            "bad": None,
        }
    )


def _participants(ctx: Context, chunk: Chunk, state: np.ndarray, t: int) -> pd.DataFrame:
    e, w = chunk.entities, chunk.workers
    ent = w.ent.to_numpy()
    issued = (state > 0) | e.orphan.to_numpy()
    listed = issued[ent] & (w.part_from.to_numpy() <= t)
    sub = w.loc[listed]
    sent = sub.ent.to_numpy()
    employer_active = (state[sent] == 1) | e.orphan.to_numpy()[sent]
    aktif = employer_active & (t < sub.leave.to_numpy()) & ~sub.force_nonaktif.to_numpy()
    slot = sub.slot.to_numpy()
    return pd.DataFrame(
        {
            "ent": sent,
            "slot": slot,
            "kpj": ids.kpj(sub.person.to_numpy(), ctx.salt("kpj")).to_numpy(),
            "nik": ids.digits(sub.nik.to_numpy(), 16).to_numpy(),
            "full_name": sub.part_name.to_numpy(),
            "birth_date": sub.birth.to_numpy(),
            "npp": np.where(slot == 1, e.npp1.to_numpy()[sent], e.npp0.to_numpy()[sent]),
            "reported_wage": sub.reported.to_numpy().astype(float),
            "status": np.where(aktif, "AKTIF", "NONAKTIF"),
            "bad": None,
        }
    )


def _payroll(ctx: Context, chunk: Chunk, t: int, rng: np.random.Generator) -> pd.DataFrame:
    e, w = chunk.entities, chunk.workers
    ent = w.ent.to_numpy()
    employed_now = (w.hire.to_numpy() <= t) & (t < w.leave.to_numpy())
    employed_before = (w.hire.to_numpy() <= t - 1) & (t - 1 < w.leave.to_numpy())
    delivers = e.has_payroll.to_numpy()[ent]
    late = e.payroll_late.to_numpy()[ent]
    current = _payroll_rows(ctx, e, w.loc[delivers & ~late & employed_now], t, None)
    parts = [current]
    # Retro rows for the month before, inside the main tax extract (file 01).
    retro_ents = _some_ordinary(e, rng, 0.01, files=(1,))
    retro = delivers & employed_now & employed_before & np.isin(ent, retro_ents)
    parts.append(_payroll_rows(ctx, e, w.loc[retro], t - 1, 1))
    # A correction file for the previous month: late deliveries and corrected wages.
    # Not the retro employers: the same worker twice for the previous month would be a duplicate.
    fix_ents = np.setdiff1d(_some_ordinary(e, rng, 0.01, files=(1, 3)), retro_ents)
    fixes = delivers & employed_before & (late | np.isin(ent, fix_ents))
    fixed = _payroll_rows(ctx, e, w.loc[fixes], t - 1, LATE_FILE)
    fixed["wage"] = np.where(late[fixes], fixed.wage, np.ceil(fixed.wage * 1.05 / 1e4) * 1e4)
    parts.append(fixed)
    return pd.concat(parts, ignore_index=True)


def _some_ordinary(
    e: pd.DataFrame, rng: np.random.Generator, share: float, files: tuple[int, ...]
) -> np.ndarray:
    """A few ordinary employers, at least one. Ordinary employers carry all their identifiers
    in the registry, so extra rows in their payroll identifiers never change what is linked."""
    ok = (e.role.to_numpy() == NORMAL) & e.has_payroll.to_numpy() & np.isin(e.pay_file.to_numpy(), files)
    candidates = np.flatnonzero(ok)
    if len(candidates) == 0:
        return candidates
    count = max(1, int(round(share * len(e))))
    return rng.choice(candidates, min(count, len(candidates)), replace=False)


def _payroll_rows(ctx: Context, e: pd.DataFrame, w: pd.DataFrame, t: int, file: int | None) -> pd.DataFrame:
    ent = w.ent.to_numpy()
    sub = e.iloc[ent].reset_index(drop=True)
    carried = sub.pay_ids.to_numpy()
    npwp = npwp_text(sub, sub.pay_npwp_style.to_numpy())
    return pd.DataFrame(
        {
            "ent": ent,
            "file": sub.pay_file.to_numpy() if file is None else np.full(len(w), file),
            "period": ctx.window.label(t),
            "nib": sub.nib.where(carried & NIB > 0, None).to_numpy(),
            "npwp": npwp.where(carried & NPWP > 0, None).to_numpy(),
            "has_nib": carried & NIB > 0,
            "has_npwp": carried & NPWP > 0,
            "employer_name": sub.name.to_numpy(),
            "nik": ids.digits(w.pay_nik.to_numpy(), 16).to_numpy(),
            "nik_style": w.nik_style.to_numpy(),
            "full_name": w.pay_name.to_numpy(),
            # File 02 has no birth-date column: what it does not say cannot be matched on.
            "birth_date": np.where(
                sub.pay_file.to_numpy() == 2 if file is None else file == 2,
                np.datetime64("NaT"),
                w.birth.to_numpy(),
            ),
            "wage": w.gross.to_numpy().astype(float),
            "wage_text": None,
            "work_regency_code": sub.regency.to_numpy(),
            "employment_type": w.emp_type.to_numpy(),
            "bad": None,
        }
    )


def _business(chunk: Chunk) -> pd.DataFrame:
    e = chunk.entities
    sub = e.loc[e.has_permit.to_numpy()].reset_index()
    carried = sub.permit_ids.to_numpy()
    declared = sub.declared.to_numpy().astype(float)
    return pd.DataFrame(
        {
            "ent": sub["index"].to_numpy(),
            "nib": sub.nib.to_numpy(),
            "npwp": npwp_text(sub, sub.permit_npwp_style.to_numpy())
            .where(carried & NPWP > 0, None)
            .to_numpy(),
            "has_nib": True,
            "has_npwp": carried & NPWP > 0,
            "business_name": sub.name.to_numpy(),
            "kbli": sub.kbli.to_numpy(),
            "regency_code": sub.regency.to_numpy(),
            "scale": ref.SCALES[sub.permit_scale.to_numpy()],
            "declared_workers": np.where(declared < 0, np.nan, declared),
            "issued_on": sub.issued_on.to_numpy(),
            "status": sub.permit_status.to_numpy(),
            "bad": None,
        }
    )


def _construction(chunk: Chunk) -> pd.DataFrame:
    e, c = chunk.entities, chunk.construction
    ent = c.ent.to_numpy()
    has_nib = e.has_nib.to_numpy()[ent]
    declared = c.declared.to_numpy().astype(float)
    # A single identifier per permit: construction permits never link NIB and NPWP by themselves.
    return pd.DataFrame(
        {
            "ent": ent,
            "permit_number": c.permit_number.to_numpy(),
            "project_name": c.project_name.to_numpy(),
            "contractor_nib": np.where(has_nib, e.nib.to_numpy()[ent], None),
            "contractor_npwp": np.where(has_nib, None, e.npwp16.to_numpy()[ent]),
            "has_nib": has_nib,
            "has_npwp": ~has_nib,
            "contractor_name": e.name.to_numpy()[ent],
            "regency_code": e.regency.to_numpy()[ent],
            "contract_value": c.value.to_numpy().astype(float),
            "value_text": None,
            "start_on": c.start_on.to_numpy(),
            "end_on": c.end_on.to_numpy(),
            "start_m": c.start_m.to_numpy(),
            "end_m": c.end_m.to_numpy(),
            "months": c.months.to_numpy(),
            "declared_workers": np.where(declared < 0, np.nan, declared),
            "bad": None,
        }
    )


def _projects(chunk: Chunk) -> pd.DataFrame:
    c = chunk.construction
    reg = c.loc[c.registered.to_numpy()]
    return pd.DataFrame(
        {
            "ent": reg.ent.to_numpy(),
            "permit_number": reg.permit_number.to_numpy(),
            "project_registration_number": reg.registration_number.to_numpy(),
            "registered_on": (reg.start_on.to_numpy() + np.timedelta64(9, "D")),
            "bad": None,
        }
    )
