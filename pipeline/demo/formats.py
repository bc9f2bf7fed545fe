"""How values are written by the agencies: amounts, dates, codes and identifiers as text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo import identifiers as ids
from pipeline.demo import refdata as ref

# Amount styles (contract section 1).
PLAIN, DOT_ZERO, THOUSANDS, THOUSANDS_DECIMALS, RUPIAH = range(5)
# Date styles.
ISO, DMY_SLASH, DMY_DASH = range(3)
PROGRAM_SEPARATORS = np.array([";", ", ", "/", " ", "|"])


def thousands(amount: pd.Series) -> pd.Series:
    """Non-negative integers with `.` between groups of three digits."""
    a = amount.astype(np.int64)
    groups = [(a // 1000**k) % 1000 for k in range(4)] + [a // 1000**4]
    out = groups[0].astype(str)
    lower = groups[0].astype(str).str.zfill(3)
    for k in range(1, 5):
        out = out.where(a < 1000**k, groups[k].astype(str) + "." + lower)
        lower = groups[k].astype(str).str.zfill(3) + "." + lower
    return out


def amount_text(
    values: np.ndarray | pd.Series, style: np.ndarray | int, override: np.ndarray | pd.Series | None = None
) -> pd.Series:
    """Amounts as text in the given style(s); missing stays missing; `override` wins."""
    v = pd.Series(np.asarray(values, dtype=float))
    style = np.broadcast_to(np.asarray(style), (len(v),))
    a = v.abs().fillna(0).round().astype(np.int64)
    plain, grouped = a.astype(str), thousands(a)
    out = plain.where(style != DOT_ZERO, plain + ".0")
    out = out.where(style != THOUSANDS, grouped)
    out = out.where(style != THOUSANDS_DECIMALS, grouped + ",00")
    out = out.where(style != RUPIAH, "Rp " + grouped)
    out = out.where(~(v < 0).to_numpy(), "-" + out)
    out = out.where(v.notna().to_numpy(), None)
    if override is not None:
        o = pd.Series(np.asarray(override, dtype=object))
        out = out.where(o.isna().to_numpy(), o)
    return out


def date_text(values: np.ndarray | pd.Series, style: np.ndarray | int) -> pd.Series:
    d = np.asarray(values).astype("datetime64[D]")
    missing = np.isnat(d)
    safe = np.where(missing, np.datetime64("2000-01-01"), d)
    year, month, day = ids.birth_parts(safe)
    y = pd.Series(year).astype(str)
    m = pd.Series(month).astype(str).str.zfill(2)
    dd = pd.Series(day).astype(str).str.zfill(2)
    style = np.broadcast_to(np.asarray(style), (len(d),))
    out = (y + "-" + m + "-" + dd).where(style == ISO, dd + "/" + m + "/" + y)
    out = out.where(style != DMY_DASH, dd + "-" + m + "-" + y)
    return out.where(~missing, None)


def regency_text(codes: np.ndarray | pd.Series, no_dot: np.ndarray) -> pd.Series:
    """`62.71`, or `6271` which the contract also accepts."""
    s = pd.Series(np.asarray(codes, dtype=object))
    return s.where(~no_dot, s.str.replace(".", "", regex=False))


def programs_text(
    mask: np.ndarray, separator: np.ndarray, override: np.ndarray | pd.Series | None = None
) -> pd.Series:
    mask = np.asarray(mask, dtype=np.int64)
    sep = pd.Series(PROGRAM_SEPARATORS[np.asarray(separator)])
    out = pd.Series([""] * len(mask), dtype=object).astype(str)
    for name, bit in ref.PROGRAM_BITS.items():
        has = (mask & bit) > 0
        joined = out.where(out == "", out + sep + name).where(out != "", name)
        out = out.where(~has, joined)
    if override is not None:
        o = pd.Series(np.asarray(override, dtype=object))
        out = out.where(o.isna().to_numpy(), o)
    return out


def nik_text(nik: np.ndarray | pd.Series, spaced: np.ndarray) -> pd.Series:
    """NIKs as typed: now and then in groups of four, which still has 16 digits."""
    s = pd.Series(np.asarray(nik, dtype=object)).astype(str)
    groups = s.str[0:4] + " " + s.str[4:8] + " " + s.str[8:12] + " " + s.str[12:16]
    ok = s.str.len() == 16
    return s.where(~(np.asarray(spaced, dtype=bool) & ok.to_numpy()), groups)


def text(values: np.ndarray | pd.Series) -> pd.Series:
    """Object text with missing values as None, for writers that tell blank from empty."""
    s = pd.Series(np.asarray(values, dtype=object))
    return s.where(s.notna(), None)


def whole_numbers(values: np.ndarray | pd.Series) -> pd.Series:
    v = pd.Series(np.asarray(values, dtype=float))
    return v.round().astype("Int64").astype(str).where(v.notna(), None)
