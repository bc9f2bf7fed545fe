"""The generator's internal model of one chunk of employers: who they are, who works for them.

Everything the landing files say is rendered from this model, and the truth is computed from it,
so the expected findings never depend on parsing what was written. An employer here is an
*entity*; which records of it the pipeline can tie together is decided later, per period, by the
identifiers those records carry (see truth.py).

Months are indexes into the window: 0 is the first period generated, NEVER/BEFORE are sentinels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.demo import identifiers as ids
from pipeline.demo import refdata as ref
from pipeline.demo.roles import NORMAL, ROLE, fixed_roles, random_roles

NEVER = 10_000
BEFORE = -10_000
NIB, NPWP = 1, 2  # bits of an "identifiers carried" mask

TYPO_NAMES_MALE = (("MUH. RIZKI PRATAMA", "Muh Rizki  Pratama"), ("AHMAD MA'RUF", "Ahmad Maruf"))
TYPO_NAMES_FEMALE = (("SITI NUR'AINI", "Siti Nuraini"), ("DEWI KARTIKA SARI", " dewi  kartika sari "))

# Typical wage floors per regency (rounded demo values near the UMK); MIKRO pays less.
WAGE_BASE = {"62.71": 3_730_000, "32.15": 5_890_000, "32.16": 5_700_000, "32.73": 4_490_000}
WAGE_BASE_BY_PROVINCE = {"62": 3_690_000, "32": 4_000_000, "63": 3_500_000}


@dataclass(frozen=True)
class Window:
    """The consecutive months generated, oldest first."""

    periods: tuple[str, ...]

    @classmethod
    def ending(cls, period: str, count: int) -> Window:
        last = np.datetime64(period, "M")
        months = [last - (count - 1 - i) for i in range(count)]
        return cls(tuple(str(m) for m in months))

    @property
    def size(self) -> int:
        return len(self.periods)

    def month(self, t: int | np.ndarray) -> np.ndarray:
        return np.datetime64(self.periods[0], "M") + np.asarray(t, dtype=np.int64)

    def label(self, t: int) -> str:
        return str(self.month(t))


@dataclass
class Context:
    """What every chunk shares: the window, the region list, salts and the NIK pool."""

    window: Window
    regions: ref.Regions
    seed: int
    niks: ids.NikPool = field(default_factory=ids.NikPool)

    def salt(self, name: str) -> int:
        return (self.seed * 1_000_003 + sum(map(ord, name)) * 7919) % 10**6


@dataclass
class Chunk:
    """One slice of employers with their workers and construction permits."""

    number: int
    entities: pd.DataFrame
    workers: pd.DataFrame
    construction: pd.DataFrame


def rng_for(seed: int, *path: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *path]))


def build_chunk(ctx: Context, number: int, start: int, count: int) -> Chunk:
    rng = rng_for(ctx.seed, number, 0)
    ents = _entities(rng, ctx, number, start, count)
    workers = _workers(rng, ctx, ents, number)
    _worker_roles(rng, ctx, ents, workers)
    construction = _construction(rng, ctx, ents)
    return Chunk(number, ents, workers, construction)


# --- entities ---------------------------------------------------------------------------------


def _entities(rng: np.random.Generator, ctx: Context, number: int, start: int, count: int) -> pd.DataFrame:
    g = np.arange(start, start + count, dtype=np.int64)
    role = random_roles(rng, count)
    if number == 0:
        role[fixed_positions(count)] = fixed_roles()
    e = pd.DataFrame({"g": g, "role": role})
    _place(rng, e)
    _identity(rng, ctx, e)
    _registration(rng, e)
    _permit_and_payroll(rng, e)
    _apply_entity_roles(ctx, e)
    _finish_identity(ctx, e)
    if number == 0:
        _force_normal_contractors(e)
    return e


def fixed_positions(count: int) -> np.ndarray:
    """Where the first chunk's planted employers sit: spread out, not all at the top."""
    return np.linspace(0, count - 1, len(fixed_roles())).round().astype(np.int64)


def _place(rng: np.random.Generator, e: pd.DataFrame) -> None:
    n = len(e)
    codes = np.array(list(ref.EMPLOYER_REGENCIES))
    weights = np.array(list(ref.EMPLOYER_REGENCIES.values()))
    e["regency"] = rng.choice(codes, n, p=weights / weights.sum())
    kblis = np.array(list(ref.KBLI_WEIGHTS))
    kw = np.array(list(ref.KBLI_WEIGHTS.values()), dtype=float)
    e["kbli"] = rng.choice(kblis, n, p=kw / kw.sum())
    scale = rng.choice(4, n, p=[0.46, 0.32, 0.15, 0.07])
    e["scale"] = scale
    e["size"] = _size_for_scale(rng, scale)
    e["underreport"] = rng.random(n) < 0.04
    e["clean"] = e.role.to_numpy() != NORMAL


