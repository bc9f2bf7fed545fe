-- Employer identity: identifiers connected through any record are one employer, transitively
-- across all sources (CONTRACT.md section 3). A component is numbered by its smallest node: an
-- integer, because every worker-level model joins on it.
--
-- Min-label propagation: every node starts with the smallest of itself and its neighbours, then
-- takes a neighbour's smaller label until none changes (as many rounds as the longest chain of
-- links). Labels are integers numbered in node order, and only changed labels are carried into
-- the next round (`using key`): joining string identifiers round after round cost twice as much.
with recursive nodes as (
    select node, row_number() over (order by node) as id
    from (select node from int_identity_edges union select other from int_identity_edges)
),

links as (
    select a.id as a, b.id as b
    from int_identity_edges as edges
    join nodes as a on a.node = edges.node
    join nodes as b on b.node = edges.other
    where edges.node <> edges.other
),

neighbours as (
    select a, b from links
    union
    select b, a from links
),

labels(id, label) using key (id) as (
    select nodes.id, least(nodes.id, coalesce(min(neighbours.b), nodes.id))
    from nodes
    left join neighbours on neighbours.a = nodes.id
    group by nodes.id

    union

    select neighbours.a, min(labels.label)
    from labels
    join neighbours on neighbours.b = labels.id
    join recurring.labels as current on current.id = neighbours.a
    group by neighbours.a, current.label
    having min(labels.label) < current.label
)

select nodes.node, labels.label as component
from labels
join nodes using (id)
