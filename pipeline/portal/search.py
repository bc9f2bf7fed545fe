"""The findings search (`cari`): names forgiving typos and ignoring legal forms (PT, CV, UD...) and
punctuation; identifiers (NIB, NPWP, NPP) found by their first digits, punctuation ignored.

A name matches when every word typed is the start of one of its words, or within one edit of one
(two for words of seven letters or more). Query words are normalised here in Python and the names
in SQL, by the same rules."""

from __future__ import annotations

import re
from typing import Any

# Legal forms and their usual abbreviations: not part of what makes a name.
LEGAL_FORMS = ("pt", "cv", "ud", "pd", "fa", "tbk", "persero", "perum", "koperasi", "kop", "yayasan", "firma")
MIN_PREFIX_DIGITS = 4
_FORMS = "|".join(LEGAL_FORMS)


def words(text: str) -> list[str]:
    """`PT. Satu-Jaya, Tbk` -> ['satu', 'jaya']."""
    return [w for w in re.sub(r"[^a-z0-9]+", " ", text.lower()).split() if w not in LEGAL_FORMS]


def _name_words_sql(column: str) -> str:
    # '[^a-z0-9]+' -> ' ', split, drop empty words and legal forms: the same as words() above.
    return (
        f"list_filter(string_split(regexp_replace(lower(coalesce({column}, '')), '[^a-z0-9]+', ' ', 'g'), "
        "' '), "
        f"lambda w: w <> '' and not regexp_full_match(w, '{_FORMS}'))"
    )


def predicate(text: str, alias: str = "f") -> tuple[str, dict[str, Any]]:
    """A DuckDB predicate over findings `alias` for the search text, with its parameters."""
    clauses = [
        f"{alias}.nib = $cari or {alias}.npwp = $cari or {alias}.npp = $cari or {alias}.employer_key = $cari"
    ]
    params: dict[str, Any] = {"cari": text}
    typed = words(text)
    if typed:
        name_words = _name_words_sql(f"{alias}.employer_name")
        clauses.append(
            f"""(len($cari_words::varchar[]) > 0 and list_bool_and(list_transform($cari_words::varchar[],
                  lambda t: list_bool_or(list_transform({name_words},
                      lambda n: starts_with(n, t) or damerau_levenshtein(n, t) <=
                          case when length(t) >= 7 then 2 when length(t) >= 3 then 1 else 0 end)))))"""
        )
        params["cari_words"] = typed
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_PREFIX_DIGITS and not re.search(r"[A-Za-z]", text):
        # An old 15-digit NPWP is published as 16 digits with a leading 0.
        clauses.append(
            " or ".join(
                f"starts_with(coalesce({alias}.{column}, ''), $cari_digits)"
                for column in ("nib", "npwp", "npp")
            )
            + f" or starts_with(coalesce({alias}.npwp, ''), '0' || $cari_digits)"
        )
        params["cari_digits"] = digits
    return "(" + " or ".join(f"({c})" for c in clauses) + ")", params
