"""Reference values the demo generator plants against.

The generator is a test oracle: it keeps its own copy of rates, caps and minimum wages so that a
mistake in the product's reference data shows up as a difference instead of being copied into
the expected answer. The values follow CONTRACT.md section 5 and DOMAIN.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# Program bits; a set of programs is an int mask so that it can live in a numpy array.
JKK, JKM, JHT, JP, JKP = 1, 2, 4, 8, 16
PROGRAM_BITS = {"JKK": JKK, "JKM": JKM, "JHT": JHT, "JP": JP, "JKP": JKP}

SCALES = np.array(["MIKRO", "KECIL", "MENENGAH", "BESAR"])
MANDATORY = np.array([JKK | JKM, JKK | JKM | JHT, JKK | JKM | JHT | JP, JKK | JKM | JHT | JP])
ALL_FOUR = JKK | JKM | JHT | JP

# Rates in basis points of a percent (1 bp = 0.01 %), so that every contribution on a wage that
# is a multiple of Rp 10,000 is a whole number of rupiah and rounding never has to break a tie.
JKM_BP, JHT_BP, JP_BP = 30, 570, 300
JKK_BP_BY_SECTION = {
    **dict.fromkeys("GIJKLMNOPQRSTU", 24),
    **dict.fromkeys("CDEH", 54),
    "A": 89,
    "F": 127,
    "B": 174,
}
JKK_BP_UNKNOWN = 89

# JP wage cap by the month it takes effect (DOMAIN.md; the two newest are what the contract names).
JP_CAPS = (("2023-03", 9_559_600), ("2024-03", 10_042_300), ("2025-03", 10_547_400), ("2026-03", 11_086_300))

# Construction JKK + JKM by slice of the contract value: (upper bound, JKK bp, JKM bp).
CONSTRUCTION_SLICES = (
    (100_000_000, 21, 3),
    (500_000_000, 17, 2),
    (1_000_000_000, 13, 2),
    (5_000_000_000, 11, 1),
    (None, 9, 1),
)

# Provincial minimum wage (UMP) by (province, year): Kalimantan Tengah, from DOMAIN.md, as in the
# product's reference data (pipeline/reference/minimum_wages.csv). Other provinces have no figure
# there, so their PWBD-without-payroll estimates are 0.
UMP = {("62", 2024): 3_261_616, ("62", 2025): 3_473_621, ("62", 2026): 3_686_138}

# Where demo employers are: mostly Kalimantan Tengah, some Jawa Barat, a few in Kalimantan Selatan
# (a province with no UMP above, so PWBD estimates there are 0).
EMPLOYER_REGENCIES = {
    "62.71": 0.18,
    "62.02": 0.14,
    "62.01": 0.10,
    "62.03": 0.07,
    **dict.fromkeys(
        ["62.04", "62.05", "62.06", "62.07", "62.08", "62.09", "62.10", "62.11", "62.12", "62.13"], 0.036
    ),
    "32.15": 0.05,
    "32.16": 0.04,
    "32.73": 0.03,
    "63.71": 0.02,
    "63.72": 0.01,
}
# Regencies the labour-force survey covers: all of Kalimantan Tengah and four in Jawa Barat, one
# of which (32.04) has no demo employers at all.
SURVEY_EXTRA_REGENCIES = ("32.04", "32.15", "32.16", "32.73")
SURVEY_ROUND = "2025-08"

# A regency code that looks right but is not in the Kemendagri list.
UNKNOWN_REGENCY = "62.99"

# KBLI 2020 codes with a weight; plantations and palm-oil mills dominate Kalimantan Tengah.
KBLI_WEIGHTS = {
    "01262": 14,
    "01130": 3,
    "02120": 2,
    "05100": 3,
    "08101": 1,
    "10431": 6,
    "16101": 3,
    "10710": 3,
    "35101": 1,
    "38110": 1,
    "41011": 4,
    "42101": 2,
    "43211": 1,
    "47111": 12,
    "46491": 5,
    "47730": 3,
    "45201": 4,
    "49431": 4,
    "52101": 2,
    "55110": 3,
    "56101": 8,
    "62019": 1,
    "64131": 2,
    "68111": 1,
    "69101": 1,
    "80100": 2,
    "81210": 2,
    "85101": 3,
    "86103": 2,
    "93119": 1,
    "96021": 3,
    "94990": 1,
}

_SECTION_RANGES = (
    (1, 3, "A"),
    (5, 9, "B"),
    (10, 33, "C"),
    (35, 35, "D"),
    (36, 39, "E"),
    (41, 43, "F"),
    (45, 47, "G"),
    (49, 53, "H"),
    (55, 56, "I"),
    (58, 63, "J"),
    (64, 66, "K"),
    (68, 68, "L"),
    (69, 75, "M"),
    (77, 82, "N"),
    (84, 84, "O"),
    (85, 85, "P"),
    (86, 88, "Q"),
    (90, 93, "R"),
    (94, 96, "S"),
    (97, 98, "T"),
    (99, 99, "U"),
)
SECTORS = "ABCDEFGHIJKLMNOPQRSTU"


def kbli_section(kbli: str | None) -> str | None:
    """The ISIC section of a 5-digit KBLI code (contract section 3), None when unknown."""
    if not kbli or len(kbli) < 2 or not kbli[:2].isdigit():
        return None
    two = int(kbli[:2])
    for low, high, section in _SECTION_RANGES:
        if low <= two <= high:
            return section
    return None


def jkk_bp(kbli: str | None) -> int:
    section = kbli_section(kbli)
    return JKK_BP_BY_SECTION.get(section, JKK_BP_UNKNOWN) if section else JKK_BP_UNKNOWN


def jp_cap(period: str) -> int:
    """JP wage cap in force in the period; the oldest known cap before the first one."""
    cap = JP_CAPS[0][1]
    for start, value in JP_CAPS:
        if period >= start:
            cap = value
    return cap


def ump(province: str, period: str) -> int | None:
    return UMP.get((province, int(period[:4])))


# Person names: Dayak, Banjar, Javanese and Sundanese flavours, all ASCII on purpose (accented
# names are planted explicitly where an encoding is being exercised).
MALE_FIRST = np.array(
    [
        "Agus",
        "Andi",
        "Budi",
        "Dedi",
        "Eko",
        "Fajar",
        "Hendra",
        "Imam",
        "Joko",
        "Kurniawan",
        "Lukas",
        "Markus",
        "Nanang",
        "Oktavianus",
        "Petrus",
        "Rahmat",
        "Slamet",
        "Teguh",
        "Untung",
        "Wahyu",
        "Yohanes",
        "Yusuf",
        "Ahmad",
        "Bambang",
        "Darmawan",
        "Gusti",
        "Herman",
        "Ilham",
        "Ujang",
        "Asep",
        "Dadang",
        "Cecep",
        "Tingang",
        "Sahari",
        "Mikael",
        "Rudi",
        "Sugianto",
    ]
)
FEMALE_FIRST = np.array(
    [
        "Ani",
        "Dewi",
        "Endang",
        "Fitri",
        "Indah",
        "Kartini",
        "Lestari",
        "Maria",
        "Novi",
        "Putri",
        "Rina",
        "Sari",
        "Siti",
        "Tuti",
        "Wulan",
        "Yuli",
        "Nur",
        "Eka",
        "Dian",
        "Ratna",
        "Yanti",
        "Elisabet",
        "Marta",
        "Ningsih",
        "Euis",
        "Neneng",
        "Imas",
        "Enny",
        "Rosalina",
        "Veronika",
    ]
)
LAST = np.array(
    [
        "Santoso",
        "Wijaya",
        "Saputra",
        "Pratama",
        "Hidayat",
        "Kusuma",
        "Nugroho",
        "Setiawan",
        "Lubis",
        "Siregar",
        "Simanjuntak",
        "Ngabut",
        "Dohong",
        "Tundan",
        "Bangas",
        "Rangkap",
        "Jaya",
        "Lambung",
        "Sahay",
        "Riwut",
        "Anggraini",
        "Permana",
        "Sudrajat",
        "Gunawan",
        "Rahayu",
        "Handayani",
        "Susanti",
        "Suryadi",
        "Purnomo",
        "Firmansyah",
        "Maulana",
        "Pane",
        "Hakim",
        "Ramadhan",
        "Utami",
        "Sembiring",
        "Kamaruddin",
        "Arifin",
        "Hasibuan",
        "Lewis",
    ]
)
COMPANY_PREFIX = np.array(["PT", "PT", "PT", "CV", "CV", "UD", "Koperasi"])
COMPANY_WORD_A = np.array(
    [
        "Maju",
        "Sinar",
        "Karya",
        "Mitra",
        "Bumi",
        "Sawit",
        "Borneo",
        "Kahayan",
        "Barito",
        "Katingan",
        "Mentaya",
        "Tambun",
        "Isen",
        "Mulang",
        "Harapan",
        "Sentosa",
        "Abadi",
        "Putra",
        "Cahaya",
        "Tunas",
        "Graha",
        "Prima",
        "Citra",
        "Kencana",
        "Agro",
        "Persada",
        "Makmur",
        "Mandiri",
    ]
)
COMPANY_WORD_B = np.array(
    [
        "Jaya",
        "Lestari",
        "Sejahtera",
        "Makmur",
        "Abadi",
        "Perkasa",
        "Utama",
        "Sentosa",
        "Mandiri",
        "Nusantara",
        "Raya",
        "Indah",
        "Bersama",
        "Sakti",
        "Gemilang",
        "Plantation",
        "Logistik",
        "Konstruksi",
        "Niaga",
        "Teknik",
    ]
)


@dataclass(frozen=True)
class Regions:
    """Kemendagri codes: names of provinces and regencies, and district codes per regency."""

    names: dict[str, str]
    regencies: tuple[str, ...]
    districts: dict[str, np.ndarray]

    def unknown_district(self, regency: str) -> int:
        """A district number that the region list does not have (NIKs may carry one)."""
        known = set(self.districts.get(regency, np.array([], dtype=np.int64)).tolist())
        return next(d for d in range(99, 0, -1) if d not in known)


def find_regions_file(explicit: Path | None = None) -> Path:
    """Locate the Kemendagri region list: argument, env var, project copy, then the shared copy."""
    candidates: list[Path] = []
    if explicit is not None:
        candidates.append(Path(explicit))
    if os.environ.get("REKON_WILAYAH_CSV"):
        candidates.append(Path(os.environ["REKON_WILAYAH_CSV"]))
    package_root = Path(__file__).resolve().parents[1]
    candidates.extend(sorted((package_root / "reference").rglob("wilayah*.csv")))
    candidates.append(package_root.parents[1] / "shared" / "reference" / "wilayah_kemendagri_2025.csv")
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError("wilayah_kemendagri_2025.csv not found; pass regions_file=")


def load_regions(path: Path) -> Regions:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.apply(lambda col: col.str.strip())
    upper = frame.loc[frame.level != "3"]
    names = dict(zip(upper.kode, upper.nama, strict=True))
    regencies = tuple(sorted(frame.loc[frame.level == "2", "kode"]))
    districts_frame = frame.loc[frame.level == "3", "kode"]
    by_regency: dict[str, list[int]] = {}
    for code in districts_frame:
        by_regency.setdefault(code[:5], []).append(int(code[6:8]))
    districts = {k: np.array(sorted(v), dtype=np.int64) for k, v in by_regency.items()}
    return Regions(names=names, regencies=regencies, districts=districts)
