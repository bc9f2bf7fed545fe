"""Employer identity's graph search (sql/intermediate/int_identity_components.py) on small graphs."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.reconcile.run import SQL_DIR, build_model

NODES = SQL_DIR / "intermediate" / "int_identity_nodes.sql"
COMPONENTS = SQL_DIR / "intermediate" / "int_identity_components.py"


def components(edges: list[tuple[str, str]]) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("create table int_identity_edges (node varchar, other varchar)")
    if edges:
        con.executemany("insert into int_identity_edges values (?, ?)", edges)
    build_model(con, NODES)
    build_model(con, COMPONENTS)
    # the runner's view of the model's relation is gone once the table is made
    assert not con.execute("select * from duckdb_views() where view_name = 'model_output'").fetchall()
    return dict(con.execute("select node, component from int_identity_components").fetchall())


def test_a_chain_is_one_employer_numbered_by_its_smallest_identifier() -> None:
    # NPP:1 - NIB:5 - NPWP:9 - NIB:2 : four records, each linking two identifiers
    found = components([("NPP:1", "NIB:5"), ("NIB:5", "NPWP:9"), ("NPWP:9", "NIB:2"), ("NIB:2", "NIB:2")])
    # nodes in node order: NIB:2 (1), NIB:5 (2), NPP:1 (3), NPWP:9 (4)
    assert found == {"NIB:2": 1, "NIB:5": 1, "NPP:1": 1, "NPWP:9": 1}


def test_separate_employers_stay_apart_and_a_lone_identifier_is_its_own() -> None:
    found = components([("NPP:b", "NIB:x"), ("NPP:a", "NPP:a"), ("NIB:y", "NPWP:z"), ("NPWP:z", "NIB:y")])
    # nodes in node order: NIB:x (1), NIB:y (2), NPP:a (3), NPP:b (4), NPWP:z (5)
    assert found == {"NIB:x": 1, "NPP:b": 1, "NIB:y": 2, "NPWP:z": 2, "NPP:a": 3}


@pytest.mark.parametrize("edges", [[], [("NPP:1", "NPP:1")]])
def test_no_links(edges: list[tuple[str, str]]) -> None:
    assert components(edges) == {node: 1 for node, _ in edges}