def _size_for_scale(rng: np.random.Generator, scale: np.ndarray) -> np.ndarray:
    n = len(scale)
    mikro = np.clip(1 + rng.poisson(2.5, n), 1, 9)
    kecil = np.clip(5 + rng.poisson(9, n), 5, 49)
    menengah = np.clip(np.rint(np.exp(rng.normal(3.6, 0.45, n))), 20, 199)
    besar = np.clip(np.rint(np.exp(rng.normal(4.7, 0.6, n))), 100, 1500)
    return np.choose(scale, [mikro, kecil, menengah, besar]).astype(np.int64)


def _identity(rng: np.random.Generator, ctx: Context, e: pd.DataFrame) -> None:
    n = len(e)
    has_nib = rng.random(n) < 0.92
    has_npwp = rng.random(n) < 0.9
    e["has_nib"] = has_nib | ~has_npwp
    e["has_npwp"] = has_npwp
    e["individual"] = False
    e["nib_zero"] = rng.random(n) < 0.15
    e["kpp"] = rng.choice([711, 712, 713, 714, 715, 431, 433, 731], n)
    prefix = rng.choice(ref.COMPANY_PREFIX, n)
    name = (
        pd.Series(prefix)
        + " "
        + pd.Series(rng.choice(ref.COMPANY_WORD_A, n))
        + " "
        + pd.Series(rng.choice(ref.COMPANY_WORD_B, n))
    )
    flourish = rng.random(n)
    name = name.where(~((flourish < 0.01) & (prefix == "PT")), name + ", Tbk")
    name = name.where(
        ~((flourish > 0.995) & (prefix == "PT")),
        'PT "' + name.str.split(" ").str[1] + '" ' + name.str.split(" ").str[2],
    )
    e["name"] = name.to_numpy()


def _registration(rng: np.random.Generator, e: pd.DataFrame) -> None:
    n = len(e)
    scale = e.scale.to_numpy()
    e["reg_from"] = BEFORE
    e["dereg_at"] = NEVER
    e["orphan"] = False
    e["reg_ids"] = -1  # filled from the identifiers the entity has, after roles
    e["reg_npwp_style"] = rng.choice(3, n, p=[0.6, 0.25, 0.15])
    e["reg_scale"] = np.where(rng.random(n) < 0.05, -1, scale)
    e["reg_kbli_missing"] = rng.random(n) < 0.04
    programs = ref.MANDATORY[scale] | np.where(rng.random(n) < 0.5, ref.JKP, 0)
    lacking = rng.random(n) < 0.03
    dropped = rng.choice([ref.JKM, ref.JHT, ref.JP], n)
    e["programs"] = np.where(lacking, programs & ~dropped, programs)
    e["n_npp"] = 1
    e["registered_on"] = np.datetime64("2012-01-01") + rng.integers(0, 4300, n).astype("timedelta64[D]")


def _permit_and_payroll(rng: np.random.Generator, e: pd.DataFrame) -> None:
    n = len(e)
    scale = e.scale.to_numpy()
    e["has_permit"] = rng.random(n) < 0.65
    e["permit_status"] = "AKTIF"
    e["permit_ids"] = np.where(rng.random(n) < 0.8, NIB | NPWP, NIB)
    e["permit_npwp_style"] = rng.choice(3, n, p=[0.7, 0.15, 0.15])
    declared = e["size"].to_numpy() + rng.integers(-2, 3, n)
    e["declared"] = np.where(rng.random(n) < 0.05, -1, np.maximum(declared, 1))
    e["permit_scale"] = scale
    e["issued_on"] = np.datetime64("2019-01-01") + rng.integers(0, 2000, n).astype("timedelta64[D]")
    e["has_payroll"] = rng.random(n) < 0.85
    pay_file = rng.choice([1, 2, 3, 4], n, p=[0.4, 0.2, 0.35, 0.05])
    pay_file = np.where((pay_file == 4) & (scale > 1), 1, pay_file)
    e["pay_file"] = pay_file
    e["pay_ids"] = rng.choice([NIB | NPWP, NIB, NPWP], n, p=[0.5, 0.2, 0.3])
    e["pay_npwp_style"] = rng.choice(3, n, p=[0.4, 0.3, 0.3])
    e["payroll_late"] = False
    e["contractor"] = e.kbli.str[:2].isin(["41", "42", "43"]).to_numpy() & (rng.random(n) < 0.8)
    e["n_permits"] = np.where(e.contractor, 1 + rng.binomial(2, 0.4, n), 0)


def _set(e: pd.DataFrame, role: str, **values: object) -> np.ndarray:
    mask = e.role.to_numpy() == ROLE[role]
    for column, value in values.items():
        e.loc[mask, column] = value
    return mask


