"""Labelled payroll and registry records for training and measuring the linkage model.

Made by this project, not drawn from any real data set: employers with registered participants
and a payroll typed by hand, in which a clerk makes the errors DOMAIN.md describes, each at the
rate in `RATES` (per payroll worker, independently). Every record carries `person`, the truth:
a payroll worker and a participant with the same `person` are the same person; a payroll worker
whose `person` is no participant's is unregistered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

MALE = (
    "AGUS BUDI DEDI EKO FAJAR GILANG HENDRA IRFAN JOKO KURNIAWAN LUKMAN MUHAMMAD NANDA OKTA PUTRA "
    "RIZKI SLAMET TEGUH UDIN WAHYU YUSUF ZAINAL ABDUL AHMAD ARIF BAMBANG DANI FIRMAN HADI IWAN RUDI "
    "SUTRISNO SUPARMAN HERU ANDI ADI RAHMAT SYAHRUL TAUFIK YOGI"
).split()
FEMALE = (
    "AYU BUNGA CITRA DEWI ENDAH FITRI GITA HANA INDAH JUWITA KARTIKA LESTARI MAYA NUR OKTAVIA PUTRI "
    "RATNA SITI TRI UTAMI WULAN YULIA ANI DIAN EKA LINDA MEGA NOVI RINA SRI TUTI WATI YANTI SARI "
    "RAHMAWATI NURAINI FATIMAH AISYAH"
).split()
FAMILY = (
    "SAPUTRA SETIAWAN HIDAYAT NUGROHO SANTOSO WIJAYA PRATAMA KUSUMA LESTARI RAHAYU SUSANTO GUNAWAN "
    "HARAHAP SIREGAR NASUTION LUBIS SIMANJUNTAK PANJAITAN SITOMPUL TANJUNG SIHOMBING WIBOWO HARTONO "
    "SUHARTO SUKARNO SOEBAGIO DJAJADI TJAHJONO PURNOMO HALIM SALIM RAMADHAN FIRMANSYAH HAKIM"
).split()
TITLES = ("H.", "HJ.", "IR.", "DR.", "DRS.", "DRA.")
DEGREES = ("S.T.", "S.E.", "S.H.", "S.Kom.", "S.Pd.", "A.Md.", "M.M.", "M.Si.")
ABBREVIATIONS = ("M.", "MUH.", "MOH.", "MOCH.", "MOHD.", "MUHAMAD")

# Per payroll worker of a registered person, how often the clerk gets each thing wrong.
RATES = {
    "nik_one_digit": 0.05,  # one digit mistyped
    "nik_swap": 0.02,  # two adjacent digits swapped
    "nik_15_digits": 0.02,  # the last digit lost to a spreadsheet's 15-digit precision (set to 0)
    "nik_other": 0.005,  # another NIK altogether
    "name_typo": 0.08,  # one letter changed, dropped or doubled
    "name_title": 0.06,  # a title before or a degree after the name
    "name_abbreviation": 0.5,  # MUHAMMAD abbreviated (of names that have it)
    "name_reordered": 0.03,  # the parts in another order
    "name_bin": 0.04,  # bin/binti and the father's name added
    "name_one_word": 0.03,  # the given name only
    "name_old_spelling": 0.02,  # OE for U, DJ for J
    "birth_swapped": 0.05,  # day and month swapped (when the day is at most 12)
    "birth_one_digit": 0.03,  # one digit of the date mistyped
    "birth_other": 0.01,  # another date of the same year
}
# Per employer: share of its payroll workers unregistered, twins of a registered worker among
# those, and participants who are no longer on the payroll.
UNREGISTERED = 0.15
TWINS = 0.15
DEPARTED = 0.1


@dataclass
class Labelled:
    payroll: pd.DataFrame  # component, nik, full_name, birth_date, person, errors
    participants: pd.DataFrame  # component, nik, full_name, birth_date, person


def _nik(rng: np.random.Generator, region: str, birth: dt.date, female: bool) -> str:
    day = birth.day + (40 if female else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.integers(1, 10_000):04d}"


def _person(rng: np.random.Generator, region: str, family: str | None = None) -> dict:
    female = bool(rng.random() < 0.45)
    given = str(rng.choice(FEMALE if female else MALE))
    if rng.random() < 0.25:
        given = f"{given} {rng.choice(FEMALE if female else MALE)}"
    if family is None and rng.random() < 0.85:
        family = str(rng.choice(FAMILY))
    name = f"{given} {family}" if family else given
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=int(rng.integers(0, 14_000)))
    return {
        "female": female,
        "given": given,
        "family": family,
        "name": name,
        "birth": birth,
        "nik": _nik(rng, region, birth, female),
        "father": str(rng.choice(MALE)),
    }


def _typo(rng: np.random.Generator, word: str) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTUWY"
    i = int(rng.integers(0, len(word)))
    kind = rng.integers(0, 3)
    if kind == 0:
        return word[:i] + str(rng.choice(list(letters))) + word[i + 1 :]
    if kind == 1 and len(word) > 3:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _typed_nik(rng: np.random.Generator, nik: str, errors: list[str]) -> str:
    draw = rng.random()
    cut = 0.0
    for kind in ("nik_one_digit", "nik_swap", "nik_15_digits", "nik_other"):
        cut += RATES[kind]
        if draw < cut:
            errors.append(kind)
            if kind == "nik_one_digit":
                i = int(rng.integers(0, 16))
                digit = str((int(nik[i]) + int(rng.integers(1, 10))) % 10)
                return nik[:i] + digit + nik[i + 1 :]
            if kind == "nik_swap":
                for _ in range(10):
                    i = int(rng.integers(0, 15))
                    if nik[i] != nik[i + 1]:
                        return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
                return nik
            if kind == "nik_15_digits":
                return nik[:15] + "0" if nik[15] != "0" else nik[:14] + "10"
            return nik[:6] + f"{rng.integers(0, 10**10):010d}"
    return nik


def _typed_name(rng: np.random.Generator, p: dict, errors: list[str]) -> str:
    words = p["name"].split()
    if "MUHAMMAD" in words and rng.random() < RATES["name_abbreviation"]:
        errors.append("name_abbreviation")
        words[words.index("MUHAMMAD")] = str(rng.choice(ABBREVIATIONS))
    if rng.random() < RATES["name_one_word"] and len(words) > 1:
        errors.append("name_one_word")
        words = words[:1]
    if rng.random() < RATES["name_typo"]:
        errors.append("name_typo")
        i = int(rng.integers(0, len(words)))
        words[i] = _typo(rng, words[i])
    if rng.random() < RATES["name_reordered"] and len(words) > 1:
        errors.append("name_reordered")
        words = words[1:] + words[:1]
    if rng.random() < RATES["name_old_spelling"]:
        errors.append("name_old_spelling")
        words = [w.replace("U", "OE", 1) if "U" in w else w.replace("J", "DJ", 1) for w in words]
    if rng.random() < RATES["name_bin"]:
        errors.append("name_bin")
        words += ["BINTI" if p["female"] else "BIN", p["father"]]
    if rng.random() < RATES["name_title"]:
        errors.append("name_title")
        if rng.random() < 0.5:
            words = [str(rng.choice(TITLES))] + words
        else:
            words[-1] += ","
            words.append(str(rng.choice(DEGREES)))
    name = " ".join(words)
    return name.title() if rng.random() < 0.5 else name


def _typed_birth(rng: np.random.Generator, birth: dt.date, errors: list[str]) -> dt.date:
    draw = rng.random()
    if draw < RATES["birth_swapped"]:
        if birth.day <= 12 and birth.day != birth.month:
            errors.append("birth_swapped")
            return birth.replace(month=birth.day, day=birth.month)
        return birth
    draw -= RATES["birth_swapped"]
    if draw < RATES["birth_one_digit"]:
        text = birth.strftime("%Y%m%d")
        for _ in range(10):
            i = int(rng.integers(2, 8))
            candidate = text[:i] + str(int(rng.integers(0, 10))) + text[i + 1 :]
            try:
                typed = dt.datetime.strptime(candidate, "%Y%m%d").date()
            except ValueError:
                continue
            if typed != birth:
                errors.append("birth_one_digit")
                return typed
        return birth
    draw -= RATES["birth_one_digit"]
    if draw < RATES["birth_other"]:
        errors.append("birth_other")
        return birth.replace(month=int(rng.integers(1, 13)), day=int(rng.integers(1, 29)))
    return birth


def _participant(component: int, p: dict) -> dict:
    """Person `p` as a registry participant of employer `component`."""
    return {
        "component": component,
        "nik": p["nik"],
        "full_name": p["name"],
        "birth_date": p["birth"],
        "person": p["id"],
    }


def generate(seed: int, employers: int = 400, mean_workers: int = 30) -> Labelled:
    """Payroll and registry records of `employers` registered employers."""
    rng = np.random.default_rng(seed)
    payroll, participants = [], []
    person = 0
    for component in range(1, employers + 1):
        regions = [
            f"{rng.integers(11, 95):02d}{rng.integers(1, 80):02d}{rng.integers(1, 40):02d}" for _ in range(3)
        ]
        size = int(rng.integers(3, 2 * mean_workers))
        registered = []
        for _ in range(size):
            p = _person(rng, str(rng.choice(regions)))
            p["id"] = person = person + 1
            unregistered = rng.random() < UNREGISTERED
            is_twin = False
            if unregistered and registered and rng.random() < TWINS:
                sibling = registered[int(rng.integers(0, len(registered)))]
                if sibling["family"]:
                    twin = dict(sibling, id=p["id"], female=p["female"], father=sibling["father"])
                    given = str(rng.choice(FEMALE if p["female"] else MALE))
                    twin["given"], twin["name"] = given, f"{given} {sibling['family']}"
                    serial = (int(sibling["nik"][12:]) % 9_999) + 1
                    day = sibling["birth"].day + (40 if p["female"] else 0)
                    twin["nik"] = sibling["nik"][:6] + f"{day:02d}" + sibling["nik"][8:12] + f"{serial:04d}"
                    p, is_twin = twin, True
            if not unregistered:
                registered.append(p)
                participants.append(_participant(component, p))
            errors: list[str] = []
            payroll.append(
                {
                    "component": component,
                    "nik": _typed_nik(rng, p["nik"], errors),
                    "full_name": _typed_name(rng, p, errors),
                    "birth_date": _typed_birth(rng, p["birth"], errors),
                    "person": p["id"],
                    "registered": not unregistered,
                    "twin": is_twin,
                    "errors": ";".join(errors),
                }
            )
        for _ in range(int(rng.binomial(size, DEPARTED))):
            p = _person(rng, str(rng.choice(regions)))
            p["id"] = person = person + 1
            participants.append(_participant(component, p))
    # one row per employer and NIK, as validation and int_registered_workers leave them
    pay = pd.DataFrame(payroll).drop_duplicates(["component", "nik"], ignore_index=True)
    part = pd.DataFrame(participants).drop_duplicates(["component", "nik"], ignore_index=True)
    return Labelled(pay, part)
