"""Well-formed Indonesian identifiers (contract section 3), generated in bulk with numpy.

Identifiers derived from an index use an affine permutation modulo 10^k, so they are unique
without any bookkeeping and look random. NIKs carry meaning (region, birth date), so their
uniqueness is enforced by `NikPool`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def permute(index: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of [0, modulus): unique outputs for unique inputs below the modulus."""
    multiplier = 7_654_321  # odd and not a multiple of 5: invertible modulo any 10^k
    return (np.asarray(index, dtype=np.int64) * multiplier + salt) % modulus


def digits(values: np.ndarray, width: int) -> pd.Series:
    """Integers as zero-padded text; identifiers are text and keep their leading zeros."""
    return pd.Series(np.asarray(values, dtype=np.int64)).astype(str).str.zfill(width)


def luhn_check_digit(payload: np.ndarray, length: int) -> np.ndarray:
    """Luhn check digit of fixed-length integer payloads (DOMAIN.md: old NPWP digit 9)."""
    total = np.zeros(len(payload), dtype=np.int64)
    rest = np.asarray(payload, dtype=np.int64).copy()
    for position in range(length):
        digit = rest % 10
        rest //= 10
        if position % 2 == 0:  # rightmost payload digit is doubled
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return (10 - total % 10) % 10


def npwp15(index: np.ndarray, kpp: np.ndarray, salt: int) -> pd.Series:
    """Old 15-digit company NPWPs: 8-digit taxpayer number, check digit, tax office, branch."""
    payload = permute(index, 10**7, salt)  # leading 0: company NPWPs start 0x
    check = luhn_check_digit(payload, 8)
    number = payload * 10**7 + check * 10**6 + np.asarray(kpp, dtype=np.int64) * 1000
    return digits(number, 15)


def punctuate_npwp15(npwp: pd.Series) -> pd.Series:
    """`012345678901000` -> `01.234.567.8-901.000`, the way tax cards print it."""
    s = npwp.astype(str)
    return (
        s.str[0:2]
        + "."
        + s.str[2:5]
        + "."
        + s.str[5:8]
        + "."
        + s.str[8:9]
        + "-"
        + s.str[9:12]
        + "."
        + s.str[12:15]
    )


def nib(index: np.ndarray, leading_zero: np.ndarray, salt: int) -> pd.Series:
    """13-digit NIBs; some older ones start with 0, which must survive every file format."""
    tail = permute(index, 10**9, salt)
    prefix = np.where(leading_zero, 220, 9120)
    return digits(prefix * 10**9 + tail, 13)


def npp(index: np.ndarray, salt: int) -> pd.Series:
    return digits(permute(index, 10**8, salt), 8)


def kpj(index: np.ndarray, salt: int) -> pd.Series:
    return digits(permute(index, 10**11, salt), 11)


def birth_parts(birth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of datetime64[D] values."""
    months = birth.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (birth - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def nik_numbers(
    regency: np.ndarray, district: np.ndarray, birth: np.ndarray, female: np.ndarray, serial: np.ndarray
) -> np.ndarray:
    """NIKs as int64: PPRR DD (DD+40 for women)MMYY SSSS. `regency` is PPRR as an integer."""
    year, month, day = birth_parts(birth)
    ddmmyy = (day + 40 * np.asarray(female, dtype=np.int64)) * 10_000 + month * 100 + year % 100
    return (
        np.asarray(regency, dtype=np.int64) * 10**12
        + np.asarray(district) * 10**10
        + ddmmyy * 10**4
        + np.asarray(serial, dtype=np.int64)
    )


def with_serial(nik: np.ndarray, serial: np.ndarray) -> np.ndarray:
    return nik - nik % 10_000 + serial


def next_serial(nik: np.ndarray) -> np.ndarray:
    """The next non-zero serial: used to redraw colliding NIKs and to plant typing errors."""
    return with_serial(nik, nik % 10_000 % 9999 + 1)


class NikPool:
    """Keeps NIKs unique across chunks: a person's NIK is theirs alone."""

    def __init__(self) -> None:
        self._used = np.array([], dtype=np.int64)  # sorted

    def _taken(self, nik: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self._used, nik)
        hit = np.zeros(len(nik), dtype=bool)
        inside = at < len(self._used)
        hit[inside] = self._used[at[inside]] == nik[inside]
        return hit

    def claim(self, nik: np.ndarray) -> np.ndarray:
        nik = np.asarray(nik, dtype=np.int64).copy()
        while True:
            clash = self._taken(nik)
            order = np.argsort(nik, kind="stable")
            repeated = np.zeros(len(nik), dtype=bool)
            repeated[order[1:]] = nik[order[1:]] == nik[order[:-1]]
            clash |= repeated
            if not clash.any():
                break
            nik[clash] = next_serial(nik[clash])
        fresh = np.sort(nik)
        self._used = np.insert(self._used, np.searchsorted(self._used, fresh), fresh)
        return nik


def is_valid_nik(value: str, regencies: set[str]) -> bool:
    """Contract section 3, for sanity checks of what the generator writes."""
    if len(value) != 16 or not value.isdigit():
        return False
    if f"{value[0:2]}.{value[2:4]}" not in regencies or value[12:16] == "0000":
        return False
    day, month = int(value[6:8]), int(value[8:10])
    day = day - 40 if day > 40 else day
    if not 1 <= month <= 12 or day < 1:
        return False
    days_in_month = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return day <= days_in_month