def _apply_entity_roles(ctx: Context, e: pd.DataFrame) -> None:
    """Each planted case starts from a clean employer and changes only what the case is about."""
    clean = e.clean.to_numpy()
    e.loc[clean, ["underreport", "contractor"]] = False
    e.loc[clean, "n_permits"] = 0
    e.loc[clean, "reg_scale"] = e.loc[clean, "scale"]
    e.loc[clean, "reg_kbli_missing"] = False
    e.loc[clean, "programs"] = ref.MANDATORY[e.loc[clean, "scale"].to_numpy()]
    e.loc[clean, "size"] = np.maximum(e.loc[clean, "size"], 8)
    # Planted employers carry every identifier they have, in the files that have both columns,
    # unless the case is about identifiers: their employer key is then predictable.
    e.loc[clean, "pay_file"] = np.where(e.loc[clean, "pay_file"].to_numpy() == 3, 3, 1)
    e.loc[clean, "pay_ids"] = NIB | NPWP
    e.loc[clean, "permit_ids"] = NIB | NPWP
    unregistered = dict(reg_from=NEVER)
    no_permit = dict(has_permit=False)
    aktif_permit = dict(has_permit=True, has_nib=True, permit_status="AKTIF")
    _set(e, "pwbd_payroll", **unregistered, has_payroll=True)
    for role, regency in (
        ("pwbd_permit_only", "62.02"),
        ("pwbd_permit_only_jabar", "32.15"),
        ("pwbd_permit_only_no_ump", "63.71"),
    ):
        _set(e, role, **unregistered, **aktif_permit, has_payroll=False, regency=regency)
    _set(e, "pwbd_nonaktif", dereg_at=BEFORE, has_payroll=True)
    _set(e, "pwbd_orphan_npp", **unregistered, orphan=True, has_payroll=True, **no_permit)
    _set(
        e,
        "pwbd_contractor",
        **unregistered,
        **aktif_permit,
        has_payroll=False,
        contractor=True,
        n_permits=1,
        kbli="42101",
    )
    _set(
        e,
        "individual_npwp",
        **unregistered,
        **no_permit,
        has_nib=False,
        has_npwp=True,
        individual=True,
        has_payroll=True,
        pay_ids=NPWP,
        pay_npwp_style=0,
    )
    _set(
        e,
        "dicabut",
        **unregistered,
        has_permit=True,
        has_nib=True,
        permit_status="DICABUT",
        has_payroll=False,
    )
    _set(
        e,
        "contractor_inactive",
        **unregistered,
        **no_permit,
        has_payroll=False,
        contractor=True,
        n_permits=2,
        kbli="41011",
    )
    _set(
        e,
        "link_third",
        has_npwp=True,
        reg_ids=NIB,
        has_payroll=True,
        pay_file=2,
        pay_ids=NPWP,
        pay_npwp_style=1,
        **aktif_permit,
        permit_ids=NIB | NPWP,
        permit_npwp_style=0,
    )
    _set(
        e,
        "unlinked_split",
        has_nib=True,
        has_npwp=True,
        reg_ids=NIB,
        has_payroll=True,
        pay_file=1,
        pay_ids=NPWP,
        pay_npwp_style=2,
        **no_permit,
    )
    _set(
        e,
        "npwp_15_16",
        has_nib=False,
        has_npwp=True,
        reg_npwp_style=0,
        has_payroll=True,
        pay_file=1,
        pay_ids=NPWP,
        pay_npwp_style=1,
        **no_permit,
    )
    for role in (
        "pds_tk_new_hires",
        "pds_tk_other_employer",
        "pds_tk_nonaktif_participant",
        "pds_upah",
        "jp_cap",
        "two_jobs_registered",
        "late_register",
        "deactivated",
        "bad_registry_row",
    ):
        _set(e, role, has_payroll=True)
    _set(e, "nik_typo_matched", has_payroll=True, pay_file=1)
    _set(e, "nik_typo_no_birthdate", has_payroll=True, pay_file=2, has_npwp=True, pay_ids=NPWP)
    _set(e, "kbli_unknown", reg_kbli_missing=True, has_payroll=True, **no_permit)
    _set(
        e,
        "pds_program_missing_jp",
        scale=3,
        reg_scale=3,
        permit_scale=3,
        programs=ref.JKK | ref.JKM | ref.JHT | ref.JKP,
        size=120,
        has_payroll=False,
    )
    _set(
        e,
        "pds_program_scale_from_permit",
        scale=1,
        reg_scale=1,
        permit_scale=2,
        programs=ref.JKK | ref.JKM | ref.JHT,
        **aktif_permit,
        has_payroll=False,
    )
    _set(e, "pds_program_no_scale", reg_scale=-1, programs=ref.JKK, **no_permit, has_payroll=False)
    _set(
        e,
        "mikro_programs_ok",
        scale=0,
        reg_scale=0,
        permit_scale=0,
        size=4,
        programs=ref.JKK | ref.JKM,
        has_payroll=True,
    )
    _set(e, "multi_npp", has_nib=True, has_npwp=True, n_npp=2, has_payroll=True)
    _set(e, "proyek", contractor=True, n_permits=3, kbli="41011", has_payroll=True)
    _set(e, "proyek_multi", contractor=True, n_permits=2, kbli="42101", has_payroll=False)
    last = ctx.window.size - 1
    _set(e, "late_register", reg_from=last, registered_on=ctx.window.month(last).astype("datetime64[D]") + 4)
    _set(e, "deactivated", dereg_at=last)
    _set(e, "late_payroll", **unregistered, **no_permit, has_payroll=True, payroll_late=True, pay_file=1)
    _set(
        e,
        "xlsx_sinar",
        name="PT Sinar Kahayan Sejahtera",
        has_payroll=True,
        pay_file=5,
        has_nib=True,
        has_npwp=True,
        pay_ids=NPWP,
        pay_npwp_style=1,
        size=12,
        scale=1,
        reg_scale=1,
        permit_scale=1,
        regency="62.71",
    )
    _set(
        e,
        "xlsx_barito",
        name="CV Barito Makmur",
        **unregistered,
        has_payroll=True,
        pay_file=6,
        pay_ids=NIB,
        size=9,
        scale=1,
        permit_scale=1,
        regency="62.05",
        **aktif_permit,
    )
    _set(
        e,
        "cp1252_perez",
        name="CV Pérez Bersaudara",
        has_payroll=True,
        pay_file=4,
        has_nib=True,
        has_npwp=True,
        pay_ids=NIB | NPWP,
        scale=1,
        reg_scale=1,
        permit_scale=1,
        size=8,
        regency="62.71",
    )
    # A clean employer keeps the programs its (possibly changed) scale requires.
    for role in ("pwbd_payroll", "xlsx_sinar", "xlsx_barito", "cp1252_perez", "multi_npp"):
        mask = e.role.to_numpy() == ROLE[role]
        e.loc[mask, "programs"] = ref.MANDATORY[e.loc[mask, "scale"].to_numpy()]
    e.loc[clean, "declared"] = np.maximum(e.loc[clean, "declared"], 1)


