"""The expected findings of one chunk and period, from the model, by the contract's rules.

Written independently of the pipeline on purpose: it is the oracle the pipeline is tested
against. Only rows without a planted fault are used. Sums are kept exact: contributions are
computed in 1/10,000 rupiah (rates are in basis points) and rounded half up at the end; the
generator's wages and values are chosen so that no total ever lands on half a rupiah.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from pipeline.demo import refdata as ref
from pipeline.demo.model import Chunk
from pipeline.demo.records import PeriodRecords
from pipeline.reference import category_codes

FINDING_COLUMNS = ["period", "category", "employer_key", "workers_affected", "estimated_contribution_monthly"]
_NO_FINDINGS = pd.DataFrame(
    {
        "cid": pd.Series(dtype=np.int64),
        "category": pd.Series(dtype=str),
        "workers": pd.Series(dtype=np.int64),
        "rupiah": pd.Series(dtype=np.int64),
    }
)


def normalise_names(names: pd.Series | np.ndarray) -> pd.Series:
    """Contract section 5: upper-case, keep letters and single spaces only (missing stays
    missing). 'Letters' are A-Z: accented names are planted only where the NIK matches."""
    s = pd.Series(np.asarray(names, dtype=object)).astype("str")
    out = (
        s.str.upper().str.replace(r"[^A-Z ]", "", regex=True).str.replace(r" +", " ", regex=True).str.strip()
    )
    return out.where(s.notna() & (out != ""), None)


def _ok(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame.bad.isna().to_numpy()]


class Components:
    """Which records the pipeline can tie together: per entity, NIB-carrying and NPWP-carrying
    records are one employer only when some accepted record of the period carries both."""

    def __init__(self, chunk: Chunk, records: list[pd.DataFrame]) -> None:
        e = chunk.entities
        self.linked = np.zeros(len(e), dtype=bool)
        for frame in records:
            both = frame.has_nib.to_numpy(dtype=bool) & frame.has_npwp.to_numpy(dtype=bool)
            self.linked[frame.ent.to_numpy()[both]] = True
        self.nib = e.nib.to_numpy()
        self.npwp16 = e.npwp16.to_numpy()

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        ent = frame.ent.to_numpy()
        has_nib = frame.has_nib.to_numpy(dtype=bool)
        part = np.where(self.linked[ent], 0, np.where(has_nib, 1, 2))
        return ent * 3 + part

    def key(self, cid: np.ndarray) -> np.ndarray:
        ent, part = cid // 3, cid % 3
        return np.where(part < 2, self.nib[ent], self.npwp16[ent])


def contribution_units(wage: np.ndarray, programs: np.ndarray, jkk: np.ndarray, cap: int) -> np.ndarray:
    """Contribution on a wage in 1/10,000 rupiah, for the programs in the mask."""
    wage = np.asarray(wage, dtype=np.int64)
    programs = np.asarray(programs, dtype=np.int64)
    bp = (
        np.where(programs & ref.JKK, jkk, 0)
        + np.where(programs & ref.JKM, ref.JKM_BP, 0)
        + np.where(programs & ref.JHT, ref.JHT_BP, 0)
    )
    jp = np.where(programs & ref.JP, np.minimum(wage, cap) * ref.JP_BP, 0)
    return wage * bp + jp


def to_rupiah(units: int | np.ndarray) -> np.ndarray:
    units = np.asarray(units, dtype=np.int64)
    if np.any(units % 10_000 == 5_000):
        raise AssertionError("a contribution lands on half a rupiah; rounding would be ambiguous")
    return (units + 5_000) // 10_000


def construction_units(value: int) -> int:
    """JKK + JKM on a contract value by slice, in 1/10,000 rupiah (marginal, like tax bands)."""
    total, lower = 0, 0
    for upper, jkk, jkm in ref.CONSTRUCTION_SLICES:
        top = value if upper is None else min(value, upper)
        if top > lower:
            total += (top - lower) * (jkk + jkm)
        if upper is None or value <= upper:
            break
        lower = upper
    return total


def compute(chunk: Chunk, records: PeriodRecords, period: str, t: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Findings of the chunk for the period, and AKTIF registered workers per regency."""
    emp, part = _ok(records.employers), _ok(records.participants)
    pay = _ok(records.payroll)
    pay = pay.loc[pay.period.to_numpy() == period]
    bus, con, prj = _ok(records.business), _ok(records.construction), _ok(records.projects)
    comps = Components(chunk, [emp, pay, bus, con])
    emp = emp.assign(cid=comps.of(emp))
    pay = pay.assign(cid=comps.of(pay))
    bus = bus.assign(cid=comps.of(bus))
    con = con.assign(cid=comps.of(con))
    registered = np.unique(emp.cid.to_numpy()[emp.status.to_numpy() == "AKTIF"])
    members = _participants_by_component(emp, part)
    profile = _profile(emp, bus)
    facts = Facts(
        workers=_match(pay, members.loc[members.status.to_numpy() == "AKTIF"]),
        business=bus,
        active=con.loc[(con.start_m.to_numpy() <= t) & (con.end_m.to_numpy() >= t)],
        registered=registered,
        members=members,
        profile=profile,
        registered_permits=set(prj.permit_number.dropna()),
        cap=ref.jp_cap(period),
        period=period,
    )
    found = [rule(facts) for rule in rules()]
    findings = pd.concat([f for f in found if len(f)] or [_NO_FINDINGS], ignore_index=True)
    out = pd.DataFrame(
        {
            "period": period,
            "category": findings.category.to_numpy(),
            "employer_key": comps.key(findings.cid.to_numpy(dtype=np.int64)),
            "workers_affected": findings.workers.to_numpy(dtype=np.int64),
            "estimated_contribution_monthly": findings.rupiah.to_numpy(dtype=np.int64),
        }
    )
    return out, _coverage(members, registered)


