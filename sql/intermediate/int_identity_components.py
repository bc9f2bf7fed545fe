# partition: prepare
# split: node = t.node
"""Employer identity: identifiers connected through any record are one employer, transitively
across all sources (CONTRACT.md section 3). A component is numbered by its smallest node id
(int_identity_nodes), so the numbers are the same on every run.

A Python model, as dbt has them: connected components are a graph search, which SciPy does in
0.1 s over the national data set's 1.4 M identifiers. Min-label propagation in a recursive CTE
took 1.85 s where this model took 0.9 s with the query of the links and the join back to the
identifiers (on a faster machine since, 0.34-0.42 s).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

LINKS = """
select a.id as a, b.id as b
from int_identity_edges as edges
join int_identity_nodes as a on a.node = edges.node
join int_identity_nodes as b on b.node = edges.other
where edges.node <> edges.other
"""


def model(con):
    """node -> component, as a relation for the runner to materialise."""
    count = con.execute("select count(*) from int_identity_nodes").fetchall()[0][0]
    links = con.execute(LINKS).fetchnumpy()
    # node ids run from 1 to count; the graph's vertices from 0
    edges = (np.asarray(links["a"], dtype=np.int64) - 1, np.asarray(links["b"], dtype=np.int64) - 1)
    graph = coo_matrix((np.ones(len(edges[0]), dtype=np.int8), edges), shape=(count, count))
    found, labels = connected_components(graph, directed=False)
    smallest = np.full(found, count, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(count, dtype=np.int64))
    components = pa.table({"id": np.arange(1, count + 1, dtype=np.int64), "component": smallest[labels] + 1})
    return con.table("int_identity_nodes").join(con.from_arrow(components), "id").select("node, component")
