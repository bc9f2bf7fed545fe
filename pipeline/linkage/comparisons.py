"""The Fellegi–Sunter model's comparisons and blocking (CONTRACT.md section 5), as Splink settings.

Each record carries the columns `features_sql` (pipeline/linkage/score.py) makes: the NIK as
text, the normalised name (sql/intermediate/int_name_forms.sql), the birth date and what the
NIK encodes. Every level is a SQL condition on the pair, so the evidence in words
(pipeline/linkage/evidence.py) names exactly the level that the model weighed.
"""

from __future__ import annotations

from typing import Any

from splink import SettingsCreator, block_on
from splink.comparison_library import CustomComparison

# Two words are the same word typed with errors: one edit for words of 3-6 letters (EKO, EKKO),
# two from 7.
_FUZZY = (
    "damerau_levenshtein({a}, {b}) <= case when least(length({a}), length({b})) >= 7 then 2 "
    "when least(length({a}), length({b})) >= 3 then 1 else 0 end"
)


def _covered(words: str, other: str) -> str:
    """Every word of `words` is, give or take a typo, a word of `other`."""
    fuzzy = _FUZZY.format(a="x", b="y")
    inner = f"list_bool_or(list_transform({other}, lambda y: {fuzzy}))"
    return f"list_bool_and(list_transform({words}, lambda x: {inner}))"


def _level(sql: str, label: str, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    return level


NIK_LEVELS = [
    _level("nik_l is null or nik_r is null", "tidak ada", null=True),
    _level("nik_l = nik_r", "sama"),
    _level(
        "length(nik_l) = 16 and length(nik_r) = 16 and hamming(nik_l, nik_r) = 2 "
        "and damerau_levenshtein(nik_l, nik_r) = 1",
        "dua digit bertukar",
    ),
    _level(
        "length(nik_l) >= 15 and length(nik_r) >= 15 and left(nik_l, 15) = left(nik_r, 15)",
        "15 digit pertama sama",
    ),
    _level("length(nik_l) = 16 and length(nik_r) = 16 and hamming(nik_l, nik_r) = 1", "beda satu digit"),
    _level("else", "beda"),
]

NAME_LEVELS = [
    _level("name_norm_l is null or name_norm_r is null", "tidak ada", null=True),
    _level("name_norm_l = name_norm_r", "sama"),
    _level(
        "name_sorted_l = name_sorted_r or replace(name_norm_l, ' ', '') = replace(name_norm_r, ' ', '')",
        "sama, urutan atau spasi lain",
    ),
    _level(
        "len(name_words_l) = len(name_words_r) and "
        + _covered("name_words_l", "name_words_r")
        + " and "
        + _covered("name_words_r", "name_words_l"),
        "mirip",
    ),
    _level(
        "(len(name_words_l) <= len(name_words_r) and "
        + _covered("name_words_l", "name_words_r")
        + ") or (len(name_words_r) < len(name_words_l) and "
        + _covered("name_words_r", "name_words_l")
        + ")",
        "sebagian sama",
    ),
    _level(
        "last_name_l is not null and last_name_r is not null and "
        + _FUZZY.format(a="last_name_l", b="last_name_r")
        + " and not ("
        + _FUZZY.format(a="given_name_l", b="given_name_r")
        + ")",
        "nama belakang sama, nama depan beda",
    ),
    _level("else", "beda"),
]

# A birth date that nearly agrees counts as a typo only beside a NIK that nearly agrees too (one of
# the NIK levels above "beda"). Another NIK and another birth date are another person, however
# alike the names (the contract's scenario: the same name born a year apart is listed): that
# level's m is set, not learnt (pipeline/linkage/train.py FIXED_M).
_NIK_NEAR = (
    "(left(nik_l, 15) = left(nik_r, 15) or (length(nik_l) = 16 and length(nik_r) = 16 "
    "and (hamming(nik_l, nik_r) = 1 or damerau_levenshtein(nik_l, nik_r) = 1)))"
)

BIRTH_DATE_LEVELS = [
    _level("birth_date_l is null or birth_date_r is null", "tidak ada", null=True),
    _level("birth_date_l = birth_date_r", "sama"),
    _level(
        "year(birth_date_l) = year(birth_date_r) and day(birth_date_l) = month(birth_date_r) "
        "and month(birth_date_l) = day(birth_date_r) and " + _NIK_NEAR,
        "hari dan bulan tertukar",
    ),
    _level(
        "hamming(strftime(birth_date_l, '%Y%m%d'), strftime(birth_date_r, '%Y%m%d')) = 1 and " + _NIK_NEAR,
        "beda satu digit",
    ),
    _level("year(birth_date_l) = year(birth_date_r) and " + _NIK_NEAR, "tahun sama"),
    _level("not " + _NIK_NEAR, "beda, NIK juga beda"),
    _level("else", "beda"),
]

# What each NIK encodes (birth date DDMMYY, 40 added to the day for women) against the other
# record's stated birth date, and the two NIKs' sexes against each other.
NIK_CODE_LEVELS = [
    _level(
        "nik_dmy_l is null or nik_dmy_r is null or (stated_dmy_l is null and stated_dmy_r is null)",
        "tidak ada",
        null=True,
    ),
    _level(
        "nik_female_l = nik_female_r and coalesce(nik_dmy_l = stated_dmy_r, true) "
        "and coalesce(nik_dmy_r = stated_dmy_l, true)",
        "sesuai",
    ),
    _level("nik_female_l = nik_female_r", "tanggal lahir tidak sesuai"),
    _level("else", "jenis kelamin beda"),
]

COMPARISONS = {
    "nik": NIK_LEVELS,
    "nama": NAME_LEVELS,
    "tanggal_lahir": BIRTH_DATE_LEVELS,
    "kode_nik": NIK_CODE_LEVELS,
}

# Pairs are made only inside an employer (identity component), and there only where the model
# could put them at or above the review threshold: a pair whose NIK is not near (equal, one digit,
# an adjacent swap, the first 15 digits) and whose birth dates differ meets the level "beda, NIK
# juga beda", whose m is set to nothing (pipeline/linkage/train.py), so it can only be listed.
# So a pair is made when the birth dates are equal, or the NIKs share the first 15 digits, the
# first 8, the last 8, or the first 4 with the last 4 (a NIK one digit or one adjacent swap away
# keeps at least one of these), or the normal names are equal (a participant without a birth
# date). Comparing every worker with every participant of a large employer would cost more than
# the rest of the run.
BLOCKING = [
    block_on("component", "birth_date"),
    block_on("component", "nik_first15"),
    block_on("component", "nik_first8"),
    block_on("component", "nik_last8"),
    block_on("component", "nik_ends"),
    block_on("component", "name_norm"),
]


def settings(probability_two_random_records_match: float = 0.01) -> SettingsCreator:
    """The model before training: link payroll workers to participants, never within one side."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[
            CustomComparison(levels, output_column_name=name, comparison_description=name)
            for name, levels in COMPARISONS.items()
        ],
        blocking_rules_to_generate_predictions=BLOCKING,
        retain_matching_columns=True,  # with them come the gamma_ columns that name the levels
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["component"],
    )
