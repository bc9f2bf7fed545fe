"""pipeline/publication.py against the code that writes and reads a publication: the portal's
lists, sorts and titles are the publication's, and its tables are written from its definitions."""

from __future__ import annotations

import duckdb

from pipeline import publication
from pipeline.portal.filters import SORTS, Filters
from pipeline.portal.followup import STAGES
from pipeline.portal.review import COLUMNS as REVIEW_COLUMNS
from pipeline.portal.scope import Scope
from pipeline.publish.serving import export_relation


def test_every_table_has_distinct_columns_and_a_source() -> None:
    for table in publication.TABLES.values():
        assert len(set(table.columns)) == len(table.columns), table.name
        assert table.select.startswith(f"select {table.columns[0]}, ")
        assert f" from {table.source} order by {table.order}" in table.select


def test_public_and_restricted_tables_are_apart() -> None:
    assert set(publication.PUBLIC) | set(publication.RESTRICTED) == set(publication.TABLES)
    assert not set(publication.PUBLIC) & set(publication.RESTRICTED)
    assert not publication.published_files("2026-10") & publication.restricted_files()
    # full NIKs only in the restricted tables
    assert all("nik" not in t.columns for t in publication.PUBLIC.values())
    assert all("nik" in t.columns for t in publication.RESTRICTED.values())


def test_the_portal_sorts_by_the_publications_orders_and_the_follow_up() -> None:
    assert set(SORTS) == set(publication.STATIC_SORTS) | {"tahap"}
    assert (Filters().urut, Filters().arah) == publication.DEFAULT_ORDER
    assert set(publication.DIRECTIONS) == {"naik", "turun"}


def test_a_finding_nobody_followed_up_shows_the_first_stage() -> None:
    assert publication.NOT_FOLLOWED_UP == STAGES[0]


def test_the_national_file_is_titled_as_a_national_users_download() -> None:
    assert Scope.everything().label() == publication.NATIONAL_LABEL


def test_the_review_list_reads_the_published_review_columns() -> None:
    assert REVIEW_COLUMNS == publication.REVIEW.columns


def test_whole_scope_files_list_the_export_columns() -> None:
    rank = publication.rank_column("o", *publication.DEFAULT_ORDER)
    columns = ", ".join(f"null::varchar as {c}" for c in (*publication.FINDINGS.columns, rank))
    con = duckdb.connect()
    con.execute(f"create table findings as select {columns} where false")
    names = [d[0] for d in con.execute(export_relation({})).description]
    assert names == list(publication.EXPORT_COLUMNS)
