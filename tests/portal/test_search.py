"""The findings search forgives typos, ignores legal forms and punctuation, and finds
identifiers by their first digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.portal.filters import Filters
from pipeline.portal.followup import CURRENT_SCHEMA
from pipeline.portal.published import Publications
from pipeline.portal.queries import findings_page
from pipeline.portal.scope import Scope
from pipeline.portal.search import words
from tests.portal.fixture_data import PERIOD


def _names(data: Path, text: str) -> set[str]:
    empty = CURRENT_SCHEMA.empty_table()
    rows, _ = findings_page(Publications(data), PERIOD, Scope.everything(), Filters(cari=text), empty, 1, 100)
    return {r["employer_name"] or r["employer_key"] for r in rows}


def test_words_drop_legal_forms_and_punctuation() -> None:
    assert words("PT. Satu-Jaya, Tbk") == ["satu", "jaya"]
    assert words("CV Maju (Persero)") == ["maju"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("satu", {"PT Satu Jaya"}),  # part of a name
        ("PT. SATU JAYA", {"PT Satu Jaya"}),  # legal form and punctuation ignored
        ("satu jya", {"PT Satu Jaya"}),  # a typo
        ("Empat Sekawn", {"PT Empat Sekawan"}),
        ("karawng makmur", {"PT Karawang Makmur Sentosa"}),
        ("CV Empat", {"PT Empat Sekawan"}),  # a different legal form typed: still found
        ("1111", {"PT Satu Jaya"}),  # NIB by its first digits
        ("1000000", {"PT Satu Jaya", "PT Dua Karya", "PT Tiga Lama", "PT Empat Sekawan", "PT Lima"}),  # NPPs
        ("01.234.567", {"PT Dua Karya"}),  # an old NPWP as typed, punctuation and all
        ("sentosa jaya", set()),  # every word must match
        ("zzzz", set()),
    ],
)
def test_search(portal_data: Path, text: str, expected: set[str]) -> None:
    assert _names(portal_data, text) == expected