@dataclass(frozen=True)
class Facts:
    """What the rules read, for one chunk and period."""

    workers: pd.DataFrame  # payroll workers of the period, with the participant each matches
    business: pd.DataFrame  # business permits
    active: pd.DataFrame  # construction permits active in the period
    registered: np.ndarray  # components of AKTIF registered employers
    members: pd.DataFrame  # participants, with their employer's component
    profile: pd.DataFrame  # scale, KBLI and programs held, per employer
    registered_permits: set[str]  # construction permits registered as projects
    cap: int  # the JP wage cap in force
    period: str


# The oracle's own rule for each category, written from the contract apart from the pipeline's
# models. Every category of pipeline/reference/categories.csv needs one (`rules`).
RULES: dict[str, Callable[[Facts], pd.DataFrame]] = {
    "PWBD": lambda f: _pwbd(f.workers, f.business, f.active, f.registered, f.profile, f.cap, f.period),
    "PDS_TK": lambda f: _pds_tk(f.workers, f.registered, f.profile, f.cap),
    "PDS_UPAH": lambda f: _pds_upah(f.workers, f.registered, f.profile, f.cap),
    "PDS_PROGRAM": lambda f: _pds_program(f.members, f.registered, f.profile, f.cap),
    "PROYEK": lambda f: _proyek(f.active, f.registered_permits),
}


def rules() -> list[Callable[[Facts], pd.DataFrame]]:
    """The rule of each category of categories.csv, in its order; an error names a category the
    oracle has no rule for, since its truth would silently lack that category's findings."""
    missing = [code for code in category_codes() if code not in RULES]
    if missing:
        raise AssertionError(
            f"the demo's truth (pipeline/demo/truth.py RULES) has no rule for {', '.join(missing)} "
            "of pipeline/reference/categories.csv"
        )
    return [RULES[code] for code in category_codes()]