def _finish_identity(ctx: Context, e: pd.DataFrame) -> None:
    """Identifiers follow the roles: a role may have taken a NIB or an NPWP away."""
    g = e.g.to_numpy()
    has_nib, has_npwp = e.has_nib.to_numpy(), e.has_npwp.to_numpy()
    individual = e.individual.to_numpy()
    e["has_permit"] = e.has_permit.to_numpy() & has_nib  # OSS permits always carry the NIB
    nib = ids.nib(g, e.nib_zero.to_numpy(), ctx.salt("nib"))
    e["nib"] = nib.where(has_nib, None).to_numpy()
    n15 = ids.npwp15(g, e.kpp.to_numpy(), ctx.salt("npwp"))
    e["npwp15"] = n15.where(has_npwp & ~individual, None).to_numpy()
    owner_nik = _owner_niks(ctx, e)
    n16 = ("0" + n15).where(~individual, owner_nik)
    e["npwp16"] = n16.where(has_npwp, None).to_numpy()
    full = np.where(has_nib, NIB, 0) | np.where(has_npwp, NPWP, 0)
    reg_ids = e.reg_ids.to_numpy()
    e["reg_ids"] = np.where(reg_ids < 0, full, reg_ids & full)
    e["permit_ids"] = e.permit_ids.to_numpy() & full
    pay_ids = e.pay_ids.to_numpy() & full
    e["pay_ids"] = np.where(pay_ids == 0, full, pay_ids)
    # File 02 only has an NPWP column: its employers must have one.
    to_file_1 = (e.pay_file.to_numpy() == 2) & ~has_npwp
    e.loc[to_file_1, "pay_file"] = 1
    e.loc[e.pay_file.to_numpy() == 2, "pay_ids"] = NPWP
    e.loc[e.pay_file.to_numpy() == 6, "pay_ids"] = NIB
    e["npp0"] = ids.npp(2 * g, ctx.salt("npp")).to_numpy()
    e["npp1"] = ids.npp(2 * g + 1, ctx.salt("npp")).to_numpy()
    e["npp_from"] = np.where(e.orphan, BEFORE, e.reg_from)


def _owner_niks(ctx: Context, e: pd.DataFrame) -> pd.Series:
    """NPWP of a sole proprietor is the owner's NIK (DOMAIN.md)."""
    out = pd.Series([None] * len(e), dtype=object)
    mask = e.individual.to_numpy()
    if mask.any():
        rng = rng_for(ctx.seed, int(e.g.iloc[0]), 99)
        count = int(mask.sum())
        regency = e.regency.to_numpy()[mask]
        birth = np.datetime64("1975-01-01") + rng.integers(0, 9000, count).astype("timedelta64[D]")
        birth = _avoid_feb29(birth)
        nik = ids.nik_numbers(
            _pprr(regency),
            _districts(rng, ctx, regency),
            birth,
            rng.random(count) < 0.3,
            rng.integers(1, 10_000, count),
        )
        out[mask] = ids.digits(ctx.niks.claim(nik), 16).to_numpy()
    return out


