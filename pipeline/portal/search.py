"""The findings search (`cari`): names forgiving typos and ignoring legal forms (PT, CV, UD...) and
punctuation; identifiers (NIB, NPWP, NPP) found by their first digits, punctuation ignored.

A name matches when every word typed is the start of one of its words, or within one edit of one
(two for words of seven letters or more). Query words are normalised here in Python and the names
in SQL, by the same rules.

A publication's serving database holds its names' words once each, with the findings whose name
has them (`name_words`, pipeline/publish/serving.py): the portal compares the typed words with
those words, not with every finding's name, and gets the same findings as `predicate`."""

from __future__ import annotations

import re
from typing import Any

from pipeline.search_terms import IDENTIFIERS, name_words_sql, words

MIN_PREFIX_DIGITS = 4


def _word_matches(name_word: str, typed: str) -> str:
    """SQL: a name's word matches a typed word (its start, or within the edits allowed)."""
    return (
        f"(starts_with({name_word}, {typed}) or damerau_levenshtein({name_word}, {typed}) <= "
        f"case when length({typed}) >= 7 then 2 when length({typed}) >= 3 then 1 else 0 end)"
    )


# Identifiers found when typed whole, and those also found by their first digits.
PREFIXED = ("nib", "npwp", "npp")


def _prefix_digits(text: str) -> str | None:
    """The digits typed, when they are to be looked for as the start of an identifier."""
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_PREFIX_DIGITS and not re.search(r"[A-Za-z]", text):
        return digits
    return None


def predicate(text: str, alias: str = "f") -> tuple[str, dict[str, Any]]:
    """A DuckDB predicate over findings `alias` for the search text, with its parameters."""
    clauses = [" or ".join(f"{alias}.{column} = $cari" for column in IDENTIFIERS)]
    params: dict[str, Any] = {"cari": text}
    digits = _prefix_digits(text)
    if digits:
        # An old 15-digit NPWP is published as 16 digits with a leading 0.
        clauses.append(
            " or ".join(f"starts_with(coalesce({alias}.{column}, ''), $cari_digits)" for column in PREFIXED)
            + f" or starts_with(coalesce({alias}.npwp, ''), '0' || $cari_digits)"
        )
        params["cari_digits"] = digits
    typed = words(text)
    if typed:
        name_words = name_words_sql(f"{alias}.employer_name")
        matches = _word_matches("n", "t")
        clauses.append(
            f"""(len($cari_words::varchar[]) > 0 and list_bool_and(list_transform($cari_words::varchar[],
                  lambda t: list_bool_or(list_transform({name_words}, lambda n: {matches})))))"""
        )
        params["cari_words"] = typed
    return "(" + " or ".join(f"({c})" for c in clauses) + ")", params


def indexed_matches(text: str, identifiers: str, name_words: str) -> tuple[str, dict[str, Any]]:
    """SQL for the findings (employer_key, category) that `predicate` finds, read from the
    publication's search tables, each sorted by its first column: `identifiers` (value, kind: one
    of IDENTIFIERS, employer_key, category) and `name_words` (word, findings: a list of
    {employer_key, category}). An identifier is a range of the sorted values; each typed word is
    compared with the publication's distinct name words, and a finding matches when every typed
    word matched one of its name's words."""
    found = [f"select employer_key, category from {identifiers} where value = $cari"]
    params: dict[str, Any] = {"cari": text}
    digits = _prefix_digits(text)
    if digits:
        # The range [digits, digits with its last one raised) holds exactly the values starting
        # with them, and lets the sorted table skip the rest.
        params.update(cari_digits=digits, cari_digits_end=digits[:-1] + chr(ord(digits[-1]) + 1))
        for prefix, kinds in (("", PREFIXED), ("'0' || ", ("npwp",))):
            found.append(
                f"select employer_key, category from {identifiers} "
                f"where value >= {prefix}$cari_digits and value < {prefix}$cari_digits_end "
                f"and starts_with(value, {prefix}$cari_digits) and list_contains({list(kinds)}, kind)"
            )
    typed = words(text)
    if typed:
        per_word = []
        for i, word in enumerate(typed):
            params[f"cari_w{i}"] = word
            per_word.append(
                f"select unnest(findings, recursive := true) from {name_words} "
                f"where {_word_matches('word', f'$cari_w{i}')}"
            )
        found.append(" intersect ".join(f"({q})" for q in per_word))
    return " union ".join(f"({q})" for q in found), params
