"""The planted cases: what each one is, and how often it occurs beyond the first chunk.

The first chunk holds one employer of every case at fixed positions, so even the smallest demo
has them all; further employers get a case at random with the share below (0 = first chunk only).
"""

from __future__ import annotations

import numpy as np

# (case, share among later employers, what the pipeline should make of it)
CASES: tuple[tuple[str, float, str], ...] = (
    ("normal", 0.0, "registered; findings only from random defects"),
    ("pwbd_payroll", 0.03, "PWBD: not in the registry, has payroll for the period"),
    (
        "pwbd_permit_only",
        0.015,
        "PWBD: AKTIF permit with declared workers, no payroll; "
        "estimate = declared x contribution on the Kalimantan Tengah UMP",
    ),
    ("pwbd_permit_only_jabar", 0.003, "PWBD: as above in Jawa Barat (32.15), no UMP in the reference: 0"),
    ("pwbd_permit_only_no_ump", 0.002, "PWBD: as above in Kalimantan Selatan, no UMP: estimate 0"),
    ("pwbd_nonaktif", 0.006, "PWBD: registry row NONAKTIF (its participants NONAKTIF too)"),
    ("pwbd_orphan_npp", 0.002, "PWBD: AKTIF participants under an NPP with no registry row"),
    ("pwbd_contractor", 0.003, "PWBD and PROYEK: unregistered contractor of an active permit"),
    ("individual_npwp", 0.003, "PWBD: sole proprietor without NIB, NPWP = owner's NIK"),
    ("dicabut", 0.004, "no finding: permit DICABUT, no payroll"),
    ("contractor_inactive", 0.002, "no finding: construction permits outside every period"),
    (
        "link_third",
        0.005,
        "PDS_UPAH under the NIB: registry has NIB only, payroll NPWP only "
        "(15 digits, punctuated), the business permit has both",
    ),
    (
        "unlinked_split",
        0.001,
        "PWBD under the NPWP: registry NIB only, payroll NPWP only, "
        "nothing links them (same name is not identity)",
    ),
    ("npwp_15_16", 0.004, "PDS_TK under the 16-digit NPWP: registry 16 digits, payroll 15"),
    ("pds_tk_new_hires", 0.01, "PDS_TK: three workers never registered"),
    ("pds_tk_other_employer", 0.004, "PDS_TK: two workers registered under another employer"),
    ("pds_tk_nonaktif_participant", 0.004, "PDS_TK: two workers whose participant row is NONAKTIF"),
    ("nik_typo_matched", 0.004, "no finding: two payroll NIKs mistyped, matched by name + birth"),
    ("nik_typo_no_birthdate", 0.002, "PDS_TK: NIK mistyped in a file without birth dates"),
    ("pds_upah", 0.01, "PDS_UPAH: three workers under 95 %, one at 96 % (not counted)"),
    ("jp_cap", 0.002, "PDS_TK and PDS_UPAH on wages above the JP cap"),
    ("kbli_unknown", 0.002, "PDS_TK with no KBLI anywhere: JKK class 3"),
    ("pds_program_missing_jp", 0.005, "PDS_PROGRAM: BESAR without JP"),
    ("pds_program_scale_from_permit", 0.003, "PDS_PROGRAM: registry KECIL, permit MENENGAH: JP"),
    ("pds_program_no_scale", 0.002, "no PDS_PROGRAM: JKK only but no scale known"),
    ("mikro_programs_ok", 0.003, "no finding: MIKRO with JKK and JKM"),
    ("multi_npp", 0.004, "PDS_UPAH: two NPPs of one employer, participants under both"),
    ("proyek", 0.004, "PROYEK: one active unregistered permit (one registered, one ended)"),
    ("proyek_multi", 0.002, "PROYEK: two active unregistered permits, summed"),
    ("late_register", 0.003, "PWBD until it registers in the last period of the window"),
    ("deactivated", 0.002, "PWBD in the last period, when its registry row turns NONAKTIF"),
    ("late_payroll", 0.003, "no finding: its payroll only arrives a month late (other period)"),
    ("two_jobs_registered", 0.003, "no finding: a worker registered at two employers"),
    ("bad_registry_row", 0.0, "PWBD: its only registry row is quarantined (invalid_code)"),
    ("xlsx_sinar", 0.0, "PDS_TK, XLSX with two title rows, a typo matched, bad rows"),
    ("xlsx_barito", 0.0, "PWBD, XLSX with one title row and text amounts"),
    ("cp1252_perez", 0.0, "no finding: Windows-1252 file, worker 'Pérez' matched by NIK"),
)

ROLE_NAMES = tuple(name for name, _, _ in CASES)
ROLE = {name: i for i, name in enumerate(ROLE_NAMES)}
NORMAL = ROLE["normal"]
NOTES = {name: note for name, _, note in CASES}


def fixed_roles() -> np.ndarray:
    """One employer of every case, for the first chunk."""
    return np.arange(1, len(CASES), dtype=np.int64)


def random_roles(rng: np.random.Generator, count: int) -> np.ndarray:
    shares = np.array([share for _, share, _ in CASES[1:]])
    bounds = np.cumsum(shares)
    draw = rng.random(count)
    picked = np.searchsorted(bounds, draw, side="right") + 1
    return np.where(picked >= len(CASES), NORMAL, picked).astype(np.int64)