def _force_normal_contractors(e: pd.DataFrame) -> None:
    """The first chunk always has a few ordinary contractors, so every fault can be planted."""
    chosen = np.flatnonzero(e.role.to_numpy() == NORMAL)[1:4]
    e.loc[chosen, ["contractor", "kbli", "n_permits"]] = [True, "41011", 2]
    e.loc[chosen, "has_payroll"] = True


# --- workers ----------------------------------------------------------------------------------


def _workers(rng: np.random.Generator, ctx: Context, e: pd.DataFrame, number: int) -> pd.DataFrame:
    size = e["size"].to_numpy()
    clean = e.clean.to_numpy()
    window = ctx.window.size
    former = rng.binomial(size, 0.06)
    hires = np.where(clean, 0, rng.poisson(size * 0.012 * window))
    counts = size + former + hires
    ent = np.repeat(np.arange(len(e)), counts)
    pos = np.arange(len(ent)) - np.repeat(np.cumsum(counts) - counts, counts)
    kind = np.where(pos < size[ent], 0, np.where(pos < (size + former)[ent], 1, 2))
    w = pd.DataFrame({"ent": ent, "kind": kind})
    _tenure(rng, w, clean[ent], window)
    _registration_lag(rng, w, e, clean[ent])
    _persons(rng, ctx, w, e, number)
    _wages(rng, w, e, clean[ent])
    return w


def _tenure(rng: np.random.Generator, w: pd.DataFrame, clean: np.ndarray, window: int) -> None:
    m, kind = len(w), w.kind.to_numpy()
    leave0 = rng.geometric(0.012, m) - 1
    leave0 = np.where((leave0 >= window) | clean, NEVER, leave0)
    w["hire"] = np.where(
        kind == 0,
        -rng.integers(1, 120, m),
        np.where(kind == 1, -rng.integers(13, 120, m), rng.integers(0, window, m)),
    )
    w["leave"] = np.where(kind == 0, leave0, np.where(kind == 1, -rng.integers(1, 13, m), NEVER))


def _registration_lag(rng: np.random.Generator, w: pd.DataFrame, e: pd.DataFrame, clean: np.ndarray) -> None:
    """Most workers are registered when hired; a few a month late, a very few never."""
    m = len(w)
    hire = w.hire.to_numpy()
    draw = rng.random(m)
    part = np.where(~clean & (draw < 0.02), hire + 1, hire)
    part = np.where(~clean & (draw > 0.995), NEVER, part)
    npp_from = e.npp_from.to_numpy()[w.ent.to_numpy()]
    never = (part == NEVER) | (npp_from == NEVER)
    w["part_from"] = np.where(never, NEVER, np.maximum(part, npp_from))
    w["slot"] = 0
    w["force_nonaktif"] = False


def _persons(rng: np.random.Generator, ctx: Context, w: pd.DataFrame, e: pd.DataFrame, number: int) -> None:
    m = len(w)
    female = rng.random(m) < 0.42
    first = np.where(female, rng.choice(ref.FEMALE_FIRST, m), rng.choice(ref.MALE_FIRST, m))
    two = rng.random(m) < 0.3
    name = (
        pd.Series(first)
        + " "
        + pd.Series(rng.choice(ref.LAST, m))
        + pd.Series(np.where(two, " ", ""))
        + pd.Series(np.where(two, rng.choice(ref.LAST, m), ""))
    )
    birth = _avoid_feb29(np.datetime64("1967-01-01") + rng.integers(0, 14_600, m).astype("timedelta64[D]"))
    all_regencies = np.array(ctx.regions.regencies)
    home = np.where(rng.random(m) < 0.8, e.regency.to_numpy()[w.ent.to_numpy()], rng.choice(all_regencies, m))
    nik = ids.nik_numbers(_pprr(home), _districts(rng, ctx, home), birth, female, rng.integers(1, 10_000, m))
    w["female"] = female
    w["name"] = name.to_numpy()
    w["birth"] = birth
    w["nik"] = ctx.niks.claim(nik)
    w["person"] = number * 10**8 + np.arange(m)
    variant = rng.choice(4, m, p=[0.45, 0.45, 0.05, 0.05])
    w["pay_name"] = _name_variant(name, variant).to_numpy()
    w["part_name"] = name.str.upper().where(rng.random(m) < 0.8, name).to_numpy()
    w["pay_nik"] = w.nik.to_numpy()
    w["nik_style"] = (rng.random(m) < 0.02).astype(np.int8)
    w["emp_type"] = rng.choice(["PKWTT", "PKWT", "HARIAN", "BORONGAN"], m, p=[0.55, 0.3, 0.1, 0.05])