def _participants_by_component(emp: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    """Participants whose NPP is on an accepted registry row, with that row's employer."""
    rows = emp[["ent", "slot", "cid", "regency_code"]]
    merged = part.merge(rows, on=["ent", "slot"], how="inner")
    merged["name_key"] = normalise_names(merged.full_name).to_numpy()
    return merged


def _profile(emp: pd.DataFrame, bus: pd.DataFrame) -> pd.DataFrame:
    """Scale and KBLI per employer: business permit first, else the registry row, any status;
    plus the programs its AKTIF registry rows hold."""
    from_permit = bus.drop_duplicates("cid").set_index("cid")[["scale", "kbli"]]
    from_registry = emp.drop_duplicates("cid").set_index("cid")[["scale", "kbli"]]
    profile = pd.concat([from_permit, from_registry.loc[~from_registry.index.isin(from_permit.index)]])
    aktif = emp.loc[emp.status.to_numpy() == "AKTIF"]
    held = {
        cid: int(np.bitwise_or.reduce(group.to_numpy(dtype=np.int64)))
        for cid, group in aktif.groupby("cid").programs
    }
    profile["held"] = [held.get(cid, 0) for cid in profile.index]
    scale_index = {s: i for i, s in enumerate(ref.SCALES)}
    profile["scale_i"] = [
        scale_index.get(s, -1) if isinstance(s, str) else -1 for s in profile.scale.to_numpy()
    ]
    profile["mandatory"] = np.where(
        profile.scale_i >= 0, ref.MANDATORY[np.maximum(profile.scale_i, 0)], ref.ALL_FOUR
    )
    profile["jkk"] = [ref.jkk_bp(k if isinstance(k, str) else None) for k in profile.kbli]
    return profile


def _attach(frame: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """The employer's mandatory programs and JKK rate on every row (unknown: all four, class 3)."""
    cols = profile[["mandatory", "jkk"]]
    out = frame.join(cols, on="cid")
    out["mandatory"] = out.mandatory.fillna(ref.ALL_FOUR).astype(np.int64)
    out["jkk"] = out.jkk.fillna(ref.JKK_BP_UNKNOWN).astype(np.int64)
    return out


def _match(pay: pd.DataFrame, aktif: pd.DataFrame) -> pd.DataFrame:
    """Payroll workers with the participant they match: same NIK, or same name and birth date."""
    pay = pay.assign(name_key=normalise_names(pay.full_name).to_numpy())
    by_nik = aktif.drop_duplicates(["cid", "nik"])[["cid", "nik", "reported_wage"]]
    out = pay.merge(by_nik.rename(columns={"reported_wage": "rep_nik"}), on=["cid", "nik"], how="left")
    named = aktif.loc[aktif.birth_date.notna().to_numpy() & aktif.name_key.notna().to_numpy()]
    named = named.drop_duplicates(["cid", "name_key", "birth_date"])
    out = out.merge(
        named[["cid", "name_key", "birth_date", "reported_wage"]].rename(
            columns={"reported_wage": "rep_name"}
        ),
        on=["cid", "name_key", "birth_date"],
        how="left",
    )
    out.loc[out.birth_date.isna().to_numpy() | out.name_key.isna().to_numpy(), "rep_name"] = np.nan
    out["reported"] = out.rep_nik.fillna(out.rep_name)
    out["matched"] = out.reported.notna()
    return out


def _summed(frame: pd.DataFrame, category: str, units: np.ndarray) -> pd.DataFrame:
    if len(frame) == 0:
        return pd.DataFrame()
    grouped = (
        frame.assign(units=units)
        .groupby("cid")
        .agg(workers=("nik", "nunique"), units=("units", "sum"))
        .reset_index()
    )
    grouped["category"] = category
    grouped["rupiah"] = to_rupiah(grouped.units.to_numpy())
    return grouped


def _pwbd(
    workers: pd.DataFrame,
    bus: pd.DataFrame,
    active: pd.DataFrame,
    registered: np.ndarray,
    profile: pd.DataFrame,
    cap: int,
    period: str,
) -> pd.DataFrame:
    declaring = bus.loc[(bus.status.to_numpy() == "AKTIF") & (bus.declared_workers.fillna(0).to_numpy() >= 1)]
    candidates = set(workers.cid) | set(declaring.cid) | set(active.cid)
    candidates -= set(registered.tolist())
    if not candidates:
        return pd.DataFrame()
    mine = _attach(workers.loc[workers.cid.isin(candidates) & ~workers.matched], profile)
    with_payroll = _summed(
        mine,
        "PWBD",
        contribution_units(mine.wage.to_numpy(), mine.mandatory.to_numpy(), mine.jkk.to_numpy(), cap),
    )
    # Unregistered with payroll whose every worker is somehow registered: listed, nothing owed.
    all_matched = sorted((candidates & set(workers.cid)) - set(mine.cid))
    none_open = pd.DataFrame({"cid": all_matched, "workers": 0, "units": 0, "category": "PWBD", "rupiah": 0})
    rest = candidates - set(workers.cid)
    return pd.concat(
        [with_payroll, none_open, _pwbd_declared(declaring, rest, profile, cap, period)], ignore_index=True
    )


def _pwbd_declared(
    declaring: pd.DataFrame, rest: set[int], profile: pd.DataFrame, cap: int, period: str
) -> pd.DataFrame:
    """No payroll: declared workers x contribution on the provincial minimum wage."""
    permits = _attach(declaring.loc[declaring.cid.isin(rest)].drop_duplicates("cid"), profile)
    if set(permits.cid) != rest:
        raise AssertionError(
            "an unregistered contractor with neither payroll nor permit was "
            "planted; the contract does not say what it declares"
        )
    rows = []
    for p in permits.itertuples():
        wage = ref.ump(str(p.regency_code)[:2], period)
        per_worker = (
            0
            if wage is None
            else int(contribution_units(np.array([wage]), np.array([p.mandatory]), np.array([p.jkk]), cap)[0])
        )
        declared = int(p.declared_workers)
        rows.append(
            {
                "cid": p.cid,
                "category": "PWBD",
                "workers": declared,
                "rupiah": int(to_rupiah(declared * per_worker)),
            }
        )
    return pd.DataFrame(rows)


def _pds_tk(workers: pd.DataFrame, registered: np.ndarray, profile: pd.DataFrame, cap: int) -> pd.DataFrame:
    mine = _attach(workers.loc[workers.cid.isin(registered) & ~workers.matched], profile)
    return _summed(
        mine,
        "PDS_TK",
        contribution_units(mine.wage.to_numpy(), mine.mandatory.to_numpy(), mine.jkk.to_numpy(), cap),
    )


def _pds_upah(workers: pd.DataFrame, registered: np.ndarray, profile: pd.DataFrame, cap: int) -> pd.DataFrame:
    matched = workers.loc[workers.cid.isin(registered) & workers.matched]
    reported = matched.reported.to_numpy(dtype=np.int64)
    gross = matched.wage.to_numpy(dtype=np.int64)
    mine = _attach(matched.loc[100 * reported < 95 * gross], profile)
    units = contribution_units(
        mine.wage.to_numpy(), mine.mandatory.to_numpy(), mine.jkk.to_numpy(), cap
    ) - contribution_units(mine.reported.to_numpy(), mine.mandatory.to_numpy(), mine.jkk.to_numpy(), cap)
    return _summed(mine, "PDS_UPAH", units)


def _pds_program(
    members: pd.DataFrame, registered: np.ndarray, profile: pd.DataFrame, cap: int
) -> pd.DataFrame:
    known = profile.loc[profile.index.isin(registered) & (profile.scale_i >= 0)]
    missing = known.mandatory & ~known.held
    lacking = missing.loc[missing > 0]
    if len(lacking) == 0:
        return pd.DataFrame()
    aktif = members.loc[members.cid.isin(lacking.index) & (members.status == "AKTIF")]
    aktif = aktif.drop_duplicates(["cid", "nik"])
    jkk = profile.jkk.reindex(aktif.cid).to_numpy()
    units = contribution_units(
        aktif.reported_wage.to_numpy(dtype=np.int64), lacking.reindex(aktif.cid).to_numpy(), jkk, cap
    )
    found = (
        _summed(aktif, "PDS_PROGRAM", units)
        if len(aktif)
        else pd.DataFrame(columns=["cid", "workers", "units", "category", "rupiah"])
    )
    empty = pd.DataFrame(
        {
            "cid": lacking.index.difference(found.cid),
            "workers": 0,
            "units": 0,
            "category": "PDS_PROGRAM",
            "rupiah": 0,
        }
    )
    return pd.concat([found, empty], ignore_index=True)


def _proyek(active: pd.DataFrame, registered_permits: set[str]) -> pd.DataFrame:
    open_permits = active.loc[~active.permit_number.isin(registered_permits)]
    rows: dict[int, list] = {}
    for p in open_permits.itertuples():
        share = Fraction(construction_units(int(p.contract_value)), 10_000 * int(p.months))
        entry = rows.setdefault(int(p.cid), [0, Fraction(0)])
        entry[0] += 0 if np.isnan(p.declared_workers) else int(p.declared_workers)
        entry[1] += share
    out = []
    for cid, (workers, amount) in rows.items():
        if amount - int(amount) == Fraction(1, 2):
            raise AssertionError("a PROYEK estimate lands on half a rupiah")
        out.append(
            {"cid": cid, "category": "PROYEK", "workers": workers, "rupiah": int(amount + Fraction(1, 2))}
        )
    return pd.DataFrame(out)


def _coverage(members: pd.DataFrame, registered: np.ndarray) -> pd.DataFrame:
    """Distinct AKTIF participants of registered employers, by the employer's regency."""
    aktif = members.loc[(members.status.to_numpy() == "AKTIF") & members.cid.isin(registered)]
    pairs = aktif[["regency_code", "nik"]].drop_duplicates()
    return pairs.groupby("regency_code").size().rename("registered_workers").reset_index()
