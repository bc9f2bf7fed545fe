"""What the findings search compares: an employer name's words (legal forms and punctuation left
out), by the same rules in Python (`words`, for what is typed) and SQL (`name_words_sql`, for the
names), and the identifier columns looked up by value. The serving tables store them at publish
(pipeline/publish/serving.py) and the portal searches them (pipeline/portal/search.py)."""

from __future__ import annotations

import re

# Legal forms and their usual abbreviations: not part of what makes a name.
LEGAL_FORMS = ("pt", "cv", "ud", "pd", "fa", "tbk", "persero", "perum", "koperasi", "kop", "yayasan", "firma")
_FORMS = "|".join(LEGAL_FORMS)


def words(text: str) -> list[str]:
    """`PT. Satu-Jaya, Tbk` -> ['satu', 'jaya']."""
    return [w for w in re.sub(r"[^a-z0-9]+", " ", text.lower()).split() if w not in LEGAL_FORMS]


def name_words_sql(column: str) -> str:
    """The words of a name column as a list, in SQL: the same as words() above."""
    # '[^a-z0-9]+' -> ' ', split, drop empty words and legal forms.
    return (
        f"list_filter(string_split(regexp_replace(lower(coalesce({column}, '')), '[^a-z0-9]+', ' ', 'g'), "
        "' '), "
        f"lambda w: w <> '' and not regexp_full_match(w, '{_FORMS}'))"
    )


# Identifier columns a search looks up by value (and, for the first three, by their first digits).
IDENTIFIERS = ("nib", "npwp", "npp", "employer_key")