def _name_variant(name: pd.Series, variant: np.ndarray) -> pd.Series:
    out = name.str.upper().where(variant == 0, name)
    out = out.where(variant != 2, name.str.lower())
    return out.where(variant != 3, name.str.replace(" ", "  ", n=1) + " ")


def _avoid_feb29(birth: np.ndarray) -> np.ndarray:
    """A NIK has a 2-digit year, so 29 February would be valid or not depending on the century."""
    _, month, day = ids.birth_parts(birth)
    return np.where((month == 2) & (day == 29), birth - np.timedelta64(1, "D"), birth)


def _pprr(codes: np.ndarray) -> np.ndarray:
    s = pd.Series(codes).astype(str)
    return (s.str[0:2].astype(np.int64) * 100 + s.str[3:5].astype(np.int64)).to_numpy()


def _districts(rng: np.random.Generator, ctx: Context, regency: np.ndarray) -> np.ndarray:
    """A real district of the regency, or (3 %) one the list does not know, which is allowed."""
    codes, inverse = np.unique(regency, return_inverse=True)
    known = [ctx.regions.districts.get(str(c), np.array([1], dtype=np.int64)) for c in codes]
    lengths = np.array([len(k) for k in known], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    flat = np.concatenate(known)
    pick = offsets[inverse] + (rng.random(len(regency)) * lengths[inverse]).astype(np.int64)
    unknown = np.array([ctx.regions.unknown_district(str(c)) for c in codes], dtype=np.int64)
    return np.where(rng.random(len(regency)) < 0.03, unknown[inverse], flat[pick])


def _wages(rng: np.random.Generator, w: pd.DataFrame, e: pd.DataFrame, clean: np.ndarray) -> None:
    """Wages are multiples of Rp 10,000, so every contribution is a whole number of rupiah."""
    m, ent = len(w), w.ent.to_numpy()
    regency = e.regency.to_numpy()[ent]
    base = pd.Series(regency).map(WAGE_BASE)
    base = base.fillna(pd.Series(regency).str[:2].map(WAGE_BASE_BY_PROVINCE)).fillna(3_500_000)
    base = base.to_numpy() * np.where(e.scale.to_numpy()[ent] == 0, 0.85, 1.0)
    multiplier = np.clip(np.exp(rng.normal(0.15, 0.3, m)), 0.85, 4.0)
    gross = np.ceil(base * multiplier / 10_000).astype(np.int64) * 10_000
    gross = np.where(rng.random(m) < 0.015, rng.integers(1_200, 3_000, m) * 10_000, gross)
    reported = np.where(~clean & (rng.random(m) < 0.08), _floor10k(gross * 0.97), gross)
    under = e.underreport.to_numpy()[ent] & (rng.random(m) < 0.5)
    reported = np.where(under, _floor10k(gross * rng.uniform(0.55, 0.9, m)), reported)
    w["gross"] = gross
    w["reported"] = _off_the_line(reported, gross)


def _floor10k(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.floor(values / 10_000).astype(np.int64) * 10_000, 10_000)


def _off_the_line(reported: np.ndarray, gross: np.ndarray) -> np.ndarray:
    """Never exactly 95 % of the gross wage: the contract's '<' must not depend on float error."""
    return np.where(100 * reported == 95 * gross, reported - 10_000, reported)


# --- planted cases that concern particular workers --------------------------------------------


def _first_workers(
    w: pd.DataFrame, e: pd.DataFrame, role: str, k: int, extra: np.ndarray | None = None
) -> np.ndarray:
    """Positions of the first k long-standing workers of every employer with the role."""
    ent = w.ent.to_numpy()
    eligible = (e.role.to_numpy()[ent] == ROLE[role]) & (w.kind.to_numpy() == 0)
    if extra is not None:
        eligible &= extra
    idx = np.flatnonzero(eligible)
    rank = pd.Series(ent[idx]).groupby(ent[idx]).cumcount().to_numpy()
    return idx[rank < k]


def _nth(idx: np.ndarray, w: pd.DataFrame, n: int) -> np.ndarray:
    """Of the picked workers, the n-th of each employer."""
    ent = w.ent.to_numpy()[idx]
    rank = pd.Series(ent).groupby(ent).cumcount().to_numpy()
    return idx[rank == n]


def _worker_roles(rng: np.random.Generator, ctx: Context, e: pd.DataFrame, w: pd.DataFrame) -> None:
    _unregistered_workers(w, e)
    _under_reported(rng, w, e)
    _typos(ctx, w, e)
    _borrowed_persons(rng, w, e)
    _perez(w, e)
    _multi_npp(w, e)


def _unregistered_workers(w: pd.DataFrame, e: pd.DataFrame) -> None:
    for role, k in (("pds_tk_new_hires", 3), ("npwp_15_16", 1), ("kbli_unknown", 1)):
        w.loc[_first_workers(w, e, role, k), "part_from"] = NEVER
    # Sinar's first worker carries the NIK typo (see _typos); its second was never registered.
    w.loc[_nth(_first_workers(w, e, "xlsx_sinar", 2), w, 1), "part_from"] = NEVER
    w.loc[_first_workers(w, e, "pds_tk_nonaktif_participant", 2), "force_nonaktif"] = True
    capped = _first_workers(w, e, "jp_cap", 2)
    first, second = _nth(capped, w, 0), _nth(capped, w, 1)
    w.loc[first, ["gross", "reported"]] = [15_000_000, 15_000_000]
    w.loc[first, "part_from"] = NEVER
    w.loc[second, ["gross", "reported"]] = [25_000_000, 9_000_000]


def _under_reported(rng: np.random.Generator, w: pd.DataFrame, e: pd.DataFrame) -> None:
    picked = _first_workers(w, e, "pds_upah", 4)
    gross = w.gross.to_numpy()
    w.loc[picked, "reported"] = _floor10k(gross[picked] * rng.uniform(0.6, 0.8, len(picked)))
    barely = _nth(picked, w, 3)  # 96 %: under-reported, but not by enough to be listed
    w.loc[barely, "reported"] = np.ceil(gross[barely] * 0.96 / 10_000).astype(np.int64) * 10_000
    one = _first_workers(w, e, "link_third", 1)
    w.loc[one, "reported"] = _floor10k(gross[one] * 0.7)


def _typos(ctx: Context, w: pd.DataFrame, e: pd.DataFrame) -> None:
    """A mistyped NIK in payroll that is still well formed; matched by name and birth date."""
    for role, k in (("nik_typo_matched", 2), ("nik_typo_no_birthdate", 1), ("xlsx_sinar", 1)):
        picked = _first_workers(w, e, role, k)
        for n in range(k):
            one = _nth(picked, w, n)
            female = w.female.to_numpy()[one]
            part = np.where(female, TYPO_NAMES_FEMALE[n][0], TYPO_NAMES_MALE[n][0])
            pay = np.where(female, TYPO_NAMES_FEMALE[n][1], TYPO_NAMES_MALE[n][1])
            w.loc[one, "part_name"] = part
            w.loc[one, "pay_name"] = pay
            w.loc[one, "pay_nik"] = ctx.niks.claim(ids.next_serial(w.nik.to_numpy()[one]))
            w.loc[one, "nik_style"] = 0


def _borrowed_persons(rng: np.random.Generator, w: pd.DataFrame, e: pd.DataFrame) -> None:
    """People who also appear at another employer, registered there."""
    ent = w.ent.to_numpy()
    donor_ok = (
        (e.role.to_numpy()[ent] == NORMAL)
        & (w.kind.to_numpy() == 0)
        & (w.part_from.to_numpy() <= 0)
        & (w.leave.to_numpy() == NEVER)
        & (e.reg_from.to_numpy()[ent] == BEFORE)
        & (e.dereg_at.to_numpy()[ent] == NEVER)
    )
    donors = np.flatnonzero(donor_ok)
    if len(donors) == 0:
        return
    person = ["nik", "name", "birth", "female", "part_name", "pay_name", "person"]
    for role, k, registered_here in (("pds_tk_other_employer", 2, False), ("two_jobs_registered", 1, True)):
        takers = _first_workers(w, e, role, k)
        if len(takers) == 0:
            continue
        chosen = rng.choice(donors, len(takers), replace=len(takers) > len(donors))
        for column in person:
            w.loc[takers, column] = w[column].to_numpy()[chosen]
        w.loc[takers, "pay_nik"] = w.nik.to_numpy()[takers]
        w.loc[takers, "nik_style"] = 0
        if registered_here:
            # Same regency as the other employer, so coverage must count the person once.
            e.loc[ent[takers], "regency"] = e.regency.to_numpy()[ent[chosen]]
        else:
            w.loc[takers, "part_from"] = NEVER


def _perez(w: pd.DataFrame, e: pd.DataFrame) -> None:
    """An accented name, for the Windows-1252 file; matched by NIK, so accents never matter."""
    one = _first_workers(w, e, "cp1252_perez", 1)
    female = w.female.to_numpy()[one]
    name = np.where(female, "María Pérez", "Yohanes Pérez")
    w.loc[one, ["name", "pay_name"]] = np.column_stack([name, name])
    w.loc[one, "part_name"] = pd.Series(name).str.upper().to_numpy()


def _multi_npp(w: pd.DataFrame, e: pd.DataFrame) -> None:
    ent = w.ent.to_numpy()
    mine = np.flatnonzero(e.role.to_numpy()[ent] == ROLE["multi_npp"])
    w.loc[mine[1::2], "slot"] = 1
    second = _first_workers(w, e, "multi_npp", 2)
    second = _nth(second, w, 1)
    w.loc[second, "reported"] = _floor10k(w.gross.to_numpy()[second] * 0.7)


# --- construction permits ---------------------------------------------------------------------

PROJECT_WORKS = np.array(["Pembangunan", "Rehabilitasi", "Peningkatan", "Pemeliharaan"])
PROJECT_OBJECTS = np.array(
    [
        "Jalan Desa",
        "Gedung Sekolah",
        "Jembatan",
        "Puskesmas",
        "Kantor",
        "Gudang",
        "Pasar",
        "Drainase",
        "Dermaga",
        "Rumah Dinas",
    ]
)


def _construction(rng: np.random.Generator, ctx: Context, e: pd.DataFrame) -> pd.DataFrame:
    counts = e.n_permits.to_numpy().astype(np.int64)
    ent = np.repeat(np.arange(len(e)), counts)
    k = np.arange(len(ent)) - np.repeat(np.cumsum(counts) - counts, counts)
    n, window = len(ent), ctx.window.size
    start = rng.integers(-18, window + 3, n)
    months = 2 * rng.integers(0, 12, n) + 1  # odd: a monthly share is never exactly x.5 rupiah
    registered = rng.random(n) < 0.75
    declared = np.where(rng.random(n) < 0.1, -1, rng.integers(8, 250, n))
    start, months, registered, declared = _construction_roles(
        rng, e.role.to_numpy()[ent], k, window, start, months, registered, declared
    )
    value = np.clip(np.rint(np.exp(rng.normal(np.log(1.5e9), 1.0, n)) / 1e6), 150, 40_000) * 1e6
    c = pd.DataFrame(
        {
            "ent": ent,
            "k": k,
            "start_m": start,
            "end_m": start + months - 1,
            "months": months,
            "registered": registered,
            "declared": declared,
            "value": value.astype(np.int64),
        }
    )
    first = ctx.window.month(c.start_m.to_numpy()).astype("datetime64[D]")
    last = ctx.window.month(c.end_m.to_numpy()).astype("datetime64[D]")
    c["start_on"] = first + rng.integers(0, 28, n).astype("timedelta64[D]")
    c["end_on"] = last + rng.integers(0, 28, n).astype("timedelta64[D]")
    g = e.g.to_numpy()[ent]
    serial = ids.permute(g * 4 + k, 10**7, ctx.salt("permit"))
    pprr = pd.Series(_pprr(e.regency.to_numpy()[ent])).astype(str)
    year = pd.Series(c.start_on.to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970)
    spk = "SPK/" + pprr + "/" + year.astype(str) + "/" + ids.digits(serial, 7)
    pbg = "PBG-" + pprr + "-" + ids.digits(serial, 7) + "-" + year.astype(str)
    c["permit_number"] = spk.where(serial % 3 > 0, pbg).to_numpy()
    c["project_name"] = (
        pd.Series(rng.choice(PROJECT_WORKS, n))
        + " "
        + pd.Series(rng.choice(PROJECT_OBJECTS, n))
        + " Paket "
        + pd.Series(k + 1).astype(str)
    ).to_numpy()
    c["registration_number"] = (
        "PRJ" + ids.digits(ids.permute(g * 4 + k, 10**9, ctx.salt("prj")), 9)
    ).to_numpy()
    return c


def _construction_roles(
    rng: np.random.Generator,
    role: np.ndarray,
    k: np.ndarray,
    window: int,
    start: np.ndarray,
    months: np.ndarray,
    registered: np.ndarray,
    declared: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Permits of planted contractors: active over the whole window, or wholly outside it."""
    n = len(role)
    lead = rng.integers(0, 6, n)
    span = window + lead  # months needed to reach the end of the window from start = -lead
    whole = span + (span % 2 == 0) + 2 * rng.integers(0, 3, n)
    across = (
        (role == ROLE["pwbd_contractor"])
        | (role == ROLE["proyek_multi"])
        | ((role == ROLE["proyek"]) & (k < 2))
    )
    start = np.where(across, -lead, start)
    months = np.where(across, whole, months)
    before = ((role == ROLE["contractor_inactive"]) & (k == 0)) | ((role == ROLE["proyek"]) & (k == 2))
    start = np.where(before, -months - 1 - lead, start)
    after = (role == ROLE["contractor_inactive"]) & (k == 1)
    start = np.where(after, window + lead, start)
    planted = across | before | after
    registered = np.where(planted, (role == ROLE["proyek"]) & (k == 1), registered)
    declared = np.where(planted, np.maximum(declared, 12), declared)
    return start, months, registered, declared
